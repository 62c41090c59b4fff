"""Who needs attention, and why: the rules of SPEC §4, one small function each.

Each rule takes a person's :class:`~notebook_tool.ledger.Summary` and a
:class:`Context` and returns a :class:`Reason` or ``None``. Ranking is by the
most urgent rule a person has (promise, owe, birthday, no-follow-up, overdue,
no-contact-info), then by that rule's own severity (a promise's age, the
debt, days to the birthday, days since meeting, the overdue ratio
``(days since − cadence) / cadence``), then by name. "They owe you" is never
a reason.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from notebook_tool.compute.ledger import Summary, fmt
from notebook_tool.compute.triage import spread_last_contact, untouched
from notebook_tool.core.config import Config
from notebook_tool.core.model import Contact, Entry


@dataclass(frozen=True, slots=True)
class Context:
    today: dt.date
    config: Config


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a person is on the page: the rule, what to say, how urgent."""

    rule: str
    text: str
    severity: float  # larger is more urgent within the rule


@dataclass(frozen=True, slots=True)
class Person:
    """A row of the attention page."""

    summary: Summary
    reasons: tuple[Reason, ...]

    @property
    def contact(self) -> Contact:
        return self.summary.contact


def _quote(text: str) -> str:
    return f"“{text}”" if text else "(no description)"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def promise_late_on(entry: Entry, config: Config) -> dt.date:
    """The first day an open promise counts as late (past its grace): the promise rule fires from then."""
    try:
        return entry.date + dt.timedelta(days=config.promise_grace_days + 1)
    except OverflowError:  # past 9999-12-31: never late within the calendar
        return dt.date.max


def rule_promise(s: Summary, ctx: Context) -> Reason | None:
    """An open ``[ ]`` give older than the grace period."""
    late = [e for e in s.contact.entries
            if e.kind == "give" and e.is_open and promise_late_on(e, ctx.config) <= ctx.today]
    if not late:
        return None
    oldest = min(late, key=lambda e: (e.date, e.line))
    age = (ctx.today - oldest.date).days
    more = f" (and {len(late) - 1} more)" if len(late) > 1 else ""
    return Reason("promise", f"you promised {_quote(oldest.text)} {_days(age)} ago ({oldest.date.isoformat()}){more}", age)


def rule_owe(s: Summary, ctx: Context) -> Reason | None:
    """Balance below −band: say what they did for you and when."""
    if not s.balance < -ctx.config.owe_band:
        return None
    takes = [e for e in s.contact.entries if e.kind == "take" and e.counts]
    last = max(takes, key=lambda e: (e.date, e.line), default=None)
    what = f"; last favour: {_quote(last.text)} on {last.date.isoformat()}" if last else ""
    return Reason("owe", f"you owe them (balance {fmt(s.balance)}){what}", -s.balance)


def _next_birthday(month: int, day: int, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        try:
            d = dt.date(year, month, day)
        except ValueError:  # 29 February outside a leap year: kept on the 28th
            d = dt.date(year, 2, 28)
        if d >= today:
            return d
    raise AssertionError("unreachable: next year always has the day")


def rule_birthday(s: Summary, ctx: Context) -> Reason | None:
    """A birthday within the window (today counts)."""
    b = s.contact.birthday
    if b is None:
        return None
    nxt = _next_birthday(b.month, b.day, ctx.today)
    until = (nxt - ctx.today).days
    if until > ctx.config.birthday_window_days:
        return None
    when = "today" if until == 0 else ("tomorrow" if until == 1 else f"in {until} days")
    age = f", turns {nxt.year - b.year}" if b.year else ""
    return Reason("birthday", f"birthday {when} ({nxt.isoformat()}{age})", -until)


def rule_no_follow_up(s: Summary, ctx: Context) -> Reason | None:
    """Met within the new-connection window and no give or touch since.

    A person with no ``met`` date and no exchange at all (just added) is a new
    connection too: without this they would never show up anywhere.
    """
    met = s.contact.met
    if met is None:
        if s.last_contact is not None or s.contact.entries:  # an open promise is an exchange begun
            return None
        why = f" — why: {s.contact.why}" if s.contact.why else ""
        ask = "" if s.contact.needs else ", ask what you can do for them"  # give first (below)
        return Reason("no-follow-up", f"no exchange yet: say hello, say why{ask}{why}", 0.0)
    since = (ctx.today - met).days
    if since < 0 or since > ctx.config.new_connection_days:
        return None
    if any(e.kind in ("give", "touch") and e.counts and e.date >= met for e in s.contact.entries):
        return None
    when = "today" if since == 0 else f"{_days(since)} ago"
    why = f" — why: {s.contact.why}" if s.contact.why else ""
    # The connection protocol: give first. Not knowing what they need, the
    # first give is to ask.
    ask = "" if s.contact.needs else ", ask what you can do for them"
    return Reason("no-follow-up",
                  f"met {when} ({met.isoformat()}) and no give or touch since: say hello, say why{ask}{why}", since)


def cadence_of(contact: Contact, config: Config) -> int:
    """The contact's cadence, else the shortest of its tags', else the default; 0 = none."""
    if contact.cadence_days is not None:
        return contact.cadence_days
    tagged = [c for c in (config.cadence_for_tag(t) for t in contact.tags) if c is not None]
    return min(tagged) if tagged else config.cadence_days


def _due(s: Summary, config: Config) -> tuple[dt.date, int, dt.date] | None:
    """:func:`overdue_on`'s day, with the cadence and the (spread) last contact it comes from."""
    cadence = cadence_of(s.contact, config)
    last = spread_last_contact(s.contact, s.last_contact, cadence)  # imported people: spread, not all due at once
    if cadence == 0 or last is None:
        return None
    try:
        return last + dt.timedelta(days=cadence + 1), cadence, last
    except OverflowError:  # past 9999-12-31: never due within the calendar
        return None


def overdue_on(s: Summary, config: Config) -> dt.date | None:
    """The first day the cadence has run out (the overdue rule fires from then); None without one.

    An imported person's last contact is spread as the overdue rule spreads it (compute.triage).
    """
    due = _due(s, config)
    return None if due is None else due[0]


def rule_overdue(s: Summary, ctx: Context) -> Reason | None:
    """Days since last contact beyond the cadence."""
    due = _due(s, ctx.config)  # once: the day, and what it comes from for the text
    if due is None or due[0] > ctx.today:
        return None
    _, cadence, last = due
    since = (ctx.today - last).days
    if last != s.last_contact:  # an imported person's first check-in, spread (compute.triage)
        first = last + dt.timedelta(days=cadence)
        text = f"first check-in since the import, due {first.isoformat()} (cadence {cadence}d)"
    else:
        text = f"no contact for {_days(since)} (cadence {cadence}d; last {last.isoformat()})"
    return Reason(
        "overdue",
        text,
        (since - cadence) / cadence,
    )


def rule_no_contact_info(s: Summary, ctx: Context) -> Reason | None:
    """No email, phone or links."""
    if s.contact.reachable:
        return None
    return Reason("no-contact-info", "no way to reach them (no email, phone or links)", 0.0)


# In order of urgency: the ranking uses this order.
RULES: tuple[tuple[str, Callable[[Summary, Context], Reason | None]], ...] = (
    ("promise", rule_promise),
    ("owe", rule_owe),
    ("birthday", rule_birthday),
    ("no-follow-up", rule_no_follow_up),
    ("overdue", rule_overdue),
    ("no-contact-info", rule_no_contact_info),
)
RULE_NAMES = tuple(name for name, _ in RULES)
_RANK = {name: i for i, name in enumerate(RULE_NAMES)}


def sort_key_name(name: str) -> str:
    """Case- and accent-insensitive name order (ties broken by path elsewhere)."""
    if name.isascii():  # most names: NFKD leaves ASCII as it is and there are no combining marks
        return name.casefold()
    decomposed = unicodedata.normalize("NFKD", name)
    combining = unicodedata.combining
    return "".join([c for c in decomposed if not combining(c)]).casefold()  # a list: join's fastest input


def reasons_for(s: Summary, ctx: Context) -> tuple[Reason, ...]:
    return tuple(r for _, rule in RULES if (r := rule(s, ctx)) is not None)


def attention(summaries: Iterable[Summary], ctx: Context) -> list[Person]:
    """People who need attention, most urgent first; snoozed people left out."""
    people = []
    for s in summaries:
        if s.contact.snooze is not None and s.contact.snooze > ctx.today:
            continue
        if untouched(s.contact):  # only a name from an import: counted on the page, worked through by triage
            continue
        reasons = reasons_for(s, ctx)
        if reasons:
            people.append(Person(s, reasons))
    if len(people) < 2:  # the pages ask for one person at a time: no key to make for a sort
        return people
    return sorted(people, key=urgency)


def urgency(p: Person) -> tuple[int, float, str, str]:
    """The attention page's sort key: most urgent rule, its severity, then name and path."""
    top = p.reasons[0]
    return (_RANK[top.rule], -top.severity, sort_key_name(p.contact.name), p.contact.path)
