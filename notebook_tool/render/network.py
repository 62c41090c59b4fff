"""``_index/network.md`` (a Mermaid diagram) and ``guanxi graph --format mermaid|dot|json``: pure text.

Owns drawing the graph of :mod:`notebook_tool.compute.graph`. Every person is
an ASCII id (``n1``, ``n2`` … in name order) with a quoted label, so names
with spaces, quotes, brackets or CJK characters render on GitHub and in
Obsidian; characters Mermaid reads as syntax are written as its entity codes
(``#quot;``). The page is bounded (:data:`MAX_NODES`, :data:`MAX_EDGES`): it
shows the most active part of the network — people with the most
connections, then the strongest (the most entries and fields that make
them) — clustered into one subgraph per tag
(each person in the tag they share with the most others shown).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from notebook_tool.compute.graph import YOU, Graph, Linking, build, build_from, linking_entries, subgraph
from notebook_tool.core.config import Config
from notebook_tool.core.model import Contact, Vault
from notebook_tool.core.text import fold
from notebook_tool.render.markdown_text import escape_inline
from notebook_tool.render.pages import link

MAX_NODES = 40
MAX_EDGES = 80
_MERMAID_CODES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;",
                  "\\": "#92;", ";": "#59;"}


def mermaid_label(text: str) -> str:
    """``"text"`` for a Mermaid node or subgraph label: one line, syntax characters as entity codes."""
    flat = " ".join(text.split())
    return '"' + "".join(_MERMAID_CODES.get(ch, ch) for ch in flat) + '"'


def _ids(graph: Graph, nodes: Iterable[str]) -> dict[str, str]:
    order = sorted((n for n in nodes if n != YOU), key=lambda p: (fold(graph.name(p)), p))
    ids = {p: f"n{i}" for i, p in enumerate(order, 1)}
    if YOU in nodes:
        ids[YOU] = "you"
    return ids


def _cluster(graph: Graph, nodes: list[str]) -> dict[str, str]:
    """Each person → the tag they share with the most others shown (ties: alphabetical); untagged: none."""
    count = Counter(fold(t) for n in nodes for t in {fold(t) for t in graph.contacts[n].tags})
    out: dict[str, str] = {}
    for n in nodes:
        tags = sorted({fold(t) for t in graph.contacts[n].tags}, key=lambda t: (-count[t], t))
        if tags and count[tags[0]] > 1:
            out[n] = tags[0]
    return out


def mermaid(graph: Graph, clusters: bool = True) -> str:
    """A ``flowchart LR`` of ``graph`` (you left out), people clustered by tag."""
    nodes = sorted(p for p in graph.contacts)
    ids = _ids(graph, nodes)
    lines = ["flowchart LR"]
    groups: dict[str, list[str]] = {}
    where = _cluster(graph, nodes) if clusters else {}
    for n in nodes:
        groups.setdefault(where.get(n, ""), []).append(n)
    for n in sorted(groups.get("", []), key=lambda p: int(ids[p][1:])):
        lines.append(f"  {ids[n]}[{mermaid_label(graph.name(n))}]")
    for i, tag in enumerate(sorted(t for t in groups if t), 1):
        lines.append(f"  subgraph t{i}[{mermaid_label(tag)}]")
        for n in sorted(groups[tag], key=lambda p: int(ids[p][1:])):
            lines.append(f"    {ids[n]}[{mermaid_label(graph.name(n))}]")
        lines.append("  end")
    for a, b in graph.edges():
        if a in ids and b in ids and YOU not in (a, b):
            x, y = sorted((ids[a], ids[b]), key=lambda s: int(s[1:]))
            lines.append(f"  {x} --- {y}")
    return "\n".join(lines) + "\n"


def dot(graph: Graph) -> str:
    """Graphviz DOT of ``graph`` (you left out)."""
    ids = _ids(graph, graph.contacts)

    def q(text: str) -> str:
        return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["graph guanxi {"]
    for p in sorted(graph.contacts, key=lambda p: int(ids[p][1:])):
        lines.append(f"  {ids[p]} [label={q(graph.name(p))}];")
    for a, b in graph.edges():
        if YOU not in (a, b):
            x, y = sorted((ids[a], ids[b]), key=lambda s: int(s[1:]))
            lines.append(f"  {x} -- {y} [tooltip={q(graph.edge(a, b).format())}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_json(graph: Graph) -> dict[str, Any]:
    """``guanxi graph --format json`` (schema in docs/json.md)."""
    return {
        "people": [{"name": c.name, "path": c.path, "tags": list(c.tags), "company": c.company}
                   for c in sorted(graph.contacts.values(), key=lambda c: (fold(c.name), c.path))],
        "edges": [{"a": a, "b": b, "evidence": [{"path": e.path, "line": e.line, "text": e.text}
                                                  for e in graph.evidence[(a, b)]]}
                  for a, b in graph.edges() if YOU not in (a, b)],
    }


def render(graph: Graph, fmt: str) -> str:
    if fmt == "dot":
        return dot(graph)
    if fmt == "json":
        return json.dumps(graph_json(graph), ensure_ascii=False, indent=2) + "\n"
    return mermaid(graph)


def most_active(graph: Graph, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES) -> Graph:
    """The bounded part the page draws: people with connections, most connected first, then the
    strongest connected (the most evidence on their edges).

    Only the graph decides (not, say, how many entries a file has), so an
    entry that links no one leaves the page as it was: see :func:`inputs`.
    """
    def degree(p: str) -> int:
        return sum(1 for m in graph.adj[p] if m != YOU)

    strength: Counter[str] = Counter()
    for (a, b), why in graph.evidence.items():
        strength[a] += len(why)
        strength[b] += len(why)
    people = [p for p in graph.contacts if degree(p) > 0]
    people.sort(key=lambda p: (-degree(p), -strength[p], fold(graph.name(p)), p))
    sub = subgraph(graph, people[:max_nodes])
    if len(sub.evidence) <= max_edges:
        return sub
    keep = sorted(sub.evidence, key=lambda k: (-len(sub.evidence[k]), k))[:max_edges]
    ev = {k: sub.evidence[k] for k in keep}
    nodes = {n for k in keep for n in k}
    adj = {n: tuple(m for m in sub.adj[n] if (min(n, m), max(n, m)) in ev) for n in nodes}
    return Graph({p: c for p, c in sub.contacts.items() if p in nodes}, adj, ev)


def inputs(c: Contact, today: dt.date, config: Config) -> list[Any]:
    """What of ``c`` the page reads, as plain data: what others' links to ``c`` match (name, file
    name, aliases), its tags, and what makes its edges (``via``; each entry that links someone: its
    line, evidence text and links). Equal inputs for everyone give the same page, so a page whose
    people's inputs are all unchanged is not rendered again; and :func:`page_of` makes the page
    from them without reading any contact back."""
    return [c.path, c.name, list(c.aliases), list(c.tags), c.via,
            [[e.line, e.text, list(e.links)] for e in linking_entries(c)]]


def page(vault: Vault, today: dt.date, link_base: str) -> str:
    """The network page (registered in :mod:`notebook_tool.render.extra`)."""
    return _page(build(vault.contacts, with_you=False), link_base)


def page_of(people: list[Any], today: dt.date, config: Config, link_base: str) -> str:
    """The same page as :func:`page`, from every person's :func:`inputs` (in path order).

    Each person becomes a contact of the fields the page reads (name, path, aliases, tags, ``via``)
    with their linking entries beside it; ``ValueError`` on inputs of another shape."""
    parts = []
    for path, name, aliases, tags, via, linking in people:
        if not (isinstance(path, str) and isinstance(name, str) and (via is None or isinstance(via, str))):
            raise ValueError("network inputs of another shape")
        contact = Contact(name=name, path=path, aliases=tuple(map(str, aliases)), tags=tuple(map(str, tags)), via=via)
        parts.append((contact, [Linking(int(line), str(text), tuple(map(str, links))) for line, text, links in linking]))
    return _page(build_from(parts), link_base)


def _page(full: Graph, link_base: str) -> str:
    shown = most_active(full)
    people = sum(1 for p in full.contacts if full.adj[p])
    out = ["<!-- Generated by guanxi from the contact files: edits here are overwritten. -->",
           "# Your network", ""]
    if not shown.contacts:
        out.append("No connections between your contacts yet: `via:`, `[[links]]` in entries and `with:` make them.")
        return "\n".join(out) + "\n"
    out.append(f"{len(shown.contacts)} of the {people} connected people and {len(shown.evidence)} of the "
               f"{len(full.evidence)} connections, the most connected first, clustered by tag. "
               "`guanxi graph` prints the whole graph; `guanxi path A B` the chains between two people.")
    out += ["", "```mermaid", mermaid(shown).rstrip("\n"), "```", ""]
    ids = _ids(shown, shown.contacts)
    out.append("## People shown")
    out.append("")
    for p in sorted(shown.contacts, key=lambda p: int(ids[p][1:])):
        c = shown.contacts[p]
        n = len(full.adj[p])
        out.append(f"- {link(c.name, c.path, link_base)} — {n} connection{'s' if n != 1 else ''}"
                   + (f" · {escape_inline(', '.join(c.tags))}" if c.tags else ""))
    return "\n".join(out) + "\n"
