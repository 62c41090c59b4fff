"""Machine-local state and the incremental rebuild: what each file read as
(``cache``) and bringing the vault and its pages up to date by re-reading
only what changed (``incremental``), for ``index``, the read commands and
``watch``.
"""
