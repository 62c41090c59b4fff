"""People commands: ``edit`` (open a person's file in your editor), ``rename`` and ``merge-people``.

A thin click layer: NAME resolves as everywhere (a file that does not parse
still opens, so it can be fixed), the editor runs, and the file's problems,
if any, are printed when it exits.
"""

from __future__ import annotations

import os
import shlex
import subprocess

import click

from notebook_tool.cli.main import CONTEXT, complete_names, load
from notebook_tool.core.errors import GuanxiError


@click.command(context_settings=CONTEXT)
@click.argument("name", shell_complete=complete_names)
@click.pass_context
def edit(ctx: click.Context, name: str) -> None:
    """Open NAME's file in $VISUAL or $EDITOR (else vi); then report its problems, if any.

    \b
      guanxi edit alice
      EDITOR="code --wait" guanxi edit "Mary O'Brien"
    """
    from notebook_tool.compute.resolve import path_for
    from notebook_tool.read.vault import read_file

    vault = load(ctx)
    rel = path_for(vault, name)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        argv = shlex.split(editor)  # "code --wait" is a command and its option
    except ValueError as exc:
        raise GuanxiError(f"cannot read $EDITOR {editor!r}: {exc}") from None
    if not argv:
        raise GuanxiError("$EDITOR is empty")
    try:
        done = subprocess.run([*argv, str(vault.root / rel)], check=False)
    except OSError as exc:
        raise GuanxiError(f"cannot run the editor {argv[0]!r}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise GuanxiError(f"the editor exited with status {done.returncode}")
    result = read_file(vault.root, rel, vault.config)
    for p in result.problems:
        click.echo(p.format(), err=True)
    if any(p.severity == "error" for p in result.problems):
        ctx.exit(1)


@click.command(context_settings=CONTEXT)
@click.argument("old", metavar="OLD", shell_complete=complete_names)
@click.argument("new", metavar="NEW")
@click.pass_context
def rename(ctx: click.Context, old: str, new: str) -> None:
    """Rename a person: their file, and every [[OLD]] link and via in the vault.

    Each file changes by one verified edit of its link targets only; all of
    them are checked before the first is written. Links in notes (below the
    front matter) are listed, not changed.

    \b
      guanxi rename "Bob Smith" "Robert Smith"
    """
    from notebook_tool.compute.resolve import resolve_in, weak_match
    from notebook_tool.write.rename import rename_contact

    vault = load(ctx)
    contact = resolve_in(vault, old)
    if weak_match(contact, old):
        raise GuanxiError(f"{old!r} is too short a name to rename by; type more of it")
    done = rename_contact(vault, contact, new)
    click.echo(f"Renamed {done.old_path} to {done.new_path}")
    for rel in done.rewritten:
        click.echo(f"{rel}: links updated")
    for mention in done.in_notes:
        click.echo(f"guanxi: note: not changed (in the notes): {mention}", err=True)


@click.command("merge-people", context_settings=CONTEXT)
@click.argument("a", metavar="A", shell_complete=complete_names)
@click.argument("b", metavar="B", shell_complete=complete_names)
@click.pass_context
def merge_people(ctx: click.Context, a: str, b: str) -> None:
    """Join B's file into A's: B's entries are added to A, links to B then name A.

    Fields are never guessed: any field B has that A lacks or holds
    differently is shown as a conflict and B's file is kept for you to
    settle it (then run this again, or delete B). With no conflict and no
    notes in B, B's file is removed. Exit 1 when conflicts remain.

    \b
      guanxi merge-people "Alice Chen" "alice chen (LinkedIn)"
    """
    from notebook_tool.compute.resolve import resolve_in, weak_match
    from notebook_tool.write.merge_people import merge_people as merge

    vault = load(ctx)
    ca, cb = resolve_in(vault, a), resolve_in(vault, b)
    for query, c in ((a, ca), (b, cb)):
        if weak_match(c, query):
            raise GuanxiError(f"{query!r} is too short a name to merge by; type more of it")
    if ca.path == cb.path:
        raise GuanxiError(f"{a!r} and {b!r} are the same file ({ca.path})")
    done = merge(vault, ca, cb)
    for line in done.added:
        click.echo(line)
    for rel in done.relinked:
        click.echo(f"{rel}: links updated")
    if done.removed:
        click.echo(f"Merged {cb.path} into {done.into}; {cb.path} removed")
        return
    click.echo(f"Merged the entries of {cb.path} into {done.into}; {cb.path} kept:", err=True)
    for conflict in done.conflicts:
        click.echo(f"  conflict: {conflict}", err=True)
    if not done.conflicts:
        click.echo(f"  it has notes; move them to {done.into}, then delete it", err=True)
    ctx.exit(1)
