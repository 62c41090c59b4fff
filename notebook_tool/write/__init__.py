"""Writing to disk: atomic replace (``fsio``), the minimal verified edit of a
contact file (``writer``), new vaults and contacts (``create``) and the
generated pages (``pages``). The only layer that writes users' files.
"""
