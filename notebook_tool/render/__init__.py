"""Text for people to read: the generated pages and JSON reports (``pages``) and
the terminal views of ``show``/``list`` (``views``). Pure: returns strings.
"""
