"""``guanxi calendar``, ``guanxi html`` and ``guanxi serve``: Guanxi where people already look.

Thin click commands: each parses its options, calls one library function and
echoes. The work is in :mod:`notebook_tool.render.calendar`,
:mod:`notebook_tool.render.html`, :mod:`notebook_tool.write.site` and
:mod:`notebook_tool.watch.serve`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from notebook_tool.cli.main import echo_json, existing_root, json_option, load, resolve_today, today_option, use_cache


@click.command()
@today_option
@json_option
@click.pass_context
def calendar(ctx: click.Context, today: dt.date | None, as_json: bool) -> None:
    """Print the calendar feed (iCalendar, as in _index/guanxi.ics), or --json.

    Birthdays (yearly), check-ins due when a cadence runs out, open promises
    past their grace and snoozes ending; past-due reminders sit on today.
    """
    from notebook_tool.render.calendar import calendar_json, page

    vault = load(ctx)
    day = resolve_today(today)
    if as_json:
        echo_json(calendar_json(vault, day))
    else:
        click.echo(page(vault, day, ""), nl=False)


@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@today_option
@click.pass_context
def html(ctx: click.Context, out: Path, today: dt.date | None) -> None:
    """Write a static HTML site into OUT: attention, reciprocity, and a page per person.

    OUT may not be a contacts folder, a .git folder or the vault itself, nor a
    folder of other files; open OUT/index.html in a browser.
    """
    from notebook_tool.write.site import export_site

    vault = load(ctx)
    changed = export_site(vault, resolve_today(today), out)
    n = len(vault.contacts)
    click.echo(f"Wrote {out}/index.html and {n} person page{'s' if n != 1 else ''} "
               f"({len(changed)} file{'s' if len(changed) != 1 else ''} changed)", err=True)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@today_option
@click.pass_context
def serve(ctx: click.Context, port: int, today: dt.date | None) -> None:
    """Serve the HTML view on http://127.0.0.1:PORT/ (this machine only, read only).

    Pages are rebuilt from the files when they change; Ctrl-C stops.
    """
    from notebook_tool.watch.serve import serve_vault

    root = existing_root(ctx)
    serve_vault(root, port, today, use_cache(),
                lambda url: click.echo(f"Serving {root} on {url} (Ctrl-C to stop)", err=True))
