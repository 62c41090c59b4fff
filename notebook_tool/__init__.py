"""Guanxi: a plain-text, git-friendly relationship notebook.

The package reads a vault of Markdown contact files (``vault``, ``parse``),
computes reciprocity and who needs attention (``ledger``, ``attention``),
renders pages (``render``) and writes them (``index``, ``fsio``). The
``guanxi`` command (``cli``) is a thin layer over these.
"""

__version__ = "0.1.0"
