"""The notes kept current incrementally: stat every note, re-read only the changed ones.

What each note gives (date, names, problems) is plain data, so it is kept
between runs beside the store (``<store>.notes.json``, outside the vault): JSON only, checked field by field on
load, and any damage means "read the notes again" (never trusted, never
executed). A note is re-read when its size or modification time changes.
``key()`` fingerprints the notes read, for the pages key: pages are current
only for the notes they were rendered with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_tool.core.config import Config
from notebook_tool.core.model import Problem
from notebook_tool.read.notetouch import NoteIndex

if TYPE_CHECKING:
    from notebook_tool.read.notefiles import Note
from notebook_tool.store.cache import store_path
from notebook_tool.write.fsio import atomic_write


def notes_path(root: Path) -> Path:
    """Where a vault's notes are kept between runs: beside its store, outside the vault."""
    return store_path(root).with_suffix(".notes.json")

VERSION = 1


def _stamp(root: Path, rel: str) -> tuple[int, int] | None:
    try:
        st = os.stat(root / rel)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _to_json(n: Note) -> list[Any]:
    return [n.date.isoformat() if n.date else None, n.title, n.date_line,
            [[x.name, x.line, x.how] for x in n.names],
            [[p.line, p.message, p.severity] for p in n.problems]]


def _from_json(rel: str, v: Any) -> Note | None:
    """A stored note, or None when anything about it is not as written (then it is read again)."""
    from notebook_tool.read.notefiles import Named, Note

    try:
        date, title, date_line, names, problems = v
        return Note(rel, dt.date.fromisoformat(date) if date is not None else None,
                    tuple(Named(str(a), int(b), str(c)) for a, b, c in names), str(title),
                    tuple(Problem(rel, int(ln), str(m), None, "warning" if s == "warning" else "error")
                          for ln, m, s in problems), int(date_line))
    except (TypeError, ValueError):
        return None


class NotesState:
    """Every note of a vault as last read, with the stamps that say whether it changed."""

    def __init__(self, root: Path, use_cache: bool = True) -> None:
        self.root = root
        self.use_cache = use_cache
        self.notes: dict[str, tuple[tuple[int, int], Note]] = {}
        self.folders: tuple[str, ...] = ()
        self.dirty = False
        self._index: NoteIndex | None = None
        # The folded names given by the notes changed since last asked (old and new versions):
        # the people whose pages a change of notes may concern.
        self.concerned: set[str] = set()
        if use_cache:
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(notes_path(self.root).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("notes"), dict):
            return
        for rel, rec in data["notes"].items():
            if not (isinstance(rel, str) and isinstance(rec, list) and len(rec) == 3):
                continue
            size, mtime, note = rec
            n = _from_json(rel, note)
            if n is not None and isinstance(size, int) and isinstance(mtime, int):
                self.notes[rel] = ((size, mtime), n)

    def save(self) -> None:
        if not (self.use_cache and self.dirty):
            return
        path = notes_path(self.root)
        data = {"version": VERSION,
                "notes": {rel: [st[0], st[1], _to_json(n)] for rel, (st, n) in sorted(self.notes.items())}}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:
            return  # no writable cache folder: notes are read again next time, nothing else changes
        self.dirty = False

    def covers(self, rel: str) -> bool:
        """Whether ``rel`` is (or would be) a note: a ``.md`` under a notes folder."""
        return rel.lower().endswith(".md") and any(rel.startswith(f + "/") for f in self.folders) \
            and not any(p.startswith(".") for p in rel.split("/"))

    def rescan(self, config: Config) -> set[str]:
        """Walk the notes folders and re-read what changed; the paths read or gone."""
        self.folders = config.notes
        if not config.notes:
            changed = set(self.notes)
            for _, n in self.notes.values():
                self._concern(n)
            self.notes.clear()
        else:
            from notebook_tool.read.notefiles import note_paths

            paths = note_paths(self.root, config)
            changed = set(self.notes) - set(paths)
            for rel in changed:
                self._concern(self.notes.pop(rel)[1])
            changed |= self._refresh(paths)
        if changed:
            self.dirty, self._index = True, None
        return changed

    def update(self, rels: Iterable[str]) -> set[str]:
        """Look at just these paths (from the watcher); the note paths read or gone."""
        mine = [rel for rel in rels if self.covers(rel)]
        changed = set()
        for rel in mine:
            if _stamp(self.root, rel) is None and rel in self.notes:
                self._concern(self.notes.pop(rel)[1])
                changed.add(rel)
        changed |= self._refresh([rel for rel in mine if rel not in changed])
        if changed:
            self.dirty, self._index = True, None
        return changed

    def _refresh(self, paths: Iterable[str]) -> set[str]:
        from notebook_tool.read.notefiles import read_note

        changed = set()
        for rel in paths:
            st = _stamp(self.root, rel)
            if st is None:
                continue
            old = self.notes.get(rel)
            if old is not None and old[0] == st:
                continue
            note = read_note(self.root, rel)
            self.notes[rel] = (st, note)
            if old is None or old[1] != note:
                changed.add(rel)
                self._concern(note)
                if old is not None:
                    self._concern(old[1])
        return changed

    def _concern(self, n: Note) -> None:
        from notebook_tool.core.text import fold

        self.concerned.update(fold(x.name) for x in n.names)

    def index(self) -> NoteIndex:
        if self._index is None:
            self._index = NoteIndex.of(n for _, n in self.notes.values())
        return self._index

    def key(self) -> str:
        """A fingerprint of the notes as read (for the pages key)."""
        h = hashlib.sha256()
        for rel, (st, _) in sorted(self.notes.items()):
            h.update(f"{rel}\0{st[0]}\0{st[1]}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:16]
