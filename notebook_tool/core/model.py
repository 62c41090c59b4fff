"""The data model: what a vault holds once it has been read.

Everything here is a frozen dataclass so that parsed files can be cached,
compared and shared between the index, the watcher and the reports without
anyone mutating them behind another's back. Errors are values too
(:class:`Problem`), carrying the file and line they come from, in the manner
of beancount: a loader returns ``(records, problems)`` and never raises for
bad user input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from notebook_tool.core.config import Config

Kind = Literal["give", "take", "touch"]
KINDS: tuple[Kind, ...] = ("give", "take", "touch")

Status = Literal["open", "kept"] | None
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """Something wrong in a user's file, located as ``path:line[:col]``.

    ``path`` is relative to the vault, with ``/`` separators; ``line`` and
    ``col`` are 1-based and count the file's own lines (BOM and front matter
    delimiters included), so an editor's "go to line" lands on it.
    """

    path: str
    line: int
    message: str
    col: int | None = None
    severity: Severity = "error"

    def location(self) -> str:
        loc = f"{self.path}:{self.line}"
        if self.col is not None:
            loc += f":{self.col}"
        return loc

    def format(self) -> str:
        """``path:line[:col]: message``, with ``warning:`` for warnings."""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location()}: {prefix}{self.message}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One give, take or touch, as the user wrote it.

    ``status`` is ``"open"`` for a promise not yet kept (``[ ]`` or
    ``done: false``), ``"kept"`` for ``[x]``/``done: true`` and ``None`` for a
    plain entry. ``line`` is the entry's line in the file.
    """

    kind: Kind
    date: dt.date
    text: str
    weight: float = 1.0
    status: Status = None
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    line: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def counts(self) -> bool:
        """True when the entry counts in the balance and as contact."""
        return self.status != "open"


def path_stem(path: str) -> str:
    """A vault-relative path's file name without its folder and ``.md``: the one stem function."""
    base = path.rsplit("/", 1)[-1]
    return base[:-3] if base.lower().endswith(".md") else base


@dataclass(frozen=True, slots=True)
class Birthday:
    """A birthday, with or without a year (``--06-14``)."""

    month: int
    day: int
    year: int | None = None

    def iso(self) -> str:
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person: one contact file, read.

    ``path`` is the file's path relative to the vault, with ``/``. Fields the
    spec names are typed; any other front matter key is kept in ``extra``
    untouched (users add their own fields). ``cadence_days`` is ``None`` when
    the file sets none, and ``0`` for ``cadence: none`` (opted out).
    """

    name: str
    path: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    company: str | None = None
    role: str | None = None
    tags: tuple[str, ...] = ()
    met: dt.date | None = None
    via: str | None = None
    why: str | None = None
    cadence_days: int | None = None
    birthday: Birthday | None = None
    snooze: dt.date | None = None
    needs: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def stem(self) -> str:
        """The file name without folder and ``.md``."""
        return path_stem(self.path)

    def of_kind(self, kind: Kind) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)

    @property
    def reachable(self) -> bool:
        return bool(self.emails or self.phones or self.links)


@dataclass(frozen=True, slots=True)
class FileResult:
    """What reading one file gave: a contact (or none) and its problems.

    A file whose front matter cannot be read at all has ``contact=None`` and
    at least one error; a file with a bad entry still has its contact, minus
    that entry, and the error.
    """

    path: str
    contact: Contact | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Vault:
    """A vault as read: its settings, every file's result, and vault-wide problems."""

    root: Path
    config: Config
    results: tuple[FileResult, ...]
    problems: tuple[Problem, ...] = ()  # config and walk problems (not per file)

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return tuple(r.contact for r in self.results if r.contact is not None)

    def all_problems(self) -> list[Problem]:
        """Every problem, vault-wide first, then per file, in path/line order."""
        out = list(self.problems)
        for r in self.results:
            out.extend(r.problems)
        return sorted(out, key=lambda p: (p.path, p.line, p.col or 0, p.message))
