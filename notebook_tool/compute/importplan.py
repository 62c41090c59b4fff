"""Import rows + the vault → a plan: who to create, what to add to whom, what to skip and why.

Pure: nothing is read or written here. Matching a row to an existing person
goes, in order, by e-mail, then profile URL, then normalised phone, then the
folded name (:func:`~notebook_tool.core.text.fold`, so case and accents do
not matter; names and aliases both count). The first rule that finds anyone
decides; if it finds two different people the row is a *conflict* (never a
guess). A name that matches only once transliterated
(:func:`~notebook_tool.core.text.fold_ascii`, ``Wang Wei`` vs ``王伟``) is a
conflict too: transliteration can only suggest. A name match whose LinkedIn
profile URLs contradict (two different ``/in/…`` profiles) is not the same
person.

Import only ever *adds*: a missing field, or a list value not there yet (a
second e-mail, a link, a tag, an alias). A different value for a field that
is already set (company, role, met, birthday) is a conflict left alone.
Rows of one file that are the same person (same e-mail, URL, phone or name)
are merged, and reported as duplicates. Re-importing the same export plans
nothing: every value is already there.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from notebook_tool.core.model import Birthday, Contact
from notebook_tool.core.names import NameError_, file_stem, same_name_key
from notebook_tool.core.text import fold, fold_ascii
from notebook_tool.read.imports.rows import ImportRow

LIST_FIELDS = ("email", "phone", "links", "tags", "aliases")
SCALAR_FIELDS = ("company", "role", "met", "birthday")


@dataclass(frozen=True, slots=True)
class Conflict:
    """A value the export has that differs from what the file says: left alone."""

    field: str
    have: str
    incoming: str


@dataclass(frozen=True, slots=True)
class Create:
    """A new person, as the first row (and any duplicates merged into it) describe them."""

    name: str
    lines: tuple[int, ...]  # rows it comes from
    values: tuple[tuple[str, str], ...]  # (field, text) in field order; list fields may repeat
    note: str | None = None

    def get(self, key: str) -> list[str]:
        return [v for k, v in self.values if k == key]


@dataclass(frozen=True, slots=True)
class Update:
    """An existing person: the values to add, and the values that differ (left alone)."""

    path: str
    name: str
    lines: tuple[int, ...]
    adds: tuple[tuple[str, str], ...]
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True, slots=True)
class Skip:
    """A row not imported, and why (a conflict to settle by hand, a duplicate name…)."""

    line: int
    name: str
    reason: str
    candidates: tuple[str, ...] = ()  # paths it might be


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row of the file that is the same person as an earlier row: merged into it."""

    line: int
    first_line: int
    name: str


@dataclass(frozen=True, slots=True)
class ImportPlan:
    source: str
    source_path: str
    rows: int
    creates: tuple[Create, ...]
    updates: tuple[Update, ...]  # only people with something to add or a conflict
    unchanged: int  # rows that matched someone and add nothing
    skips: tuple[Skip, ...]
    duplicates: tuple[Duplicate, ...]
    imported_on: dt.date

    @property
    def changes(self) -> int:
        return len(self.creates) + sum(1 for u in self.updates if u.adds)

    @property
    def clean(self) -> bool:
        """No row skipped and no conflict: exit status 0."""
        return not self.skips and not any(u.conflicts for u in self.updates)


# -- keys --------------------------------------------------------------------------------

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://(?:www\.)?", re.IGNORECASE)


def url_key(url: str) -> str:
    """``https://www.linkedin.com/in/Jane-Doe/?x=1`` → ``linkedin.com/in/jane-doe``."""
    u = _URL.sub("", url.strip()).split("#")[0].split("?")[0].rstrip("/")
    host, _, rest = u.partition("/")
    host = host.lower()
    if host.endswith("linkedin.com"):
        host = "linkedin.com"  # de.linkedin.com, uk.linkedin.com: one profile
    return f"{host}/{rest.lower()}" if rest else host


def profile_key(url: str) -> str | None:
    """A LinkedIn profile's identity, or ``None`` for other links."""
    k = url_key(url)
    return k if k.startswith("linkedin.com/in/") else None


def phone_key(phone: str) -> str | None:
    """Digits only, ``00`` → ``+``; the last 9 digits compared, so ``+44 20 …`` = ``020 …``."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 6:
        return None
    return digits[-9:]


def email_key(email: str) -> str:
    return email.strip().casefold()


def _contact_values(c: Contact) -> dict[str, Any]:
    return {"email": list(c.emails), "phone": list(c.phones), "links": list(c.links), "tags": list(c.tags),
            "aliases": list(c.aliases), "company": c.company, "role": c.role,
            "met": c.met.isoformat() if c.met else None, "birthday": c.birthday.iso() if c.birthday else None}


def _row_values(row: ImportRow) -> dict[str, Any]:
    return {"email": list(row.emails), "phone": list(row.phones), "links": list(row.links), "tags": list(row.tags),
            "aliases": list(row.aliases), "company": row.company, "role": row.role,
            "met": row.met.isoformat() if row.met else None,
            "birthday": row.birthday.iso() if row.birthday else None}


def _list_key(field_name: str, value: str) -> str:
    if field_name == "email":
        return email_key(value)
    if field_name == "phone":
        return phone_key(value) or fold(value)
    if field_name == "links":
        return url_key(value)
    return fold(value)


@dataclass
class _Target:
    """A person rows are being merged into: an existing file or a planned new one."""

    name: str
    path: str | None  # None: a new person
    values: dict[str, Any]
    lines: list[int] = field(default_factory=list)
    adds: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    note: str | None = None


class _Index:
    """Who is known by which e-mail, URL, phone and name (existing and planned)."""

    def __init__(self) -> None:
        self.by: dict[str, dict[str, list[_Target]]] = {k: {} for k in ("email", "url", "phone", "name", "ascii")}

    def add(self, t: _Target) -> None:
        for kind, key in self.keys(t.name, t.values):
            bucket = self.by[kind].setdefault(key, [])
            if t not in bucket:
                bucket.append(t)

    @staticmethod
    def keys(name: str, v: dict[str, Any]) -> list[tuple[str, str]]:
        out = [("email", email_key(e)) for e in v["email"]]
        out += [("url", url_key(u)) for u in v["links"]]
        out += [("phone", k) for p in v["phone"] if (k := phone_key(p))]
        for n in (name, *v["aliases"]):
            out.append(("name", fold(n)))
            out.append(("ascii", fold_ascii(n)))
        return out

    def find(self, kind: str, keys: list[str]) -> list[_Target]:
        found: list[_Target] = []
        for k in keys:
            for t in self.by[kind].get(k, ()):
                if t not in found:
                    found.append(t)
        return found


def _contradicts(t: _Target, row: ImportRow) -> bool:
    """Both have LinkedIn profiles and none is shared: two different people of one name."""
    mine = {k for u in t.values["links"] if (k := profile_key(u))}
    theirs = {k for u in row.links if (k := profile_key(u))}
    return bool(mine and theirs and not (mine & theirs))


def _match(index: _Index, row: ImportRow) -> tuple[list[_Target], str]:
    """The people a row may be, and by which rule."""
    rv = _row_values(row)
    for kind, keys in (
        ("email", [email_key(e) for e in row.emails]),
        ("url", [url_key(u) for u in row.links]),
        ("phone", [k for p in row.phones if (k := phone_key(p))]),
    ):
        found = index.find(kind, keys)
        if found:
            return found, kind
    names = [fold(n) for n in (row.name, *rv["aliases"])]
    found = [t for t in index.find("name", names[:1]) if not _contradicts(t, row)]
    if found:
        return found, "name"
    found = [t for t in index.find("ascii", [fold_ascii(row.name)]) if not _contradicts(t, row)]
    return found, "transliterated name"


def _merge(t: _Target, row: ImportRow) -> None:
    """Add what the row has and the target lacks; record values that differ."""
    incoming = _row_values(row)
    for key in LIST_FIELDS:
        have = {_list_key(key, v) for v in t.values[key]}
        if key == "aliases":
            have |= {fold(t.name)}
        for value in incoming[key]:
            k = _list_key(key, value)
            if k not in have:
                have.add(k)
                t.values[key].append(value)
                t.adds.append((key, value))
    for key in SCALAR_FIELDS:
        value = incoming[key]
        if value is None:
            continue
        have = t.values[key]
        if have is None:
            t.values[key] = value
            t.adds.append((key, value))
        elif fold(str(have)) != fold(value) and not any(c.field == key and c.incoming == value for c in t.conflicts):
            t.conflicts.append(Conflict(key, str(have), value))
    if row.note and t.path is None and t.note is None:
        t.note = row.note


def plan_import(rows: list[ImportRow], contacts: tuple[Contact, ...], source: str, source_path: str,
                today: dt.date) -> ImportPlan:
    """The plan for importing ``rows`` into a vault holding ``contacts``."""
    index = _Index()
    stems: dict[str, str] = {}
    for c in sorted(contacts, key=lambda c: c.path):
        t = _Target(c.name, c.path, _contact_values(c))
        index.add(t)
        stems[same_name_key(c.stem)] = c.path
    targets: list[_Target] = []  # in first-row order
    skips: list[Skip] = []
    duplicates: list[Duplicate] = []
    for row in rows:
        found, rule = _match(index, row)
        if len(found) > 1:
            where = sorted(t.path or f"(new, line {t.lines[0]})" for t in found)
            skips.append(Skip(row.line, row.name, f"matches {len(found)} people by {rule}; settle by hand",
                              tuple(where)))
            continue
        if found and rule == "transliterated name" and fold(found[0].name) != fold(row.name):
            t = found[0]
            skips.append(Skip(row.line, row.name, f"may be {t.name} (same name transliterated); "
                                                  "add an alias or e-mail to that file to decide",
                              (t.path or f"(new, line {t.lines[0]})",)))
            continue
        if found:
            t = found[0]
            if t.lines:  # an earlier row of this file already is this person
                duplicates.append(Duplicate(row.line, t.lines[0], row.name))
            t.lines.append(row.line)
            _merge(t, row)
            index.add(t)
            if t not in targets:
                targets.append(t)
            continue
        try:
            key = same_name_key(file_stem(row.name))
        except NameError_ as exc:
            skips.append(Skip(row.line, row.name, str(exc)))
            continue
        if key in stems:
            skips.append(Skip(row.line, row.name, f"{stems[key]} already exists and is not this person "
                                                  "(their details differ); add them by hand under another name",
                              (stems[key],)))
            continue
        t = _Target(row.name, None, {k: ([] if k in LIST_FIELDS else None) for k in (*LIST_FIELDS, *SCALAR_FIELDS)})
        t.lines.append(row.line)
        _merge(t, row)
        index.add(t)
        stems[key] = f"(new, line {row.line})"
        targets.append(t)
    creates, updates, unchanged = [], [], 0
    for t in targets:
        if t.path is None:
            creates.append(Create(t.name, tuple(t.lines), tuple(t.adds), t.note))
        elif t.adds or t.conflicts:
            updates.append(Update(t.path, t.name, tuple(t.lines), tuple(t.adds), tuple(t.conflicts)))
        else:
            unchanged += 1
    return ImportPlan(source, source_path, len(rows), tuple(creates), tuple(sorted(updates, key=lambda u: u.path)),
                      unchanged, tuple(skips), tuple(duplicates), today)


def parse_added(key: str, text: str) -> Any:
    """A planned value as the model holds it (for verifying the written file)."""
    if key == "met":
        return dt.date.fromisoformat(text)
    if key == "birthday":
        if text.startswith("--"):
            return Birthday(int(text[2:4]), int(text[5:7]))
        d = dt.date.fromisoformat(text)
        return Birthday(d.month, d.day, d.year)
    return text
