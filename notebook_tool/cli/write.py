"""The writing commands: ``give``, ``take``, ``touch``, ``done``, ``snooze``; and the git ones,
``history`` and ``merge-driver``.

A thin click layer: each command resolves names against the vault as read,
then hands one change per file to :mod:`notebook_tool.writer`, which does the
minimal edit, proves it by re-parsing and writes atomically under the vault
lock. Every file a command will touch is planned (edited in memory and
verified) before the first one is written, so a refusal in the third file
of ``touch alice bob carol ...`` leaves all three untouched.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from notebook_tool.cli.main import CONTEXT, DATE, complete_names, echo_json, json_option, load
from notebook_tool.core.model import Contact, Entry, Kind

_KIND_HELP: dict[str, str] = {
    "give": """Log something you did for NAME (a favour given).

    \b
      guanxi give alice "Introduced her to [[Carol Diaz]]" --weight 3
      guanxi give alice "Send the hiring report" --promise
      guanxi give alice -- "-5% discount code"   (text starting with '-')

    Several names log the same exchange with each of them. The entry is
    inserted into the file's `give:` list in date order; nothing else in the
    file changes.""",
    "take": """Log something NAME did for you (a favour taken).

    \b
      guanxi take wang "Intro to a VC" --weight 2
      guanxi take wang "Offered to review my deck" --promise   (they offered)

    Several names log the same exchange with each of them.""",
    "touch": """Log contact with NAME that was no favour either way.

    \b
      guanxi touch alice bob "Lunch at the meetup"

    Several names log the same exchange with each of them.""",
}


def _entry_command(kind: Kind) -> click.Command:
    def command(ctx: click.Context, args: tuple[str, ...], date: dt.date | None, weight: float = 1.0,
                promise: bool = False) -> None:
        if len(args) < 2:
            raise click.UsageError("give at least one NAME and the TEXT of the entry")
        *names, text = args
        text = text.strip()
        if not text:
            raise click.UsageError("the entry TEXT is empty")
        if "\n" in text or "\r" in text:
            raise click.UsageError("the entry TEXT must be one line")
        _log(ctx, kind, names, text, date, weight, "open" if promise else None)

    f: Any = click.pass_context(command)
    if kind != "touch":  # a touch has no weight and is no promise: it does not offer them
        f = click.option("--promise", is_flag=True,
                         help="Not done yet: written as an open promise '[ ]' (keep it with `guanxi done`).")(f)
        f = click.option("--weight", type=float, default=1.0, show_default=True,
                         help="How much the favour weighs (greater than 0).")(f)
    f = click.option("--date", type=DATE, default=None, metavar="YYYY-MM-DD",
                     help="When it happened (default: today).")(f)
    f = click.argument("args", nargs=-1, required=True, metavar="NAME... TEXT", shell_complete=complete_names)(f)
    cmd: click.Command = click.command(kind, context_settings=CONTEXT, help=_KIND_HELP[kind])(f)
    return cmd


def _find(vault: Any, name: str) -> Contact:
    """Resolve NAME; when it names a file that cannot be read, say so rather than "no contact"."""
    from notebook_tool.compute.resolve import resolve_in

    return resolve_in(vault, name)


def _refuse_short_prefix(vault: Any, contact: Contact, query: str) -> None:
    """A write that NAME reaches only as a one- or two-letter prefix is refused: too easy a slip."""
    from notebook_tool.compute.resolve import ResolveError, prefix_candidates, weak_match

    if weak_match(contact, query):
        raise ResolveError(f"{query!r} is too short a name to write with; type more of it. It starts:",
                           prefix_candidates(vault.contacts, query))


def _resolve_all(vault: Any, names: list[str]) -> list[Contact]:
    found: dict[str, Contact] = {}
    for name in names:
        c = _find(vault, name)
        _refuse_short_prefix(vault, c, name)
        found.setdefault(c.path, c)  # `touch alice ali` logs once with Alice
    return list(found.values())


def _log(ctx: click.Context, kind: Kind, names: list[str], text: str, date: dt.date | None,
         weight: float, status: Any) -> None:
    from notebook_tool.write.writer import AddEntry, WriteError, format_weight

    try:
        format_weight(weight)
    except WriteError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from None
    vault = load(ctx)
    people = _resolve_all(vault, names)
    day = date or dt.date.today()
    change = AddEntry(kind, day, text, weight, status)
    _write_all(vault, [(c.path, change) for c in people])
    if day > dt.date.today():
        click.echo(f"guanxi: warning: the entry is dated in the future ({day.isoformat()})", err=True)
    _warn_unknown_links(vault, text)


def _write_all(vault: Any, changes: list[tuple[str, Any]]) -> None:
    from notebook_tool.write.writer import apply_changes

    for done in apply_changes(vault.root, changes, vault.config.max_front_matter):
        if done.entry is not None:  # path:line, so an editor can jump to it
            click.echo(f"{done.rel}:{done.line}: {_describe(done.entry)}")


def _describe(e: Entry) -> str:
    """``give 2025-01-10 [ ] text +3``: the entry as the user would type it."""
    from notebook_tool.read.entries import format_line

    return f"{e.kind} {format_line(e)}"


def _warn_unknown_links(vault: Any, text: str) -> None:
    from notebook_tool.compute.resolve import unknown_links

    for name in unknown_links(vault.contacts, text):
        click.echo(f"guanxi: note: [[{name}]] is not a contact yet (guanxi add {_shell(name)})", err=True)


def _shell(s: str) -> str:
    import shlex

    return shlex.quote(s)


give = _entry_command("give")
take = _entry_command("take")
touch = _entry_command("touch")


@click.command(context_settings=CONTEXT)
@click.argument("name", shell_complete=complete_names)
@click.argument("which", metavar="TEXT-OR-INDEX")
@click.option("--date", type=DATE, default=None, metavar="YYYY-MM-DD",
              help="When the promise was kept (default: today).")
@click.pass_context
def done(ctx: click.Context, name: str, which: str, date: dt.date | None) -> None:
    """Keep an open promise: its '[ ]' becomes '[x]', dated the day it was kept.

    TEXT-OR-INDEX picks the promise: words it contains (case- and
    accent-insensitive), or its number in the list printed when the choice
    is ambiguous. Open gives are your promises, open takes their offers.

    \b
      guanxi done alice hiring
      guanxi done alice 2 --date 2025-03-10
    """
    from notebook_tool.compute.resolve import pick_promise
    from notebook_tool.write.writer import KeepPromise

    vault = load(ctx)
    contact = _find(vault, name)
    _refuse_short_prefix(vault, contact, name)
    promise = pick_promise(contact, which)
    day = date or dt.date.today()
    if day < promise.date:
        raise click.BadParameter(f"{day.isoformat()} is before the promise was made "
                                 f"({promise.date.isoformat()})", param_hint="--date")
    _write_all(vault, [(contact.path, KeepPromise(promise, day))])


@click.command(context_settings=CONTEXT)
@click.argument("name", required=False, shell_complete=complete_names)
@click.argument("until", required=False, metavar="DURATION-OR-DATE")
@click.option("--date", type=DATE, default=None, metavar="YYYY-MM-DD",
              help="Count the duration from this day (default: today).")
@click.option("--list", "list_", is_flag=True, help="List who is snoozed, and until when.")
@click.pass_context
def snooze(ctx: click.Context, name: str | None, until: str | None, date: dt.date | None, list_: bool) -> None:
    """Leave NAME off the attention page until a date: `2w`, `30d`, `3m` or `2025-05-01`.

    Sets (or adds) the `snooze:` field; nothing else in the file changes.
    `guanxi snooze NAME 0` ends a snooze (until today); `guanxi snooze --list`
    shows who is snoozed.
    """
    from notebook_tool.core.durations import parse_until
    from notebook_tool.write.writer import SetSnooze

    today = date or dt.date.today()
    if list_:
        if name or until:
            raise click.UsageError("--list takes no NAME or DURATION-OR-DATE")
        vault = load(ctx)
        snoozed = sorted((c for c in vault.contacts if c.snooze and c.snooze > today),
                         key=lambda c: (c.snooze, c.name))
        for c in snoozed:
            click.echo(f"{c.snooze.isoformat()}  {c.name}")
        if not snoozed:
            click.echo(f"Nobody is snoozed after {today.isoformat()}.")
        return
    if not name or not until:
        raise click.UsageError("give NAME and DURATION-OR-DATE (or --list)")
    try:
        day = parse_until(until, today)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DURATION-OR-DATE") from None
    if day < today:
        raise click.BadParameter(f"{day.isoformat()} is in the past; a snooze runs until a later day "
                                 f"(`guanxi snooze {_shell(name)} 0` ends one now)", param_hint="DURATION-OR-DATE")
    vault = load(ctx)
    contact = _find(vault, name)
    _refuse_short_prefix(vault, contact, name)
    _write_all(vault, [(contact.path, SetSnooze(day))])
    if day == today:
        click.echo(f"{contact.name} is no longer snoozed")
    else:
        click.echo(f"{contact.name} snoozed until {day.isoformat()} "
                   f"(`guanxi snooze {_shell(name)} 0` to end it sooner)")


@click.command(context_settings=CONTEXT)
@click.argument("name", shell_complete=complete_names)
@json_option
@click.pass_context
def history(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show NAME's entries with the git commit (author, date) that added each.

    Read from `git blame` of the contact's file, so entries merged from
    another clone show who logged them there. Lines not committed yet show
    as "not committed".
    """
    from notebook_tool.git.history import entry_history, history_json, history_text

    vault = load(ctx)
    contact = _find(vault, name)
    rows = entry_history(vault.root, contact)
    if as_json:
        echo_json(history_json(contact, rows))
    else:
        click.echo(history_text(contact, rows), nl=False)


@click.command("merge-driver", context_settings=CONTEXT)
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("path", required=False, default="")
@click.option("--marker-size", type=int, default=7, show_default=True, help="Length of conflict markers (git's %L).")
@click.option("--generated", is_flag=True,
              help="The guanxi-generated driver: keep ours for a page in the output folder, "
                   "merge any other file as plain text.")
def merge_driver(base: Path, ours: Path, theirs: Path, path: str, marker_size: int, generated: bool) -> None:
    """Git merge driver for contact files: `guanxi merge-driver %O %A %B %P`.

    Entries merge as a union in date order (identical entries once; an entry
    deleted on one side stays deleted); a field changed on one side takes that
    side; a field changed differently on both sides is a conflict, left in the
    file with markers. The body goes through `git merge-file`. A version that
    does not parse cleanly gets git's ordinary text merge. The result is
    written to OURS; exit 0 when clean, 1 on conflict. It never crashes: a
    merge it cannot do is a normal conflict. `guanxi init` registers this
    driver; you do not run it by hand.
    """
    from notebook_tool.git.merge import merge_files

    clean, message = merge_files(base, ours, theirs, path or str(ours), marker_size, generated)
    if message:
        click.echo(f"guanxi merge-driver: {message}", err=True)
    sys.exit(0 if clean else 1)
