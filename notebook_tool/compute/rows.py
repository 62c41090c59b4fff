"""One person as the read-only reports see them: a :class:`Row`, made from their file alone.

This module owns :class:`Row`, :func:`row_of` (a file's result, the day and the
settings → its row), the row's plain-data form (:meth:`Row.to_json`,
:func:`row_from_json`) and the way back to the values the report functions
take (:func:`summaries_of`, :func:`people_of`, :func:`check_groups`).

Why: ``list``, ``report attention|reciprocity`` and ``check`` are each a
function of every person's file, the day and the settings, and each
person's part depends on that person's file only (the one exception,
duplicate names, is computed across the rows here). So the store keeps
each person's row, and after one edit a report re-makes one row, not
30,000 contacts' summaries, attention rules and checks. The tests hold
every report made from rows byte-equal to the one made from the vault.

A row keeps what the reports show and filter by; the :class:`Contact` it
gives back (:meth:`Row.contact`) has those fields only: no entries (their
count is :attr:`Row.entries`), no e-mail or phone.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from notebook_tool.compute.attention import Context, Person, Reason, attention, sort_key_name
from notebook_tool.compute.ledger import Summary, summarize
from notebook_tool.compute.triage import untouched
from notebook_tool.core.config import Config
from notebook_tool.core.model import Contact, FileResult, Problem, Vault


@dataclass(frozen=True, slots=True)
class Row:
    """A person's part of the reports: their ledger as of the day (``summary``; None for a file that
    holds no contact) and what the attention page and ``check`` need besides."""

    path: str
    summary: Summary | None  # of the contact :func:`light` keeps
    entries: int
    untriaged: bool  # only a name from an import, not snoozed: counted on the attention page
    reasons: tuple[Reason, ...]  # on the attention page when not empty (snooze and triage applied)
    problems: tuple[Problem, ...]  # the file's own, as read

    def to_json(self) -> list[Any]:
        """Plain data (JSON), for the store."""
        s = self.summary
        person = None if s is None else [
            s.contact.name, list(s.contact.aliases), list(s.contact.tags), s.contact.company, list(s.contact.needs),
            list(s.contact.offers), s.given, s.taken, _iso(s.last_give), _iso(s.last_take), _iso(s.last_contact),
            s.give_first]
        return [self.path, person, self.entries, self.untriaged, [[r.rule, r.text, r.severity] for r in self.reasons],
                problems_json(self.problems, self.path)]


def light(c: Contact) -> Contact:
    """``c`` with only the fields the reports show and filter by: name, path, aliases, tags, company,
    needs and offers (no entries: their count is :attr:`Row.entries`)."""
    return Contact(name=c.name, path=c.path, aliases=c.aliases, tags=c.tags, company=c.company, needs=c.needs,
                   offers=c.offers)


@dataclass(frozen=True, slots=True)
class Rows:
    """What the per-person reports are made of: every file's row in path order, and the vault's own
    problems (settings, the walk)."""

    today: dt.date
    config: Config
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]
    # Per row, for ``check`` (else not read): what the per-file checks found, as :func:`checks_text`
    # made it. Text, decoded one file at a time by :func:`check_groups`: 190,000 problems at 30,000
    # people held as values cost ~40 MB more than their text.
    checked: tuple[str, ...] | None = None

    def errors(self) -> tuple[Problem, ...]:
        """The errors the pages list, in ``Vault.all_problems``' order."""
        out = [p for p in self.problems if p.severity == "error"]
        out += [p for r in self.rows for p in r.problems if p.severity == "error"]
        return tuple(sorted(out, key=lambda p: (p.path, p.line, p.col or 0, p.message)))


def row_from_json(value: Any) -> Row:
    """The row :meth:`Row.to_json` gave; ``ValueError``/``TypeError`` on anything else."""
    path, person, entries, untriaged, reasons, problems = value
    if not isinstance(path, str) or type(untriaged) is not bool or type(entries) is not int:
        raise ValueError("a row of another shape")
    summary = None
    if person is not None:
        name, aliases, tags, company, needs, offers, given, taken, last_give, last_take, last_contact, first = person
        if not isinstance(name, str) or first not in (None, True, False):
            raise ValueError("a row of another shape")
        contact = Contact(name=name, path=path, aliases=_texts(aliases), tags=_texts(tags),
                          company=_text_or_none(company), needs=_texts(needs), offers=_texts(offers))
        summary = Summary(contact, float(given), float(taken), _day(last_give), _day(last_take), _day(last_contact),
                          first)
    return Row(path, summary, entries, untriaged, tuple(Reason(str(r), str(t), float(s)) for r, t, s in reasons),
               problems_from_json(problems, path))


def row_of(result: FileResult, today: dt.date, config: Config) -> Row:
    """``result``'s row as of ``today``."""
    c = result.contact
    if c is None:
        return Row(result.path, None, 0, False, (), result.problems)
    s = summarize(c, today, config.half_life_days)
    on_page = attention([s], Context(today, config))
    snoozed = c.snooze is not None and c.snooze > today
    return Row(c.path, replace(s, contact=light(c)), len(c.entries), untouched(c) and not snoozed,
               on_page[0].reasons if on_page else (), result.problems)


def file_checks(result: FileResult, today: dt.date, config: Config, root: Path) -> tuple[Problem, ...]:
    """What ``check``'s per-file checks find in ``result``'s file (the conflict-marker check reads it
    under ``root``): kept beside the file's row, decoded only by ``check``."""
    from notebook_tool.compute.checks import PER_FILE

    one = Vault(root, config, (result,))
    return tuple(p for check in PER_FILE for p in check(one, today))


def summaries_of(rows: Iterable[Row]) -> list[Summary]:
    """Each person's summary, in the order of ``rows`` (files without a contact left out)."""
    return [r.summary for r in rows if r.summary is not None]


def people_of(rows: Iterable[Row]) -> list[Person]:
    """The attention page's people, most urgent first (as :func:`attention.attention` orders them)."""
    from notebook_tool.compute.attention import urgency

    return sorted((Person(r.summary, r.reasons) for r in rows if r.summary is not None and r.reasons), key=urgency)


def name_order(summaries: Iterable[Summary]) -> list[Summary]:
    """The pages' name order (``render.pages.build``'s)."""
    return sorted(summaries, key=lambda s: (sort_key_name(s.contact.name), s.contact.path))


def check_groups(rows: Rows, today: dt.date) -> Iterator[tuple[str, list[Problem]]]:
    """Every problem ``check`` reports but the merge driver's, as ``(path, its problems)`` in
    ``check``'s order (``compute.checks.run_checks``: by path, then line; no problem twice): the
    files' own, the per-file checks' (``rows.checked``, decoded one file at a time, so the whole
    vault's problems are never held at once) and duplicate names across the rows.

    ``ValueError`` if the rows were made without the checks or are not in path order;
    :class:`ChecksUnreadable` if a file's kept checks do not decode (they are decoded here only,
    once: the caller makes the rows again)."""
    from notebook_tool.compute.checks import ACROSS_FILES, problem_order

    if rows.checked is None:
        raise ValueError("rows made without the per-file checks")
    # The few problems not found by the file they are on: the vault's own (settings, the walk) and
    # duplicate names. Filed under their path, to be sorted in with that path's own.
    elsewhere: dict[str, set[Problem]] = {}
    named = tuple(FileResult(r.path, r.summary.contact, ()) for r in rows.rows if r.summary is not None)
    across = [p for check in ACROSS_FILES for p in check(Vault(Path(), Config(), named), today)]
    for p in [*rows.problems, *across, *(p for r in rows.rows for p in r.problems if p.path != r.path)]:
        elsewhere.setdefault(p.path, set()).add(p)

    def per_file() -> Iterator[tuple[str, list[Problem]]]:
        last = ""
        for r, text in zip(rows.rows, rows.checked or (), strict=True):
            if r.path <= last:
                raise ValueError("rows out of path order")
            last = r.path
            found = {p for p in r.problems if p.path == r.path}
            found.update(checks_from_text(text, r.path))
            found.update(elsewhere.pop(r.path, ()))
            if found:
                yield r.path, sorted(found, key=problem_order)

    listed = {r.path for r in rows.rows}
    others = [(path, sorted(ps, key=problem_order)) for path, ps in sorted(elsewhere.items()) if path not in listed]
    # Paths differ between the two streams, so merging by path keeps check's order overall.
    yield from heapq.merge(per_file(), others, key=lambda group: group[0])


def checks_text(problems: Iterable[Problem], path: str) -> str:
    """What the per-file checks found in the file at ``path``, as kept beside its row: the
    :func:`problems_json` text, or ``""`` for none. They are on that file (``check_groups`` relies
    on it to stream them in path order): ``ValueError`` for one that is not."""
    found = list(problems)
    if any(p.path != path for p in found):
        raise ValueError("a per-file check found a problem in another file")
    return json.dumps(problems_json(found, path), ensure_ascii=False) if found else ""


class ChecksUnreadable(ValueError):
    """A file's kept checks (:func:`checks_text`) are not what it wrote: the rows are made again."""


def checks_from_text(text: str, path: str) -> tuple[Problem, ...]:
    """The problems :func:`checks_text` kept for the file at ``path``; :class:`ChecksUnreadable` on any
    other text."""
    if not text:
        return ()
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise ChecksUnreadable("checks that do not decode") from e
    if not isinstance(value, list) or not all(isinstance(item, list) and len(item) == 4 for item in value):
        raise ChecksUnreadable("checks of another shape")
    try:
        return problems_from_json(value, path)
    except (TypeError, ValueError) as e:
        raise ChecksUnreadable("checks of another shape") from e


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _day(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a row of another shape")
    return tuple(value)


def _text_or_none(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("a row of another shape")
    return value


def problems_json(problems: Iterable[Problem], path: str) -> list[list[Any]]:
    """Problems as plain data; those found in the file at ``path`` need not spell it."""
    return [[p.line, p.message, p.col, p.severity] + ([] if p.path == path else [p.path]) for p in problems]


def problems_from_json(value: Any, path: str) -> tuple[Problem, ...]:
    """The problems :func:`problems_json` gave for the file at ``path``."""
    out = []
    for item in value:
        line, message, col, severity, *where = item
        if (severity not in ("error", "warning") or type(line) is not int or not (col is None or type(col) is int)
                or not isinstance(message, str) or len(where) > 1 or not all(isinstance(w, str) for w in where)):
            raise ValueError("a problem of another shape")
        out.append(Problem(where[0] if where else path, line, message, col, severity))
    return tuple(out)
