"""The rows of the read-only reports as the columns of a file beside the store.

This module owns how :class:`~notebook_tool.compute.rows.Row` values are
laid out in a :mod:`~notebook_tool.store.snapshot` file (``<key>.rows``) and
read back. A column per field (strings, numbers, and lists of strings as
their items plus a count per row) decodes in a few splits and array reads,
where a JSON text per row cost 30,000 parses and 100 MB at 30,000 people.
The per-file checks' problems, which only ``check`` reads, are a column of
their own, one :func:`~notebook_tool.compute.rows.checks_text` per member,
decoded only when asked for (columns are decoded lazily) and then kept as
that text, one file's problems made values at a time by ``check`` (190,000
problem values, or their JSON lists, cost ~40 MB more at 30,000 people).

The people put since the file was written are kept in a small JSON delta
beside it (:func:`row_from_json` values), as for the pages' snapshot: an edit
rewrites the delta, not the base.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from notebook_tool.compute.attention import Reason
from notebook_tool.compute.ledger import Summary
from notebook_tool.compute.rows import Row, problems_from_json, problems_json
from notebook_tool.core.model import Contact
from notebook_tool.store.snapshot import Column, Columns

_LISTS = ("aliases", "tags", "needs", "offers")


def columns(members: Sequence[str], rows: Sequence[Row]) -> list[Column]:
    """The rows of ``members`` (in that order, one each) as columns; the checks are :func:`checks_column`."""
    if [r.path for r in rows] != list(members):
        raise ValueError("rows out of member order")
    sums = [r.summary for r in rows]
    people = [c.contact for c in sums if c is not None]
    cols: list[Column] = [
        ("r_kind", "q", [(s is not None) | (r.untriaged << 1) | (_BOOL[s.give_first if s else None] << 2)
                         for r, s in zip(rows, sums)]),
        # One value per person (the files with a contact, in member order) from here to the lists.
        ("r_name", "s", [c.name for c in people]),
        ("r_company", "s", [c.company or "" for c in people]),
        ("r_has_company", "q", [c.company is not None for c in people]),
        ("r_given", "d", [s.given for s in sums if s is not None]),
        ("r_taken", "d", [s.taken for s in sums if s is not None]),
        ("r_days", "q", [_ordinal(d) for s in sums if s is not None for d in (s.last_give, s.last_take, s.last_contact)]),
        ("r_entries", "q", [r.entries for r in rows]),
        ("r_reasons_n", "q", [len(r.reasons) for r in rows]),
        ("r_reason_rule", "s", [x.rule for r in rows for x in r.reasons]),
        ("r_reason_text", "s", [x.text for r in rows for x in r.reasons]),
        ("r_reason_severity", "d", [x.severity for r in rows for x in r.reasons]),
        # A file's own problems are few: one JSON text, by the row's place.
        ("r_problems", "j", json.dumps({str(i): problems_json(r.problems, r.path)
                                        for i, r in enumerate(rows) if r.problems}, ensure_ascii=False)),
    ]
    for field in _LISTS:
        cols.append((f"r_{field}_n", "q", [len(getattr(c, field)) for c in people]))
        cols.append((f"r_{field}", "s", [v for c in people for v in getattr(c, field)]))
    return cols


def checks_column(members: Sequence[str], checked: Sequence[str]) -> Column:
    """What the per-file checks found, per member, as :func:`~notebook_tool.compute.rows.checks_text`
    made it (read only by ``check`` and when a new base is written)."""
    if len(checked) != len(members):
        raise ValueError("checks out of member order")
    return ("r_checks", "s", list(checked))


def rows(cols: Columns, members: Sequence[str]) -> list[Row]:
    """The rows :func:`columns` wrote for ``members``; ``ValueError`` if the columns are not of that shape."""
    n = len(members)
    kinds, entries, counts = cols["r_kind"], cols["r_entries"], cols["r_reasons_n"]
    if not len(kinds) == len(entries) == n or any(k >> 4 for k in kinds):
        raise ValueError("rows of another shape")
    k = sum(1 for kind in kinds if kind & 1)  # the files that hold a contact
    names, company, has_company = cols["r_name"], cols["r_company"], cols["r_has_company"]
    given, taken, days = cols["r_given"], cols["r_taken"], cols["r_days"]
    if not (len(names) == len(company) == len(has_company) == len(given) == len(taken) == k and len(days) == 3 * k):
        raise ValueError("rows of another shape")
    lists = [_ragged(cols[f"r_{field}_n"], cols[f"r_{field}"], k) for field in _LISTS]
    rules = _ragged(counts, cols["r_reason_rule"], n)
    texts = _ragged(counts, cols["r_reason_text"], n)
    severities = _ragged(counts, cols["r_reason_severity"], n)
    problems = cols.json("r_problems")
    if not isinstance(problems, dict):
        raise ValueError("rows of another shape")
    out = []
    j = 0  # the next person's place in the per-person columns
    for i, path in enumerate(members):
        kind = kinds[i]
        summary = None
        if kind & 1:
            contact = Contact(name=names[j], path=path, aliases=lists[0][j], tags=lists[1][j],
                              company=company[j] if has_company[j] else None, needs=lists[2][j], offers=lists[3][j])
            summary = Summary(contact, given[j], taken[j], _day(days[3 * j]), _day(days[3 * j + 1]),
                              _day(days[3 * j + 2]), _FROM_BOOL[(kind >> 2) & 3])
            j += 1
        out.append(Row(path, summary, entries[i], bool(kind & 2),
                       tuple(Reason(r, t, s) for r, t, s in zip(rules[i], texts[i], severities[i], strict=True)),
                       problems_from_json(problems.get(str(i), ()), path)))
    return out


def checks(cols: Columns, members: Sequence[str]) -> list[str]:
    """What :func:`checks_column` kept, per member, undecoded (``compute.rows.checks_from_text`` reads
    each); ``KeyError`` for a file written before the checks were kept as text."""
    found = cols["r_checks"]
    if not isinstance(found, list) or len(found) != len(members):
        raise ValueError("checks of another shape")
    return found


def row_json(row: Row, checked: str) -> list[Any]:
    """A row and its checks (as plain data) as the delta keeps them."""
    return [row.to_json(), checked]


def _ragged(counts: Sequence[int], flat: Sequence[Any], n: int) -> list[tuple[Any, ...]]:
    """``flat`` cut into ``n`` tuples of ``counts`` items each."""
    ends = list(accumulate(counts))
    if len(counts) != n or any(c < 0 for c in counts) or (ends[-1] if ends else 0) != len(flat):
        raise ValueError("rows of another shape")
    return [tuple(flat[a:b]) for a, b in zip([0, *ends[:-1]], ends)]


_BOOL = {None: 0, False: 1, True: 2}
_FROM_BOOL: dict[int, bool | None] = {0: None, 1: False, 2: True}


def _ordinal(d: dt.date | None) -> int:
    return 0 if d is None else d.toordinal()


def _day(n: int) -> dt.date | None:
    return None if n == 0 else dt.date.fromordinal(n)
