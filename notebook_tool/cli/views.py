"""``guanxi calendar``, ``guanxi html`` and ``guanxi serve``: Guanxi where people already look.

Thin click commands: each parses its options, calls one library function and
echoes. The work is in :mod:`notebook_tool.render.calendar`,
:mod:`notebook_tool.render.html`, :mod:`notebook_tool.write.site` and
:mod:`notebook_tool.watch.serve`.
"""

from __future__ import annotations

import datetime as dt

import click

from notebook_tool.cli.main import echo_json, json_option, load, resolve_today, today_option


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
