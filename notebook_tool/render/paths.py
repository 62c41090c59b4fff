"""Text and JSON for ``guanxi path``: each chain, each step with the file line that makes it. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from notebook_tool.compute.graph import Graph


def paths_text(graph: Graph, chains: Sequence[tuple[str, ...]], title: str) -> str:
    """``Alice Chen → Carol Diaz → Dan Okafor`` then one indented line per step with its evidence."""
    if not chains:
        return f"No chain {title}.\n"
    steps = len(chains[0]) - 1
    out = [f"{len(chains)} shortest chain{'s' if len(chains) != 1 else ''} {title} "
           f"({steps} step{'s' if steps != 1 else ''}):"]
    for chain in chains:
        out.append("")
        out.append(" → ".join(graph.name(n) for n in chain))
        for x, y in itertools.pairwise(chain):
            out.append(f"  {graph.name(x)} — {graph.name(y)}: {graph.edge(x, y).format()}")
    return "\n".join(out) + "\n"


def paths_json(graph: Graph, chains: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    """``{"chains": [{"people": [...], "steps": [{from, to, path, line, text}]}]}`` (docs/json.md)."""
    def person(n: str) -> dict[str, Any]:
        return {"name": graph.name(n), "path": n or None}

    return {"chains": [
        {"people": [person(n) for n in chain],
         "steps": [{"from": graph.name(x), "to": graph.name(y), "path": graph.edge(x, y).path,
                    "line": graph.edge(x, y).line, "text": graph.edge(x, y).text}
                   for x, y in itertools.pairwise(chain)]}
        for chain in chains]}
