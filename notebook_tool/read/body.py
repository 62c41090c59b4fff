"""The Markdown body of a contact file (what follows the front matter), for ``guanxi find``.

The model (:class:`~notebook_tool.core.model.Contact`) keeps only the front
matter; the body is free notes that only search needs, so it is read here,
on demand, from the file itself. A file that cannot be read or decoded has
an empty body (its problem is reported by the ordinary read).
"""

from __future__ import annotations

from pathlib import Path

from notebook_tool.read.fileparts import decode, split_front_matter


def body_text(root: Path, rel: str) -> str:
    """The body of ``root/rel`` as text; ``""`` when there is none or it cannot be read."""
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
    return "\n".join(split.lines[split.body_first_line - 1 :])
