"""The ``guanxi`` command, the top edge: click parsing, one library call, echo,
exit code. ``main`` holds the group and the read commands; each other module
holds one family of commands, loaded only when invoked.
"""
