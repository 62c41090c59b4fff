"""Notes → touches: each dated note that names a contact counts as a touch with that person.

A note names a person by their name, file name or an alias (folded with
:func:`notebook_tool.core.text.fold`, as everywhere). Each person a dated
note names gets one ``touch`` entry dated the note's day whose text is
``note: <path>`` (so ``show`` lists the note's path), with line ``0``
because it stands in no contact file. The touch counts for last contact and
the attention rules like any touch; it never changes a balance. Contact
files are never changed: the touches are added to the contacts as read.

An index by folded name lets a single contact pick up its touches without
looking at the whole vault (``watch`` re-renders one person per save).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from notebook_tool.core.model import Contact, Entry, FileResult, Problem, Vault
from notebook_tool.core.text import fold

if TYPE_CHECKING:  # the reader (and its YAML) is imported only by those who read notes
    from notebook_tool.read.notefiles import Note

NOTE_PREFIX = "note: "


def contact_keys(c: Contact) -> tuple[str, ...]:
    """The folded names a note may use for ``c``: name, file name, aliases."""
    return tuple(dict.fromkeys(fold(k) for k in (c.name, c.stem, *c.aliases) if k))


def is_note_touch(e: Entry) -> bool:
    """Whether an entry is a touch from a note (not written in the contact file)."""
    return e.line == 0 and e.kind == "touch" and e.text.startswith(NOTE_PREFIX)


@dataclass(frozen=True, slots=True)
class NoteIndex:
    """The dated notes by each folded name they give: ``key → ((date, note path), …)``."""

    by_key: dict[str, tuple[tuple[dt.date, str], ...]]
    notes: tuple[Note, ...]

    @classmethod
    def of(cls, notes: Iterable[Note]) -> NoteIndex:
        notes = tuple(sorted(notes, key=lambda n: n.path))
        acc: dict[str, dict[str, dt.date]] = {}
        for n in notes:
            if n.date is None:
                continue
            for named in n.names:
                acc.setdefault(fold(named.name), {})[n.path] = n.date
        by_key = {k: tuple(sorted((d, p) for p, d in v.items())) for k, v in acc.items()}
        return cls(by_key, notes)

    def touches_for(self, c: Contact) -> tuple[Entry, ...]:
        found: dict[str, dt.date] = {}
        for k in contact_keys(c):
            for d, p in self.by_key.get(k, ()):
                found[p] = d
        return tuple(Entry("touch", d, f"{NOTE_PREFIX}{p}", line=0)
                     for p, d in sorted(found.items(), key=lambda x: (x[1], x[0])))

    def apply_contact(self, c: Contact) -> Contact:
        touches = self.touches_for(c)
        return replace(c, entries=c.entries + touches) if touches else c

    def apply_result(self, r: FileResult) -> FileResult:
        if r.contact is None or not self.by_key:
            return r
        c = self.apply_contact(r.contact)
        return r if c is r.contact else FileResult(r.path, c, r.problems)

    def problems(self, contacts: Iterable[Contact]) -> list[Problem]:
        """Each note's own problems, and every name in a dated note that is no contact."""
        known = {k for c in contacts for k in contact_keys(c)}
        note_stems = {fold(n.path.rsplit("/", 1)[-1][:-3]) for n in self.notes}
        out: list[Problem] = []
        for n in self.notes:
            out.extend(n.problems)
            if n.date is None:
                continue
            seen: set[str] = set()
            for named in n.names:
                k = fold(named.name)
                if k in known or k in seen:
                    continue
                seen.add(k)
                if named.how == "with":
                    out.append(Problem(n.path, named.line, f"with: {named.name!r} is not a contact "
                                       "(no name, file name or alias matches)", None, "warning"))
                elif k not in note_stems:  # a link to another note is no person, and not broken
                    out.append(Problem(n.path, named.line, f"[[{named.name}]] names no contact or note",
                                       None, "warning"))
        return out

    def apply(self, vault: Vault) -> Vault:
        """The vault with every note's touches added and the notes' problems reported."""
        results = tuple(self.apply_result(r) for r in vault.results)
        problems = vault.problems + tuple(self.problems(vault.contacts))
        return Vault(vault.root, vault.config, results, problems)
