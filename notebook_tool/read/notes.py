"""A contact file's free notes: the Markdown after its front matter, as ``show`` prints it and ``find`` searches it.

Owns :func:`notes_of`. Guanxi never rewrites the body; it is only read here,
decoded the way the parser decodes the file, so line endings and a BOM do
not matter.
"""

from __future__ import annotations

from pathlib import Path

from notebook_tool.read.fileparts import decode, split_front_matter


def notes_of(root: Path, rel: str) -> str:
    """The body of ``root/rel`` (after the closing ``---``), stripped; "" if none or unreadable."""
    try:
        data = (root / rel).read_bytes()
    except OSError:
        return ""
    text, _ = decode(data, rel)
    if text is None:
        return ""
    split, _ = split_front_matter(text, rel)
    if split is None:
        return ""
    if split.yaml is None:  # no front matter: the whole file is notes
        return "\n".join(split.lines).strip()
    return "\n".join(split.lines[split.body_first_line - 1:]).strip()
