"""Dated reminders for a calendar: birthdays, check-ins due, late promises, snoozes ending.

Pure: a vault and the as-of day in, a sorted tuple of :class:`Reminder` out.
The dates come from the attention rules themselves (:func:`overdue_on`,
:func:`promise_late_on`, the snooze test of :func:`attention`), so the
calendar and the attention page never disagree about when something is due.

A reminder whose day has already passed (an overdue check-in, a promise late
since last week) is placed on the as-of day: a calendar shows what to do
*now*, and its stable ``key`` lets a calendar app move the event rather than
duplicate it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from notebook_tool.compute.attention import overdue_on, promise_late_on, sort_key_name
from notebook_tool.compute.ledger import summarize
from notebook_tool.core.config import Config
from notebook_tool.core.model import Birthday, Contact, Vault

ReminderKind = Literal["birthday", "check-in", "promise", "snooze-ends"]


@dataclass(frozen=True, slots=True)
class Reminder:
    """One calendar event.

    ``key`` is stable across runs and days: the vault-relative path, the kind
    and (for a promise) the promise's date and text; never the clock.
    ``birthday`` is set for the yearly birthday events (``day`` is then the
    first occurrence the calendar starts from).
    """

    kind: ReminderKind
    day: dt.date
    name: str
    path: str
    summary: str
    description: str
    key: str
    birthday: Birthday | None = None


def stable_key(*parts: str) -> str:
    """A short, stable id from the parts (NUL-joined so that no two part lists collide)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


# A birthday without a year starts its yearly rule in a leap year, so 29 February exists.
NO_YEAR_START = 2000


def birthday_start(b: Birthday) -> dt.date:
    """The first day of a birthday's yearly rule: the birth date, or that day in 2000 without a year."""
    year = b.year if b.year is not None else NO_YEAR_START
    try:
        return dt.date(year, b.month, b.day)
    except ValueError:  # 29 February of a year that has none: the parser should not let it through
        return dt.date(year, b.month, 28)


def contact_reminders(c: Contact, config: Config, today: dt.date) -> list[Reminder]:
    """One person's reminders (in no particular order: see :func:`order_key`)."""
    out: list[Reminder] = []
    if c.birthday is not None:
        b = c.birthday
        year = f" (born {b.year})" if b.year else ""
        out.append(Reminder("birthday", birthday_start(b), c.name, c.path, f"Birthday: {c.name}",
                            f"{c.name}'s birthday{year}. {c.path}", stable_key(c.path, "birthday"), b))
    snoozed_until = c.snooze if c.snooze is not None and c.snooze > today else None
    s = summarize(c, today, config.half_life_days)
    due = overdue_on(s, config)
    if due is not None:
        # A snoozed person is off the attention page until the snooze ends: the check-in waits too.
        shown = max(due, snoozed_until or due, today)
        last = s.last_contact.isoformat() if s.last_contact else "never"
        out.append(Reminder("check-in", shown, c.name, c.path, f"Check in with {c.name}",
                            f"Cadence ran out on {due.isoformat()} (last contact {last}). {c.path}",
                            stable_key(c.path, "check-in")))
    for e in c.entries:
        if e.kind != "give" or not e.is_open:
            continue
        late = promise_late_on(e, config)
        out.append(Reminder("promise", max(late, snoozed_until or late, today), c.name, c.path,
                            f"Promise to {c.name}: {e.text}" if e.text else f"Promise to {c.name}",
                            f"Promised on {e.date.isoformat()}, late from {late.isoformat()}. "
                            f"{c.path}:{e.line}" if e.line else f"{c.path}",
                            stable_key(c.path, "promise", e.date.isoformat(), e.text)))
    if snoozed_until is not None:
        out.append(Reminder("snooze-ends", snoozed_until, c.name, c.path, f"Snooze ends: {c.name}",
                            f"{c.name} is back on the attention page from today. {c.path}",
                            stable_key(c.path, "snooze-ends")))
    return out


def reminders(vault: Vault, today: dt.date) -> tuple[Reminder, ...]:
    """Every reminder of the vault, by day, then name, path and kind (deterministic)."""
    out: list[Reminder] = []
    for c in vault.contacts:
        out.extend(contact_reminders(c, vault.config, today))
    return tuple(sorted(out, key=order_key))


def order_key(r: Reminder) -> tuple[dt.date, str, str, str, str]:
    """Calendar order: by day, then name, path, kind and key (deterministic)."""
    return (r.day, sort_key_name(r.name), r.path, r.kind, r.key)
