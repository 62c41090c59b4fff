"""``guanxi intro A B "why"``: one introduction, logged as a give in both files.

Owns the wording and the pairing of the two edits: A's file gets
``Introduced to [[B]] — why`` and B's ``Introduced to [[A]] — why`` (no
pronoun: the files do not say who is she or he; a dash, not a colon, because
``: `` would make YAML need the line quoted), each through
:func:`notebook_tool.write.writer.apply_changes`, the writer's journalled
batch: under one lock, both edits are planned and verified before either file
is replaced — a refusal for the second file leaves the first untouched too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from notebook_tool.core.model import Contact
from notebook_tool.write.writer import AddEntry, Change, Written, apply_changes


def intro_text(other: Contact, why: str) -> str:
    """``Introduced to [[Dan Okafor]] — SRE candidates`` (the link is the other's name)."""
    return f"Introduced to [[{other.name}]] — {why}"


def introduce(root: Path, a: Contact, b: Contact, why: str, day: dt.date, weight: float = 1.0,
              max_front_matter: int = 65536) -> list[Written]:
    """Write both gives (both or neither); returns what was written, A's first."""
    changes: list[tuple[str, Change]] = [(a.path, AddEntry("give", day, intro_text(b, why), weight)),
               (b.path, AddEntry("give", day, intro_text(a, why), weight))]
    return apply_changes(root, changes, max_front_matter)
