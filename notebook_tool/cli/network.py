"""The network commands: ``intro``, ``path``, ``graph``, ``find`` (docs/network.md).

A thin click layer: parse, call the library, echo, exit code. ``intro``
writes through :func:`notebook_tool.write.writer.apply_changes`, which plans
and verifies both edits before either file is replaced.
"""

from __future__ import annotations

import datetime as dt

import click

from notebook_tool.cli.main import CONTEXT, DATE, complete_names, echo_json, json_option, load
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Vault


def _person(vault: Vault, name: str) -> Contact:
    """NAME → one contact (case, accents, prefixes, then transliterated: compute.resolve)."""
    from notebook_tool.compute.resolve import resolve

    return resolve(vault.contacts, name)


@click.command(context_settings=CONTEXT)
@click.argument("a", metavar="A", shell_complete=complete_names)
@click.argument("b", metavar="B", shell_complete=complete_names)
@click.argument("why")
@click.option("--date", type=DATE, default=None, metavar="YYYY-MM-DD", help="When (default: today).")
@click.option("--weight", type=float, default=1.0, show_default=True, help="How much each give weighs.")
@click.pass_context
def intro(ctx: click.Context, a: str, b: str, why: str, date: dt.date | None, weight: float) -> None:
    """Log that you introduced A and B: a give in both files, each linking the other.

    \b
      guanxi intro carol dan "SRE candidates for her platform team"
    writes `Introduced to [[Dan Okafor]] — SRE candidates for her platform team`
    into Carol's `give:` list and the same, linking Carol, into Dan's. Both
    edits are planned and verified before either file is written: both
    files change or neither does. The rules of `guanxi give` apply to each.
    """
    from notebook_tool.read.entries import format_line
    from notebook_tool.write.intro import introduce
    from notebook_tool.write.writer import WriteError, format_weight

    why = why.strip()
    if not why or "\n" in why or "\r" in why:
        raise click.UsageError("WHY must be one line of text")
    try:
        format_weight(weight)
    except WriteError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from None
    vault = load(ctx)
    first, second = _person(vault, a), _person(vault, b)
    if first.path == second.path:
        raise GuanxiError(f"{a!r} and {b!r} are the same person ({first.path})")
    day = date or dt.date.today()
    for done in introduce(vault.root, first, second, why, day, weight, vault.config.max_front_matter):
        if done.entry is not None:  # path:line, so an editor can jump to it
            click.echo(f"{done.rel}:{done.line}: {done.entry.kind} {format_line(done.entry)}")


@click.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1, metavar="[A B]", shell_complete=complete_names)
@click.option("--company", help="Chains from you to anyone whose company contains this.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="At most this many chains.")
@json_option
@click.pass_context
def path(ctx: click.Context, names: tuple[str, ...], company: str | None, limit: int, as_json: bool) -> None:
    """Print the shortest chains between A and B, or from you to a company.

    \b
      guanxi path alice dan
      guanxi path --company Initech
    Each step names the file line that makes the edge: a `via:`, a
    `[[link]]` in an entry, or `with:`. Exit 1 when there is no chain.
    """
    from notebook_tool.compute.graph import YOU, at_company, build, shortest_paths
    from notebook_tool.render.paths import paths_json, paths_text

    if company is not None and names:
        raise click.UsageError("give either A B or --company, not both")
    if company is None and len(names) != 2:
        raise click.UsageError("give two names (A B), or --company NAME")
    vault = load(ctx)
    graph = build(vault.contacts)
    if company is not None:
        targets = at_company(graph, company)
        if not targets:
            raise GuanxiError(f"no contact works at a company matching {company!r}")
        chains = shortest_paths(graph, YOU, targets, limit)
        title = f"you → {company}"
    else:
        first, second = _person(vault, names[0]), _person(vault, names[1])
        chains = shortest_paths(graph, first.path, second.path, limit, avoid=[YOU])
        title = f"{first.name} → {second.name}"
    if as_json:
        echo_json(paths_json(graph, chains))
    else:
        click.echo(paths_text(graph, chains, title), nl=False)
    if not chains:
        ctx.exit(1)


@click.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid",
              show_default=True, help="Output format.")
@click.option("--tag", help="Only people with this tag.")
@click.option("--around", metavar="NAME", shell_complete=complete_names, help="Only people near NAME.")
@click.option("--depth", type=click.IntRange(0), default=1, show_default=True,
              help="With --around: how many steps away.")
@click.pass_context
def graph(ctx: click.Context, fmt: str, tag: str | None, around: str | None, depth: int) -> None:
    """Print the network of your contacts as Mermaid, Graphviz DOT or JSON.

    Edges come from `via:`, `[[links]]` in entries and `with:`. --tag keeps
    only people with the tag; --around NAME --depth N keeps the people within
    N steps of NAME. Unlike _index/network.md, nothing is left out for size.
    """
    from notebook_tool.compute import graph as G
    from notebook_tool.render.network import render

    vault = load(ctx)
    g = G.build(vault.contacts, with_you=False)
    nodes: set[str] = set(g.contacts)
    if tag is not None:
        nodes &= G.with_tag(g, tag)
    if around is not None:
        nodes &= G.around(g, _person(vault, around).path, depth)
    click.echo(render(G.subgraph(g, nodes), fmt), nl=False)


@click.command(context_settings=CONTEXT)
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="At most this many people.")
@json_option
@click.pass_context
def find(ctx: click.Context, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Find people by anything: name, alias, company, role, tags, needs, offers, why, notes.

    \b
      guanxi find sre initech
      guanxi find wang          (finds 王伟: every script is transliterated)
    Every word must be found; case and accents do not matter. Best first.
    Exit 1 when no one matches.
    """
    from notebook_tool.compute.search import find as find_people
    from notebook_tool.read.notes import notes_of
    from notebook_tool.render.search import find_json, find_text

    vault = load(ctx)
    text = " ".join(query)
    hits = find_people(vault.contacts, text, lambda c: notes_of(vault.root, c.path), limit)
    if as_json:
        echo_json(find_json(text, hits))
    else:
        click.echo(find_text(text, hits), nl=False)
    if not hits:
        ctx.exit(1)


