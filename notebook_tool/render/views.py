"""Text and JSON for ``guanxi show`` and ``guanxi list``: pure functions."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from notebook_tool.compute.attention import Context, cadence_of, reasons_for, sort_key_name
from notebook_tool.compute.ledger import Summary, fmt, number
from notebook_tool.core.model import Contact, Entry
from notebook_tool.core.text import fold
from notebook_tool.read.entries import format_line


def entry_line(e: Entry) -> str:
    """``2025-01-10  give   [ ] text +3``: an entry as ``show`` and ``history`` list it."""
    date, _, rest = format_line(e).partition(" ")
    return f"{date}  {e.kind:<5}  {rest}".rstrip()


def show_text(s: Summary, ctx: Context, notes: str = "",
              backlinks: Sequence[tuple[str, str]] | None = None) -> str:
    """One person for the terminal; entries numbered by their line in the file (for an editor).

    ``notes`` is the file's body; ``backlinks`` (name, where) are the people
    who name this one, when the caller looked them up (``show --links``).
    """
    c = s.contact
    out = [c.name, c.path, ""]
    info = []
    if c.role or c.company:
        info.append(" at ".join(x for x in (c.role, c.company) if x))
    if c.aliases:
        info.append("aka " + ", ".join(c.aliases))
    if c.tags:
        info.append("tags: " + ", ".join(c.tags))
    for label, values in (("email", c.emails), ("phone", c.phones), ("links", c.links),
                          ("needs", c.needs), ("offers", c.offers)):
        if values:
            info.append(f"{label}: " + ", ".join(values))
    if c.met or c.via:
        info.append(" ".join(x for x in ("met " + c.met.isoformat() if c.met else "met", f"via {c.via}" if c.via else "") if x))
    if c.why:
        info.append(f"why: {c.why}")
    cadence = cadence_of(c, ctx.config)
    info.append("cadence: none" if cadence == 0 else f"cadence: {cadence}d")
    if c.birthday:
        info.append(f"birthday: {c.birthday.iso()}")
    if c.snooze and c.snooze > ctx.today:
        info.append(f"snoozed until {c.snooze.isoformat()}")
    out += info
    gf = {True: "opened with a give", False: "opened with a take", None: "no exchange yet"}[s.give_first]
    last = s.last_contact.isoformat() if s.last_contact else "never"
    out += ["", f"balance {fmt(s.balance)} (given {fmt(s.given)}, taken {fmt(s.taken)}) · last contact {last} · {gf}"]
    reasons = reasons_for(s, ctx)
    if reasons and not (c.snooze and c.snooze > ctx.today):
        out += ["", "Needs attention:"] + [f"- {r.rule}: {r.text}" for r in reasons]
    entries = sorted(c.entries, key=lambda e: (e.date, e.line))
    out += ["", f"Entries ({len(entries)}):" if entries else "No entries yet."]
    width_ = len(str(max((e.line for e in entries), default=0)))
    out += [f"{e.line:>{width_}}  {entry_line(e)}" if e.line else entry_line(e) for e in entries]
    if backlinks is not None:
        out += ["", f"Named by ({len(backlinks)}):" if backlinks else "Named by nobody (no via or [[link]])."]
        out += [f"- {name} ({where})" for name, where in backlinks]
    if notes:
        out += ["", "Notes:", notes]
    return "\n".join(out) + "\n"


def _entry_json(e: Entry) -> dict[str, Any]:
    return {"kind": e.kind, "date": e.date.isoformat(), "text": e.text, "weight": number(e.weight),
            "status": e.status, "links": list(e.links), "tags": list(e.tags), "line": e.line}


def show_json(s: Summary, ctx: Context) -> dict[str, Any]:
    c = s.contact
    return {
        "as_of": ctx.today.isoformat(),
        "name": c.name,
        "path": c.path,
        "aliases": list(c.aliases),
        "email": list(c.emails),
        "phone": list(c.phones),
        "links": list(c.links),
        "company": c.company,
        "role": c.role,
        "tags": list(c.tags),
        "met": c.met.isoformat() if c.met else None,
        "via": c.via,
        "why": c.why,
        "cadence_days": cadence_of(c, ctx.config),
        "birthday": c.birthday.iso() if c.birthday else None,
        "snooze": c.snooze.isoformat() if c.snooze else None,
        "needs": list(c.needs),
        "offers": list(c.offers),
        "given": number(s.given),
        "taken": number(s.taken),
        "balance": number(s.balance),
        "last_contact": s.last_contact.isoformat() if s.last_contact else None,
        "give_first": s.give_first,
        "reasons": [{"rule": r.rule, "text": r.text} for r in reasons_for(s, ctx)],
        "entries": [_entry_json(e) for e in sorted(c.entries, key=lambda e: (e.date, e.line))],
    }


def with_fields(contacts: Sequence[Contact], company: str | None, needs: str | None,
                offers: str | None) -> list[Contact]:
    """``list --company/--needs/--offers``: folded substring of the company, a need, an offer."""
    return [c for c in contacts if fields_match(c, company, needs, offers)]


def fields_match(c: Contact, company: str | None, needs: str | None, offers: str | None) -> bool:
    """One person against ``list --company/--needs/--offers`` (see :func:`with_fields`)."""
    def has(values: Sequence[str], q: str | None) -> bool:
        return q is None or any(fold(q) in fold(v) for v in values)

    return has([c.company] if c.company else [], company) and has(c.needs, needs) and has(c.offers, offers)


def select(summaries: Sequence[Summary], tag: str | Sequence[str] | None, sort: str,
           reverse: bool = False) -> list[Summary]:
    """The rows of ``list``: people with every tag in ``tag`` (all must match), in ``sort`` order."""
    wanted = {t.casefold() for t in ((tag,) if isinstance(tag, str) else (tag or ()))}
    rows = [s for s in summaries if wanted <= {t.casefold() for t in s.contact.tags}]
    by_name = sorted(rows, key=lambda s: (sort_key_name(s.contact.name), s.contact.path))
    keys = {
        "name": lambda s: 0,
        "balance": lambda s: s.balance,
        "given": lambda s: -s.given,
        "taken": lambda s: -s.taken,
        # Longest silence first: that is who to call.
        "last-contact": lambda s: s.last_contact.toordinal() if s.last_contact else 0,
        "tags": lambda s: (0, tuple(t.casefold() for t in s.contact.tags)) if s.contact.tags else (1, ()),  # untagged last
    }
    ordered = sorted(by_name, key=keys[sort])  # stable: name breaks ties
    return ordered[::-1] if reverse else ordered


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    if text.isascii():  # one column each (no ASCII character is wide or combining): 1 s less at 30,000 rows
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, cols: int, right: bool = False) -> str:
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


def list_text(rows: Sequence[Summary]) -> str:
    if not rows:
        return "No contacts.\n"
    table = [("NAME", "BALANCE", "LAST CONTACT", "TAGS")]
    for s in rows:
        last = s.last_contact.isoformat() if s.last_contact else "—"
        table.append((s.contact.name, fmt(s.balance), last, ", ".join(s.contact.tags)))
    widths = [max(width(r[i]) for r in table) for i in range(3)]
    lines = [
        f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1], right=True)}  {_pad(r[2], widths[2])}  {r[3]}".rstrip()
        for r in table
    ]
    return "\n".join(lines) + "\n"


def list_json(rows: Sequence[Summary], today: str) -> dict[str, Any]:
    return {
        "as_of": today,
        "people": [
            {"name": s.contact.name, "path": s.contact.path, "balance": number(s.balance),
             "last_contact": s.last_contact.isoformat() if s.last_contact else None, "tags": list(s.contact.tags)}
            for s in rows
        ],
    }
