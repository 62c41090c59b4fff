"""Text and JSON for ``guanxi find``. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from notebook_tool.compute.search import Hit


def find_text(query: str, hits: Sequence[Hit]) -> str:
    """One line per person (name, path), then the fields that matched, indented."""
    if not hits:
        return f"No one matches {query!r}.\n"
    out: list[str] = []
    for h in hits:
        out.append(f"{h.contact.name}  ({h.contact.path})")
        for field, value in h.fields:
            if field == "name" and value in (h.contact.name, h.contact.stem):
                continue
            out.append(f"  {field}: {' '.join(value.split())}")
    return "\n".join(out) + "\n"


def find_json(query: str, hits: Sequence[Hit]) -> dict[str, Any]:
    """``{"query", "people": [{name, path, score, matched: [{field, text}]}]}`` (docs/json.md)."""
    return {"query": query, "people": [
        {"name": h.contact.name, "path": h.contact.path, "score": h.score,
         "matched": [{"field": f, "text": v} for f, v in h.fields]} for h in hits]}
