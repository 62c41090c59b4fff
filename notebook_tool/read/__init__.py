"""Reading users' files into the model: bytes → ``FileResult``, a folder → ``Vault``.

``fileparts`` splits front matter, ``harden`` screens it before YAML sees it,
``parse`` (and its proven-equal shortcut ``fastpath``) builds a ``Contact``,
``entries`` reads one give/take/touch entry, ``config`` reads ``guanxi.toml``,
``vault`` finds a vault and walks it, ``yamltext`` quotes text so that it
reads back. Never writes anything.
"""
