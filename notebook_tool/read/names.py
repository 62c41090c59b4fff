"""The names a person can type for each contact, for shell completion.

Owns :func:`completion_names`: every file name, plus each ``name:`` that
differs from its file name and each alias, with the contact they reach. It
must answer within a key press, so it never reads the whole vault: only
files whose first few kilobytes mention ``name:`` or ``aliases:`` are
parsed, and in a very large vault only file names are offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from notebook_tool.core.model import path_stem
from notebook_tool.core.text import fold
from notebook_tool.read.config import load_config
from notebook_tool.read.vault import contact_paths, read_file

# Above this many files, reading heads for aliases would be felt at each Tab.
MAX_SCANNED = 5000
_HEAD = 4096


@dataclass(frozen=True)
class Completion:
    value: str  # what is typed
    of: str | None = None  # the contact's name, when ``value`` is an alias or another spelling


def completion_names(root: Path, incomplete: str) -> list[Completion]:
    """Names, file names and aliases whose folded form starts with ``incomplete``'s, sorted."""
    config, _ = load_config(root)
    paths, _ = contact_paths(root, config)
    q = fold(incomplete)
    out: dict[str, Completion] = {}
    for rel in paths:
        stem = path_stem(rel)
        if fold(stem).startswith(q):
            out.setdefault(stem, Completion(stem))
    if len(paths) <= MAX_SCANNED:
        for rel in paths:
            try:
                with open(root / rel, "rb") as f:
                    head = f.read(_HEAD)
            except OSError:
                continue
            if b"aliases" not in head and b"name:" not in head:
                continue
            contact = read_file(root, rel, config).contact
            if contact is None:
                continue
            for other in (contact.name, *contact.aliases):
                if other != contact.stem and fold(other).startswith(q) and other not in out:
                    out[other] = Completion(other, contact.name if other != contact.name else contact.stem)
    return sorted(out.values(), key=lambda c: (fold(c.value), c.value))
