"""Joining two files of one person (``guanxi merge-people A B``), e.g. after an import.

Owns :func:`merge_people`. B's entries that A lacks are added to A's file,
each by the writer's minimal verified edit (in date order, like ``give``);
every ``[[B]]`` link and ``via`` elsewhere then points at A. Fields are
never guessed: a field B has that A lacks, or has differently, is a
conflict, shown for the user to settle by hand, and B's file is kept. Only
when nothing of B would be lost (no conflicting field, no notes) is B's file
removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from notebook_tool.core.model import Contact, Vault
from notebook_tool.core.text import fold
from notebook_tool.read.notes import notes_of
from notebook_tool.write.rename import mentions
from notebook_tool.write.writer import AddEntry, Change, RenameLinks, apply_changes, vault_lock

# Fields compared between the two files ("name" and "path" are who they are; entries are united).
_SKIP = {"name", "path", "entries"}


@dataclass(frozen=True)
class Merged:
    into: str
    added: tuple[str, ...]  # B's entries now in A, as "kind line" text
    conflicts: tuple[str, ...]  # "field: A has …; B has …"
    removed: bool  # B's file was removed
    relinked: tuple[str, ...]  # files whose links to B now name A


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if hasattr(value, "iso"):
        return str(value.iso())
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def conflicts(a: Contact, b: Contact) -> list[str]:
    """B's fields that A lacks or holds differently (aliases: B's name counts as known)."""
    out = []
    for f in fields(Contact):
        if f.name in _SKIP:
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if vb in (None, (), "") or va == vb:
            continue
        if isinstance(vb, tuple) and isinstance(va, tuple) and set(vb) <= set(va):
            continue
        out.append(f"{f.name}: {a.path} has {_shown(va) if va not in (None, ()) else 'none'}; "
                   f"{b.path} has {_shown(vb)}")
    return out


def merge_people(vault: Vault, a: Contact, b: Contact) -> Merged:
    have = {replace(e, line=0, links=(), tags=()) for e in a.entries}
    missing = [e for e in sorted(b.entries, key=lambda e: (e.date, e.line))
               if replace(e, line=0, links=(), tags=()) not in have]
    changes: list[tuple[str, Change]] = [(a.path, AddEntry(e.kind, e.date, e.text, e.weight, e.status))
                                         for e in missing]
    keys = frozenset(fold(k) for k in (b.name, b.stem)) - frozenset(fold(k) for k in (a.name, a.stem))
    relink = [c.path for c in vault.contacts if keys and c.path not in (a.path, b.path) and mentions(c, keys)]
    changes += [(rel, RenameLinks(keys, a.name)) for rel in relink]
    done = apply_changes(vault.root, changes, vault.config.max_front_matter)
    found = conflicts(a, b)
    removed = False
    if not found and not notes_of(vault.root, b.path):
        with vault_lock(vault.root):
            os.unlink(vault.root / b.path)
        removed = True
    added = tuple(f"{w.rel}:{w.line}: {e.kind} {e.date.isoformat()} {e.text}".rstrip()
                  for w, e in zip(done, missing))
    relinked = tuple(dict.fromkeys(w.rel for w in done[len(missing):] if w.before != w.after))
    return Merged(a.path, added, tuple(found), removed, relinked)
