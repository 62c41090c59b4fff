"""The bottom layer: plain values and rules with no I/O.

``model`` (the frozen dataclasses a vault reads into: ``Contact``, ``Entry``,
``Problem``, ``FileResult``, ``Vault``), ``config`` (the settings value),
``errors`` (what the CLI turns into exit 1), ``durations`` (``30d``, dates)
and ``names`` (a person's name as a safe file name). Imports nothing else of
Guanxi.
"""
