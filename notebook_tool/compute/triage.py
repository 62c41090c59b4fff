"""Imported people who are not yet relationships, and what each still needs.

An import brings hundreds of "connections" with no greeting, no reason and
often no way to reach them. The connection protocol turns one into a
relationship in four steps; :func:`triage_list` says, per imported person,
which are still missing:

- **say hello** — no give or touch logged yet;
- **get and give contact details** — no e-mail or phone in the file;
- **say why you connected** — no ``why:``;
- **ask what you can do for them** — no ``needs:``.

It also owns the two rules that keep the attention page useful after a big
import (used by :mod:`notebook_tool.compute.attention`): people who are
only a name (imported, unreachable, no exchange) are *counted*, not listed
(:func:`untouched`), and imported people's first check-ins are spread over
a cadence (:func:`spread_offset`) instead of all falling due on one day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from notebook_tool.core.model import Contact, Vault

IMPORT_SOURCES = frozenset({"linkedin", "google", "vcard"})
STEPS = ("say hello", "get and give contact details", "say why you connected", "ask what you can do for them")


def _field(c: Contact, key: str) -> object:
    for k, v in c.extra:
        if k == key:
            return v
    return None


def is_imported(c: Contact) -> bool:
    """The file says it came from an import (``source: linkedin|google|vcard``)."""
    return _field(c, "source") in IMPORT_SOURCES


def imported_on(c: Contact) -> dt.date | None:
    v = _field(c, "imported")
    return v if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else None


def untouched(c: Contact) -> bool:
    """Only a name so far: imported, no e-mail or phone, nothing exchanged.

    A LinkedIn profile URL alone does not count as contact details here:
    every LinkedIn import has one, and it is exactly the "connection" with no
    greeting and no way to reach them that this summary is for.
    """
    return not c.entries and not c.emails and not c.phones and is_imported(c)


def spread_offset(c: Contact, cadence: int) -> int:
    """A stable day in ``[0, cadence)`` for this person (from the file's path), to spread check-ins."""
    if cadence <= 0:
        return 0
    return int.from_bytes(hashlib.sha256(c.path.encode("utf-8")).digest()[:8], "big") % cadence


def spread_last_contact(c: Contact, last: dt.date | None, cadence: int) -> dt.date | None:
    """For an imported person with no exchange yet: the import day plus their spread offset.

    So 2,000 people imported one day fall due over one cadence, a few a day,
    rather than all on the day the first cadence ends (or at once, when
    ``met`` — LinkedIn's "Connected On" — is years old).
    """
    anchor = imported_on(c)
    if anchor is None or c.entries or not is_imported(c):
        return last
    shifted = anchor + dt.timedelta(days=spread_offset(c, cadence))
    return shifted if last is None or shifted > last else last


@dataclass(frozen=True, slots=True)
class TriageItem:
    contact: Contact
    missing: tuple[str, ...]  # from STEPS, in order


def missing_steps(c: Contact) -> tuple[str, ...]:
    hello = any(e.kind in ("give", "touch") and e.counts for e in c.entries)
    return tuple(step for step, done in zip(STEPS, (hello, bool(c.emails or c.phones), bool(c.why), bool(c.needs)))
                 if not done)


def triage_list(vault: Vault, today: dt.date) -> list[TriageItem]:
    """Imported people with a step still missing: newest connections first, then by name; snoozed left out."""
    from notebook_tool.compute.attention import sort_key_name

    items = []
    for c in vault.contacts:
        if not is_imported(c) or (c.snooze is not None and c.snooze > today):
            continue
        missing = missing_steps(c)
        if missing:
            items.append(TriageItem(c, missing))
    return sorted(items, key=lambda i: (-(i.contact.met or dt.date.min).toordinal(), sort_key_name(i.contact.name),
                                        i.contact.path))
