"""Meeting and daily notes: which dated notes name which people (read only; Guanxi never writes a note).

The folders named by ``notes = [...]`` in ``guanxi.toml`` hold ordinary
Markdown notes (Obsidian's daily and meeting notes). Each is read with
python-frontmatter, its YAML going through the same hardened path as a
contact file: :func:`notebook_tool.read.harden.prescan` first (no anchors,
tags or deep nesting), then the hardened safe ``Loader``. A note names people
by ``[[Alice Chen]]`` / ``[[Ali|Alice]]`` links anywhere in it, or by the front
matter ``with: [Alice Chen, "[[Bob]]"]``. Its date is the front matter
``date:``, else a ``YYYY-MM-DD`` at the start of the file name.

This module only reads; matching names to contacts and turning notes into
touches is :mod:`notebook_tool.read.notetouch` (a contact file's own body is :mod:`notebook_tool.read.notes`). Problems (an unreadable note,
bad front matter, a note naming people with no date) are ``Problem`` values
with the note's path and line, and never stop the rest of the vault.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from notebook_tool.core.config import Config
from notebook_tool.core.model import Problem
from notebook_tool.read.entries import links_in
from notebook_tool.read.harden import Loader, prescan

MAX_NOTE_BYTES = 4 * 1024 * 1024  # a note larger than this is skipped, with a warning
_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True, slots=True)
class Named:
    """A name a note gives, and the line it stands on (1-based, the file's own lines)."""

    name: str
    line: int
    how: str  # "link" or "with"


@dataclass(frozen=True, slots=True)
class Note:
    """One note as read: its date (None when it has none) and the names it gives, in order."""

    path: str
    date: dt.date | None
    names: tuple[Named, ...]
    title: str
    problems: tuple[Problem, ...] = ()
    date_line: int = 1


def hardened_load(fm: str) -> Any:
    """The front matter's YAML through the prescan, then the hardened safe loader."""
    finding = prescan(fm)
    if finding is not None:
        raise ValueError(finding.message)
    return yaml.load(fm, Loader=Loader)  # the hardened safe loader


_HANDLER: Any = None


def _handler() -> Any:
    """python-frontmatter's YAML handler with our loader (imported on first use: ``show`` never needs it)."""
    global _HANDLER
    if _HANDLER is None:
        from frontmatter.default_handlers import YAMLHandler

        class HardenedYAML(YAMLHandler):
            def load(self, fm: str, **kwargs: object) -> Any:
                return hardened_load(fm)

        _HANDLER = HardenedYAML()
    return _HANDLER


def note_paths(root: Path, config: Config) -> list[str]:
    """Every ``.md`` file under the notes folders (hidden names skipped, symlinks not followed), sorted."""
    found: set[str] = set()
    for top in config.notes:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and not os.path.islink(os.path.join(dirpath, d)))
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            for name in filenames:
                if name.startswith(".") or not name.lower().endswith(".md"):
                    continue
                if os.path.islink(os.path.join(dirpath, name)):
                    continue
                found.add(f"{rel_dir}/{name}")
    return sorted(found)


def _line_of_key(lines: list[str], key: str) -> int:
    for i, ln in enumerate(lines, 1):
        if ln.startswith(f"{key}:"):
            return i
    return 1


def _date_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _DATED_NAME.match(value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _with_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        links = links_in(item)
        if links:
            out.extend(links)
        else:
            out.append(item.strip())
    return [x for x in out if x]


def parse_note(data: bytes, path: str) -> Note:
    """A note's bytes → its date, names and problems (pure)."""
    stem = path.rsplit("/", 1)[-1][:-3]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Note(path, None, (), stem, (Problem(path, 1, f"note is not UTF-8 text ({exc.reason})", None, "warning"),))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    try:
        import frontmatter

        post = frontmatter.loads(text, handler=_handler())
        meta = post.metadata if isinstance(post.metadata, dict) else {}
    except Exception as exc:  # any failure is the note's problem
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.append(Problem(path, 1, f"note front matter cannot be read ({msg}); its links still count",
                                None, "warning"))
    names: list[Named] = []
    if "with" in meta:
        line = _line_of_key(lines, "with")
        names += [Named(n, line, "with") for n in _with_names(meta["with"])]
    for i, ln in enumerate(lines, 1):
        if "[[" in ln:
            names += [Named(name, i, "link") for name in links_in(ln)]
    date: dt.date | None = None
    date_line = 1
    if "date" in meta:
        date_line = _line_of_key(lines, "date")
        date = _date_of(meta["date"])
        if date is None:
            problems.append(Problem(path, date_line, f"note date {meta['date']!r} is not a date (YYYY-MM-DD)",
                                    None, "warning"))
    if date is None:
        m = _DATED_NAME.match(stem)
        if m:
            try:
                date = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                problems.append(Problem(path, 1, f"no such date in the file name: {m[0]}", None, "warning"))
    if date is None and names and not any(p.line == date_line and "date" in p.message for p in problems):
        problems.append(Problem(path, 1, "note names people but has no date: add 'date: YYYY-MM-DD' to its "
                                "front matter or start its file name with the date", None, "warning"))
    title = stem[m.end():].strip(" -_") if (m := _DATED_NAME.match(stem)) else stem
    return Note(path, date, tuple(names), title or stem, tuple(problems), date_line)


def read_note(root: Path, rel: str) -> Note:
    """Read one note from disk (too large or unreadable: a note with a warning)."""
    try:
        st = os.stat(root / rel)
        if st.st_size > MAX_NOTE_BYTES:
            return Note(rel, None, (), rel, (Problem(rel, 1, f"note is larger than {MAX_NOTE_BYTES} bytes; skipped",
                                                     None, "warning"),))
        data = (root / rel).read_bytes()
    except OSError as exc:
        return Note(rel, None, (), rel, (Problem(rel, 1, f"cannot read note: {exc.strerror or exc}", None, "warning"),))
    return parse_note(data, rel)


def read_notes(root: Path, config: Config, paths: Iterable[str] | None = None) -> tuple[Note, ...]:
    """Every note of the vault (or just ``paths``), by path."""
    return tuple(read_note(root, rel) for rel in (note_paths(root, config) if paths is None else paths))
