"""The Markdown body of a contact file (what follows the front matter), for the HTML view.

Read only, never written; a file that cannot be decoded or split has no body
here (its problems are reported by the normal read, not again).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from notebook_tool.read.fileparts import decode, split_front_matter


def body_of(root: Path, path: str) -> str:
    """The body of ``root/path`` (vault-relative, ``/``), or ``""``."""
    try:
        data = (root / path).read_bytes()
    except OSError:
        return ""
    text, _ = decode(data, path)
    if text is None:
        return ""
    split, _ = split_front_matter(text, path)
    if split is None:
        return ""
    return "\n".join(split.lines[split.body_first_line - 1:]).strip("\n")


def bodies(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Each path's body, by path."""
    return {p: body_of(root, p) for p in paths}
