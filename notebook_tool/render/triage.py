"""The triage list (``guanxi triage``) as text and JSON: who, and which protocol steps are missing."""

from __future__ import annotations

from typing import Any

from notebook_tool.compute.triage import TriageItem

_HOW = {
    "say hello": "log it: guanxi touch \"{name}\" \"Said hello\"",
    "get and give contact details": "send yours, ask for theirs; add email: or phone: to {path}",
    "say why you connected": "write why: in {path}",
    "ask what you can do for them": "ask, then write needs: in {path}",
}


def triage_text(items: list[TriageItem], limit: int, detailed: bool = False) -> str:
    if not items:
        return "Nobody to triage: every imported person has a greeting, contact details, a why and needs.\n"
    shown = items if limit == 0 else items[:limit]
    out = [f"{len(items)} imported people to turn into relationships"
           + (f" (showing {len(shown)}; --limit 0 for all)" if len(shown) < len(items) else "") + ":", ""]
    for item in shown:
        c = item.contact
        where = ", ".join(x for x in (c.role, c.company) if x)
        out.append(f"{c.name}{' — ' + where if where else ''} ({c.path})"
                   + (f", connected {c.met.isoformat()}" if c.met else ""))
        for step in item.missing:
            how = f": {_HOW[step].format(name=c.name, path=c.path)}" if detailed else ""
            out.append(f"  [ ] {step}{how}")
    return "\n".join(out) + "\n"


def triage_json(items: list[TriageItem]) -> dict[str, Any]:
    return {"schema": 1, "count": len(items),
            "people": [{"name": i.contact.name, "path": i.contact.path, "missing": list(i.missing)} for i in items]}
