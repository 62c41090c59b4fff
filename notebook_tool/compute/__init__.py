"""Pure functions of the model: reciprocity (``ledger``), who needs attention
(``attention``), vault-wide checks (``checks``) and name resolution
(``resolve``). No I/O.
"""
