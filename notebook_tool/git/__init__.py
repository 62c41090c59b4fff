"""Git as an edge: the merge driver for contact files (``merge``) and who logged
each entry (``history``, from ``git blame``).
"""
