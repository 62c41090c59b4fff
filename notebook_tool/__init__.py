"""Guanxi: a plain-text, git-friendly relationship notebook.

Layers, lowest first; a module imports only from its own layer or lower
(``import-linter`` holds this in CI; docs/architecture.md tells the story):

- ``core``    — the model (frozen dataclasses), settings, durations, names;
- ``read``    — users' files → the model (front matter, YAML, entries, the vault walk);
- ``compute`` — ledger, attention rules, checks, name resolution (pure);
- ``render``  — pages, JSON reports and terminal views (pure text);
- ``write``   — atomic writes, the minimal edit of a contact file, new files, pages on disk;
- ``store``   — machine-local state and the incremental rebuild;
- ``git``     — the merge driver and history;
- ``watch``   — the watchdog edge;
- ``cli``     — the click edge.
"""

__version__ = "0.1.0"
