"""Reciprocity: what you gave, what you took, and the balance, per person.

Pure functions of a :class:`~notebook_tool.model.Contact` and the day: no I/O.

- balance = Σ weight of kept gives − Σ weight of kept takes (an open promise,
  ``[ ]``, counts only once it is kept);
- last contact = the latest date of any entry that is not an open promise,
  else ``met``;
- give-first = whether the earliest exchange (kept give or take) was a give;
  on a day with both, it counts as give-first (you were giving from day one);
  ``None`` when there has been no exchange.
- With ``half_life`` configured, a favour's weight halves every half-life of
  age (an entry dated in the future is not aged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from notebook_tool.core.model import Contact, Entry


@dataclass(frozen=True, slots=True)
class Summary:
    """One person's ledger, as of a day."""

    contact: Contact
    given: float
    taken: float
    last_give: dt.date | None
    last_take: dt.date | None
    last_contact: dt.date | None
    give_first: bool | None

    @property
    def balance(self) -> float:
        return self.given - self.taken


def weight_of(entry: Entry, today: dt.date, half_life_days: int | None) -> float:
    if not half_life_days:
        return entry.weight
    age = max(0, (today - entry.date).days)
    return float(entry.weight * 0.5 ** (age / half_life_days))


def summarize(contact: Contact, today: dt.date, half_life_days: int | None = None) -> Summary:
    # Called for every person by both the pages and the calendar: attributes are read once
    # per entry into locals, in one pass.
    given = taken = 0.0
    last_give = last_take = last_contact = None
    first_exchange: dt.date | None = None
    first_is_give = False
    for e in contact.entries:
        if e.status == "open":  # not e.counts: the same test without a property call per entry
            continue
        d = e.date
        if last_contact is None or d > last_contact:
            last_contact = d
        kind = e.kind
        if kind == "touch":
            continue
        w = weight_of(e, today, half_life_days) if half_life_days else e.weight
        if kind == "give":
            given += w
            if last_give is None or d > last_give:
                last_give = d
        else:
            taken += w
            if last_take is None or d > last_take:
                last_take = d
        if first_exchange is None or d < first_exchange:
            first_exchange, first_is_give = d, kind == "give"
        elif d == first_exchange and kind == "give":
            first_is_give = True
    if last_contact is None:
        last_contact = contact.met
    give_first = None if first_exchange is None else first_is_give
    return Summary(contact, given, taken, last_give, last_take, last_contact, give_first)


def number(x: float) -> int | float:
    """A weight for output: an int when whole, else rounded to 2 places."""
    r = round(x, 2)
    if r == int(r):
        return int(r)
    return r


def fmt(x: float) -> str:
    """A weight as text: ``3``, ``2.5``, ``-1.25``."""
    n = number(x)
    return str(n) if n != 0 else "0"
