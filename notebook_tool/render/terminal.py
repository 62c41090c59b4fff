"""The reports as plain text for a terminal: names, not Markdown links.

Owns :func:`attention_text` and :func:`reciprocity_text`, what ``guanxi report``
prints by default (``--markdown`` prints the page itself, ``--json`` the
data). Same content and order as the pages (:mod:`notebook_tool.render.pages`),
with columns aligned for wide (CJK) characters; deterministic like them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from notebook_tool.compute.ledger import fmt
from notebook_tool.render.pages import TODAY_COUNT, Report, by_tag, totals
from notebook_tool.render.views import width


def _pad(text: str, cols: int, right: bool = False) -> str:
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


def _table(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    cols = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(v, cols[i], i in right) for i, v in enumerate(r)).rstrip() for r in rows]


def _problems(report: Report) -> list[str]:
    if not report.problems:
        return []
    n = len(report.problems)
    return [f"{n} file problem{'s' if n != 1 else ''} (guanxi check lists them all):",
            *(f"  {p.format()}" for p in report.problems), ""]


def attention_text(report: Report) -> str:
    people = report.people
    n = len(people)
    count = "Nobody needs attention." if n == 0 else (
        "1 person needs attention." if n == 1 else f"{n} people need attention.")
    lines = [f"Who needs attention, as of {report.as_of.isoformat()}. {count}", ""]
    lines += _problems(report)
    today = people[:TODAY_COUNT]
    if today:
        lines.append("Today:")
        for i, p in enumerate(today, 1):
            first, *rest = p.reasons
            lines.append(f"{i:>2}. {p.contact.name} — {first.text}")
            lines += [f"      also: {r.text}" for r in rest]
        lines.append("")
    if people[TODAY_COUNT:]:
        lines.append("Everyone else:")
        for p in people[TODAY_COUNT:]:
            first, *rest = p.reasons
            lines.append(f"  - {p.contact.name} — {first.text}")
            lines += [f"      also: {r.text}" for r in rest]
        lines.append("")
    return "\n".join(lines)


def reciprocity_text(report: Report) -> str:
    t = totals(report.summaries, report.entries)
    share = t.give_first_share
    share_s = "—" if share is None else f"{round(share * 100)}% ({t.give_first} of {t.exchanged})"
    lines = [f"Reciprocity, as of {report.as_of.isoformat()}. Balance = given − taken: "
             "negative, you owe them.", "",
             f"{t.people} people, {t.entries} entries, given {fmt(t.given)}, taken {fmt(t.taken)}; "
             f"opened with a give: {share_s}", ""]
    lines += _problems(report)

    def day(d: dt.date | None) -> str:
        return d.isoformat() if d is not None else "—"

    if report.summaries:
        rows: list[tuple[str, ...]] = [("NAME", "GIVEN", "TAKEN", "BALANCE", "LAST GIVE", "LAST TAKE", "LAST CONTACT")]
        rows += [(s.contact.name, fmt(s.given), fmt(s.taken), fmt(s.balance), day(s.last_give), day(s.last_take),
                  day(s.last_contact)) for s in report.summaries]
        lines += _table(rows, {1, 2, 3}) + [""]
    groups = by_tag(report.summaries)
    if groups:
        tag_rows: list[tuple[str, ...]] = [("TAG", "PEOPLE", "GIVEN", "TAKEN", "BALANCE")]
        for tag, members in groups:
            given, taken = sum(s.given for s in members), sum(s.taken for s in members)
            tag_rows.append((tag, str(len(members)), fmt(given), fmt(taken), fmt(given - taken)))
        lines += _table(tag_rows, {1, 2, 3, 4}) + [""]
    return "\n".join(lines)
