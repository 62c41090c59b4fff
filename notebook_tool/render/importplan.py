"""An import plan as text (for people) and as JSON (``--json``, schema in docs/json.md).

Deterministic: the plan's own order (rows as the export lists them; updates
by path), no clock time. Problems in the export come first as
``file:line: message``.
"""

from __future__ import annotations

from typing import Any

from notebook_tool.compute.importplan import ImportPlan
from notebook_tool.core.model import Problem

PLAN_SCHEMA = 1


def _values(values: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values)


def plan_text(plan: ImportPlan, problems: list[Problem], applied: bool = False) -> str:
    """The plan in plain words; ``applied`` switches "will" to "did"."""
    out: list[str] = []
    will = "" if applied else "would "
    head = (f"Import {plan.source} from {plan.source_path}: {plan.rows} rows. "
            f"{len(plan.creates)} to create, {sum(1 for u in plan.updates if u.adds)} to update, "
            f"{plan.unchanged} unchanged, {len(plan.skips)} skipped, {len(plan.duplicates)} duplicates.")
    if applied:
        head = head.replace(" to create", " created").replace(" to update", " updated")
    out.append(head)
    if problems:
        out += ["", "Problems in the export:"] + [f"  {p.format()}" for p in problems]
    if plan.creates:
        out += ["", f"Create ({len(plan.creates)}):"]
        for c in plan.creates:
            out.append(f"  + {c.name} (line {c.lines[0]}){': ' + _values(c.values) if c.values else ''}")
    adds = [u for u in plan.updates if u.adds]
    if adds:
        out += ["", f"Update ({len(adds)}):"]
        for u in adds:
            out.append(f"  ~ {u.path} (line {u.lines[0]}): add {_values(u.adds)}")
    conflicts = [u for u in plan.updates if u.conflicts]
    if conflicts:
        out += ["", f"Conflicts, left alone ({sum(len(u.conflicts) for u in conflicts)}):"]
        for u in conflicts:
            for k in u.conflicts:
                out.append(f"  ! {u.path} (line {u.lines[0]}): {k.field} is {k.have!r}, the export says {k.incoming!r}")
    if plan.skips:
        out += ["", f"Skipped ({len(plan.skips)}):"]
        for s in plan.skips:
            maybe = f" [{', '.join(s.candidates)}]" if s.candidates else ""
            out.append(f"  - line {s.line} {s.name}: {s.reason}{maybe}")
    if plan.duplicates:
        out += ["", f"Duplicates in the file, merged ({len(plan.duplicates)}):"]
        for d in plan.duplicates:
            out.append(f"  = line {d.line} {d.name}: same person as line {d.first_line}")
    if not applied and plan.changes:
        out += ["", f"Nothing {will}be written until you run this again with --apply."]
    elif not plan.changes:
        out += ["", "Nothing to change."]
    return "\n".join(out) + "\n"


def plan_json(plan: ImportPlan, problems: list[Problem]) -> dict[str, Any]:
    """The plan as data (docs/json.md, "import plan")."""
    return {
        "schema": PLAN_SCHEMA,
        "source": plan.source,
        "file": plan.source_path,
        "rows": plan.rows,
        "clean": plan.clean and not any(p.severity == "error" for p in problems),
        "create": [{"name": c.name, "lines": list(c.lines), "values": [[k, v] for k, v in c.values],
                    "note": c.note is not None} for c in plan.creates],
        "update": [{"path": u.path, "name": u.name, "lines": list(u.lines), "add": [[k, v] for k, v in u.adds],
                    "conflicts": [{"field": c.field, "have": c.have, "incoming": c.incoming} for c in u.conflicts]}
                   for u in plan.updates],
        "unchanged": plan.unchanged,
        "skipped": [{"line": s.line, "name": s.name, "reason": s.reason, "candidates": list(s.candidates)}
                    for s in plan.skips],
        "duplicates": [{"line": d.line, "same_as": d.first_line, "name": d.name} for d in plan.duplicates],
        "problems": [{"path": p.path, "line": p.line, "message": p.message, "severity": p.severity}
                     for p in problems],
    }
