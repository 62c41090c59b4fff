"""``guanxi watch``: the click command; the work is in :mod:`notebook_tool.watch`.

Owns the terminal side only: options, messages, and turning SIGINT/SIGTERM
into a clean stop with exit status 0.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time
from types import FrameType
from typing import Any

import click

from notebook_tool.cli.main import existing_root, progress_wrap, today_option
from notebook_tool.watch.watcher import DEBOUNCE, RESCAN_EVERY


@click.command()
@today_option
@click.option("--poll", is_flag=True,
              help="Poll the folder instead of using the OS's notifications (network or synced folders).")
@click.option("--interval", type=click.FloatRange(0.1), default=1.0, show_default=True,
              help="Seconds between polls with --poll.")
@click.option("--debounce", type=click.FloatRange(0.0, 5.0), default=DEBOUNCE, show_default=True,
              help="Seconds of quiet after a save before the pages are rebuilt.")
@click.option("--rescan", "rescan_every", type=click.FloatRange(1.0), default=RESCAN_EVERY, show_default=True,
              help="Seconds between full rescans (they catch anything the OS did not report).")
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not each page update.")
@click.pass_context
def watch(ctx: click.Context, today: dt.date | None, poll: bool, interval: float, debounce: float,
          rescan_every: float, quiet: bool) -> None:
    """Index, then keep the pages current as files change. Ctrl-C stops.

    Only changed files are re-read. A file that cannot be read keeps its last
    good version on the pages (its error is shown here and on the attention
    page) until it is fixed. See docs/watch.md.
    """
    from notebook_tool.watch.watcher import Watcher

    root = existing_root(ctx)

    def echo(msg: str) -> None:
        is_problem = not (msg.startswith("updated ") or msg.endswith((": removed", ": fixed", ": reloaded")))
        if quiet and not is_problem:
            return
        click.echo(f"{time.strftime('%H:%M:%S')} {msg}", err=is_problem)

    watcher = Watcher(root, today=today, poll=poll, poll_interval=interval, debounce=debounce,
                      rescan_every=rescan_every, echo=echo, progress=progress_wrap(True))
    signals = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # First signal: finish the rebuild in progress, then stop. A second one
        # stops at once; page writes are atomic, so no page is left half-written.
        nonlocal signals
        signals += 1
        watcher.stop()
        if signals > 1:
            raise KeyboardInterrupt

    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, on_signal)
    try:
        import threading

        def announce() -> None:
            if watcher.ready.wait() and not watcher.stopping:
                how = "polling" if poll else "watching"
                n = len(watcher.state.paths)
                who = "1 file" if n == 1 else f"{n} files"
                click.echo(f"{time.strftime('%H:%M:%S')} {how} {root} ({who}); Ctrl-C to stop", err=True)

        threading.Thread(target=announce, daemon=True).start()
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"{time.strftime('%H:%M:%S')} stopped", err=True)
    sys.stdout.flush()
