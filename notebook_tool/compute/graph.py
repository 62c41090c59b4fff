"""The network: people as nodes, edges from ``via``, ``[[links]]`` and ``with:``; shortest chains.

Owns building the graph from contacts, shortest paths between two people
(every shortest chain, each edge with the entry or field that makes it) and
from you to a company, and choosing a subgraph (by tag, or around a person
to a depth). Pure.

Edges (undirected; a link that names no contact, or names several, makes none):

- ``via: [[B]]`` in A's file: A — B (B introduced you to A);
- an entry in A's file linking B (``[[B]]`` in its text or ``with: [B]``):
  A — B; and the people one entry links are linked to each other (they were
  in that exchange together).

You are a node too (:data:`YOU`), next to every person you have been in
contact with (any entry that counts in their file); ``path --company``
searches from you.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from notebook_tool.core.model import Contact
from notebook_tool.core.text import fold
from notebook_tool.read.entries import links_in

YOU = ""  # the node for you: no contact path is empty


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """What makes an edge: a line of a file (``path:line: text``; line 0 for a field)."""

    path: str
    line: int
    text: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.text}" if self.line else f"{self.path}: {self.text}"


@dataclass(frozen=True, slots=True)
class Graph:
    """Nodes are contact paths (and :data:`YOU`); ``adj`` is sorted; ``evidence`` per edge, sorted."""

    contacts: dict[str, Contact]
    adj: dict[str, tuple[str, ...]]
    evidence: dict[tuple[str, str], tuple[Evidence, ...]] = field(default_factory=dict)

    def edge(self, a: str, b: str) -> Evidence:
        """The first evidence of edge a—b (by path and line)."""
        return self.evidence[(a, b) if a < b else (b, a)][0]

    def name(self, node: str) -> str:
        return "you" if node == YOU else self.contacts[node].name

    def edges(self) -> list[tuple[str, str]]:
        return sorted(self.evidence)


def link_keys(contacts: Iterable[Contact]) -> dict[str, str]:
    """Folded name / file name / alias → contact path; a key two contacts share maps to neither."""
    keys: dict[str, str] = {}
    clash: set[str] = set()
    for c in contacts:
        for k in {fold(x) for x in (c.name, c.stem, *c.aliases) if x}:
            if k in keys and keys[k] != c.path:
                clash.add(k)
            keys.setdefault(k, c.path)
    for k in clash:
        del keys[k]
    return keys


def _via_names(via: str) -> list[str]:
    linked = list(links_in(via))
    return linked if linked else [via.strip()]


@dataclass(frozen=True, slots=True)
class Linking:
    """An entry that links people, as far as edges go: its line, its evidence text, the names it links."""

    line: int
    text: str  # "YYYY-MM-DD text"
    links: tuple[str, ...]


def linking_entries(c: Contact) -> list[Linking]:
    """``c``'s entries that link someone, in file order (what :func:`build` makes edges of)."""
    return [Linking(e.line, f"{e.date.isoformat()} {e.text}", e.links) for e in c.entries if e.links]


def build(contacts: Sequence[Contact], with_you: bool = True) -> Graph:
    """The graph of ``contacts`` (see the module docstring for what makes an edge)."""
    you: dict[str, Evidence] = {}
    if with_you:
        for c in contacts:
            contacted = None
            for e in c.entries:
                if e.counts and (contacted is None or (e.date, e.line) > (contacted.date, contacted.line)):
                    contacted = e
            if contacted is not None:
                you[c.path] = Evidence(c.path, contacted.line, f"{contacted.date.isoformat()} {contacted.text}")
    return build_from([(c, linking_entries(c)) for c in contacts], you if with_you else None)


def build_from(people: Sequence[tuple[Contact, Sequence[Linking]]], you: dict[str, Evidence] | None = None) -> Graph:
    """The graph of each contact's ``via`` and linking entries (what :func:`build` reads of a vault);
    ``you``: the evidence of your edge to each person you have been in contact with (None: no you)."""
    contacts = [c for c, _ in people]
    by_path = {c.path: c for c in contacts}
    keys = link_keys(contacts)
    ev: dict[tuple[str, str], list[Evidence]] = {}
    target: dict[str, str | None] = {}  # link text → contact path: the same names recur across files

    def resolve(name: str) -> str | None:
        if name not in target:
            target[name] = keys.get(fold(name))
        return target[name]

    def add(a: str, b: str, why: Evidence) -> None:
        if a == b:
            return
        ev.setdefault((a, b) if a < b else (b, a), []).append(why)

    for c, linking in people:
        if c.via:
            for n in _via_names(c.via):
                other = resolve(n)
                if other is not None:
                    add(c.path, other, Evidence(c.path, 0, f"via: {c.via}"))
        for e in linking:
            why = Evidence(c.path, e.line, e.text)
            linked = sorted({p for p in map(resolve, e.links) if p is not None})
            for p in linked:
                add(c.path, p, why)
            for i, p in enumerate(linked):
                for q in linked[i + 1 :]:
                    add(p, q, why)
        if you is not None and c.path in you:
            add(YOU, c.path, you[c.path])
    adj: dict[str, set[str]] = {p: set() for p in by_path}
    if you is not None:
        adj[YOU] = set()
    for a, b in ev:
        adj[a].add(b)
        adj[b].add(a)
    return Graph(by_path, {k: tuple(sorted(v)) for k, v in adj.items()},
                 {k: tuple(sorted(v)) for k, v in ev.items()})


def shortest_paths(graph: Graph, a: str, b: str | Iterable[str], limit: int = 20,
                   avoid: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """Every shortest chain from ``a`` to ``b`` (a node, or any of several), at most ``limit``.

    Breadth-first from ``a`` recording every parent at the shortest depth,
    then the chains are spelled out in sorted order. ``avoid`` are nodes a
    chain may not pass through (``path A B`` avoids :data:`YOU`: that you know
    both is no news). ``[]`` when no chain exists; ``[(a,)]`` when ``a`` is a target.
    """
    targets = {b} if isinstance(b, str) else set(b)
    blocked = set(avoid) - {a} - targets
    if a not in graph.adj:
        return []
    if a in targets:
        return [(a,)]
    depth = {a: 0}
    parents: dict[str, list[str]] = {a: []}
    queue = deque([a])
    reached: list[str] = []
    while queue:
        node = queue.popleft()
        if reached and depth[node] >= depth[reached[0]]:
            break
        for nxt in graph.adj[node]:
            if nxt in blocked:
                continue
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                parents[nxt] = [node]
                queue.append(nxt)
                if nxt in targets:
                    reached.append(nxt)
            elif depth[nxt] == depth[node] + 1:
                parents[nxt].append(node)
    out: list[tuple[str, ...]] = []

    def spell(node: str, tail: tuple[str, ...]) -> None:
        if len(out) >= limit:
            return
        if node == a:
            out.append((a, *tail))
            return
        for p in sorted(parents[node]):
            spell(p, (node, *tail))

    for t in sorted(reached):
        spell(t, ())
    return sorted(out)[:limit]


def at_company(graph: Graph, company: str) -> list[str]:
    """People whose company contains ``company`` (folded), by path."""
    q = fold(company)
    return sorted(p for p, c in graph.contacts.items() if q and c.company and q in fold(c.company))


def around(graph: Graph, node: str, depth: int) -> set[str]:
    """Nodes within ``depth`` edges of ``node`` (not passing through you)."""
    seen = {node}
    frontier = [node]
    for _ in range(max(0, depth)):
        nxt = [m for n in frontier for m in graph.adj.get(n, ()) if m not in seen and m != YOU]
        seen.update(nxt)
        frontier = nxt
    return seen


def with_tag(graph: Graph, tag: str) -> set[str]:
    q = fold(tag)
    return {p for p, c in graph.contacts.items() if any(fold(t) == q for t in c.tags)}


def subgraph(graph: Graph, nodes: Iterable[str]) -> Graph:
    """The graph on ``nodes`` only (you included only if listed)."""
    keep = set(nodes)
    ev = {k: v for k, v in graph.evidence.items() if k[0] in keep and k[1] in keep}
    adj = {n: tuple(m for m in graph.adj.get(n, ()) if m in keep) for n in sorted(keep) if n in graph.adj}
    return Graph({p: c for p, c in graph.contacts.items() if p in keep}, adj, ev)
