"""``guanxi watch``: keep the pages current while the user edits (SPEC §8).

This module owns the adapter between watchdog and the incremental rebuild
(:class:`~notebook_tool.incremental.State`) that ``guanxi index`` runs. It
decides *when* to rebuild, never *what* a file says:

- Events only name paths. Every path an event mentions (``src_path`` and,
  for moves, ``dest_path``) is queued, and after a quiet period the state
  stats each one and re-reads it if its stamp moved. So write-then-rename,
  truncate-then-write, vim's backup rename, delete-and-recreate and moves in
  or out of the vault all come down to the same reconciliation, and the
  result is the same as a fresh ``guanxi index``.
- Deaf to itself: the output folder, hidden files and folders (``.guanxi/``,
  ``.git/``, swap files, our own temporary files), files that are not
  ``.md`` (vim's ``4913`` probe, ``~`` backups, ``.tmp``) and open/close
  events without a write are dropped at the door; pages are written only
  when their bytes change, so a rebuild never triggers another.
- Debounced: a burst of saves is one rebuild, ``debounce`` seconds after the
  last event (but never later than ``max_delay`` after the first, so a file
  that is saved continuously still shows up).
- A full rescan at start and every ``rescan_every`` seconds catches what the
  OS did not report (inotify overflow, network file systems); ``poll`` uses
  watchdog's polling observer instead of the OS's notifications.
- The pages are re-rendered when the date changes (midnight), and put back
  when something else changes or deletes them (``git restore _index``,
  ``git checkout``, ``rm``): an event in the output folder whose files no
  longer have the stamps the last round left is a rebuild.
- Stopping: :meth:`Watcher.stop` (what SIGINT/SIGTERM call) lets the current
  rebuild finish; page writes are atomic, so even an abrupt stop leaves each
  page old or new, never half-written.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_tool.core.config import CONFIG_NAME
from notebook_tool.store.incremental import Changes, Outcome, Progress, State

if TYPE_CHECKING:  # watchdog is imported only when watching
    from watchdog.observers.api import BaseObserver

DEBOUNCE = 0.2  # seconds of quiet before a rebuild: one save is often 2–4 events
MAX_DELAY = 2.0  # a file saved over and over still updates this often
RESCAN_EVERY = 300.0  # a full rescan catches anything the OS did not report


@dataclass(frozen=True, slots=True)
class Round:
    """One rebuild: what changed, what was written, and when it was done (for tests and logs)."""

    changes: Changes
    outcome: Outcome
    day: dt.date
    reason: str  # "start", "change", "rescan", "date", "pages"


# The whole-network pages (introductions, network) are rendered from the whole
# vault: at 30,000 people that takes seconds. They are written once the vault
# has been quiet this long after a change, not on every save.
EXTRA_QUIET = 2.0


@dataclass(slots=True)
class _Pending:
    paths: set[str] = field(default_factory=set)
    rescan: bool = False
    pages: bool = False  # something happened in the output folder
    first: float = 0.0
    last: float = 0.0
    extra: bool = False  # not a change: time to write the whole-network pages


class Watcher:
    """Watches one vault and rebuilds its pages; :meth:`run` blocks until :meth:`stop`."""

    def __init__(self, root: Path, *, today: dt.date | None = None, poll: bool = False,
                 poll_interval: float = 1.0, debounce: float = DEBOUNCE, max_delay: float = MAX_DELAY,
                 rescan_every: float = RESCAN_EVERY, echo: Callable[[str], None] | None = None,
                 on_round: Callable[[Round], None] | None = None,
                 progress: Progress | None = None) -> None:
        self.root = root.resolve()
        self.fixed_today = today
        self.poll = poll
        self.poll_interval = poll_interval
        self.debounce = debounce
        self.max_delay = max(max_delay, debounce)
        self.rescan_every = rescan_every
        self.echo = echo or (lambda _msg: None)
        self.on_round = on_round
        self.progress = progress
        self.state = State(self.root, keep_last_good=True)
        self._pending = _Pending()
        self._cond = threading.Condition()
        self._stopping = False
        self.ready = threading.Event()  # set once the first index is written and events are watched
        self._broken: set[str] = set()  # files whose last read had errors, to say when they are fixed
        self._last_day = self.today()
        self._busy = False  # a batch is being handled (taken from the queue, pages not yet written)
        self._page_stamps: dict[str, tuple[int, int, int]] = {}  # the output folder as the last round left it
        self._last_change = 0.0  # monotonic time of the last event (for EXTRA_QUIET)

    # -- from the observer's thread ----------------------------------------------------
    def queue(self, rel: str) -> None:
        """Note that something happened at ``rel`` (a vault-relative path)."""
        self._note(rel)

    def queue_rescan(self) -> None:
        self._note(None)

    def queue_pages(self) -> None:
        """Something happened in the output folder: our own write, or someone else's."""
        self._note(None, pages=True)

    def lost_events(self, why: str) -> None:
        """The OS dropped notifications (queue overflow, a watch not added): rescan now, and say so."""
        self.echo(f"the OS lost file events ({why}); rescanning the vault now")
        self.queue_rescan()

    def _note(self, rel: str | None, pages: bool = False) -> None:
        """Add a path (or, for ``None``, a full rescan) to the pending batch; restart the debounce."""
        with self._cond:
            p = self._pending
            now = time.monotonic()
            if not p.paths and not p.rescan and not p.pages:
                p.first = now
            p.last = now
            if pages:
                p.pages = True
            elif rel is None:
                p.rescan = True
            else:
                p.paths.add(rel)
            self._last_change = now
            self._cond.notify()

    def stop(self) -> None:
        """Ask :meth:`run` to return after the rebuild in progress, if any."""
        with self._cond:
            self._stopping = True
            self._cond.notify()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def idle(self) -> bool:
        """Nothing queued and no rebuild in progress (for tests and tools that wait on the pages)."""
        with self._cond:
            return not (self._busy or self._pending.paths or self._pending.rescan or self._pending.pages)

    # -- the loop ------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.fixed_today or dt.date.today()

    def run(self) -> None:
        from notebook_tool.watch.lost import listen

        give_back_large_blocks()
        unlisten = listen(self.lost_events)
        try:
            self._run()
        finally:
            unlisten()

    def _run(self) -> None:
        observer = self._observer()
        try:
            observer.start()  # before the first scan, so no save between the two is missed
        except OSError as exc:
            if self.poll:
                raise
            # e.g. inotify's watch limit (fs.inotify.max_user_watches) on a huge tree.
            self.echo(f"cannot watch with the OS's notifications ({exc.strerror or exc}); polling instead")
            self.poll = True
            observer = self._observer()
            observer.start()
        try:
            day = self.today()
            changes = self.state.rescan(self.progress)
            self._rebuild(changes, day, "start")
            self.state.save()  # so a later `guanxi index` starts warm
            # The vault read at start lives as long as the watcher: keep the
            # collector from walking it again and again (time and copy-on-write).
            gc.collect()
            gc.freeze()
            self.state.defer_extra = True  # from now on (the first index wrote them all)
            self.ready.set()
            next_rescan = time.monotonic() + self.rescan_every
            while True:
                batch = self._wait(next_rescan)
                if batch is None:
                    break
                try:
                    if batch.extra:
                        self._write_extra(day)
                        continue
                    day, next_rescan = self._handle(batch, day, next_rescan)
                finally:
                    with self._cond:
                        self._busy = False
        finally:
            observer.stop()
            observer.join(timeout=5)
            # Best effort: the cache only saves time, and a stale one is never trusted.
            try:
                self.state.save()
            except Exception:
                pass

    def _handle(self, batch: _Pending, day: dt.date, next_rescan: float) -> tuple[dt.date, float]:
        now = time.monotonic()
        new_day = self.today()
        if batch.rescan or now >= next_rescan:
            changes = self.state.rescan()
            reason = "rescan"
            next_rescan = now + self.rescan_every
            if self.state.cache.dirty:
                self.state.save()
        elif batch.paths:
            changes = self.state.update(sorted(batch.paths))
            reason = "change"
        else:
            changes, reason = Changes(), "date"
        pages_gone = batch.pages and self._output_stamps() != self._page_stamps
        if pages_gone:
            self.state.pages_stale = True  # not what we wrote: render and write them again
        if changes or new_day != day or pages_gone:
            day = new_day
            self._rebuild(changes, day, reason if changes else ("pages" if pages_gone else "date"))
        return day, next_rescan

    def _output_stamps(self) -> dict[str, tuple[int, int, int]]:
        """Each page in the output folder by (inode, size, mtime): a restore or delete changes them."""
        folder = self.root / self.state.config.output
        out = {}
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if e.is_file() and not e.name.startswith("."):
                        st = e.stat()
                        out[e.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            pass
        return out

    def _wait(self, next_rescan: float) -> _Pending | None:
        """Block until a batch is due (debounced), a rescan or the date is due, or stop."""
        with self._cond:
            while not self._stopping:
                p = self._pending
                now = time.monotonic()
                if p.paths or p.rescan or p.pages:
                    due = min(p.last + self.debounce, p.first + self.max_delay)
                    if now >= due:
                        self._pending = _Pending()
                        self._busy = True
                        return p
                    timeout = due - now
                else:
                    if now >= next_rescan or self.today() != self._last_day:
                        self._busy = True
                        return _Pending()
                    wake = next_rescan
                    if self.state.extra_stale:
                        quiet_until = self._last_change + EXTRA_QUIET
                        if now >= quiet_until:
                            self._busy = True
                            return _Pending(extra=True)
                        wake = min(wake, quiet_until)
                    # Wake at least every second: the date can change at midnight.
                    timeout = min(1.0, max(0.0, wake - now))
                self._cond.wait(timeout)
        return None

    def _rebuild(self, changes: Changes, day: dt.date, reason: str) -> None:
        self._last_day = day
        outcome = self.state.index(day)
        if reason == "start":  # like `guanxi index`: every problem, once
            for p in outcome.errors:
                self.echo(p.format())
            self._broken = {p.path for p in outcome.errors}
            changes = Changes((), changes.removed, changes.config_changed)
        elif changes.config_changed:
            # guanxi.toml was saved: its problems belong in this terminal, not only on the page.
            for p in self.state.config_problems:
                self.echo(p.format())
            if not self.state.config_problems:
                self.echo(f"{CONFIG_NAME}: reloaded")
        results = self.state.cache.results() if changes.read else {}
        for rel in changes.read:
            r = self.state.unread.get(rel) or results.get(rel)
            errors = [p for p in (r.problems if r else ()) if p.severity == "error"]
            for p in errors:
                self.echo(p.format())
            if errors and r is not None and r.contact is None and rel in self.state.last_good:
                self.echo(f"{rel}: keeping the last good version until this is fixed")
            if errors:
                self._broken.add(rel)
            elif rel in self._broken:
                self._broken.discard(rel)
                self.echo(f"{rel}: fixed")
        for rel in changes.removed:
            self._broken.discard(rel)
            self.echo(f"{rel}: removed")
        if outcome.written:
            self.echo(f"updated {', '.join(outcome.written)}")
        self._page_stamps = self._output_stamps()
        if self.on_round:
            self.on_round(Round(changes, outcome, day, reason))

    def _write_extra(self, day: dt.date) -> None:
        written = self.state.write_extra(day)
        if written:
            self.echo(f"updated {', '.join(written)}")

    # -- watchdog --------------------------------------------------------------------------
    def _observer(self) -> BaseObserver:
        # Imported here: only `watch` pays for watchdog.
        from watchdog.events import FileSystemEvent, FileSystemEventHandler

        observer: BaseObserver
        if self.poll:
            from watchdog.observers.polling import PollingObserver

            observer = PollingObserver(timeout=self.poll_interval)
        else:
            from watchdog.observers import Observer

            observer = Observer()
        watcher = self
        output = self.state.config.output.strip("/")

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                # Opening or closing a file without writing it changes nothing.
                if event.event_type in ("opened", "closed_no_write"):
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "") or ""):
                    rel = watcher.relative(raw)
                    if rel is not None and (rel == output or rel.startswith(output + "/")):
                        if not rel.rsplit("/", 1)[-1].startswith("."):  # not our own temporary files
                            watcher.queue_pages()  # a page restored or deleted under us is put back
                        continue
                    if rel is None:
                        continue
                    if any(part.startswith(".") for part in rel.split("/")):
                        continue  # .guanxi, .git, swap files, our own temporary files
                    if event.is_directory:
                        # A folder's own mtime changes with every file in it: ignore
                        # "modified"; a folder created, deleted or moved needs a walk.
                        if event.event_type != "modified":
                            watcher.queue_rescan()
                    elif rel == CONFIG_NAME or rel.lower().endswith(".md"):
                        watcher.queue(rel)

        observer.schedule(Handler(), str(self.root), recursive=True)
        return observer

    def relative(self, path: str | bytes) -> str | None:
        """A watchdog path as a vault-relative ``/`` path, or ``None`` if outside the vault."""
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not path:
            return None
        rel = os.path.relpath(path, self.root)
        if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
            return None
        return rel.replace(os.sep, "/")


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)


def give_back_large_blocks(threshold: int = 256 * 1024) -> bool:
    """Have glibc's malloc give every block of ``threshold`` bytes or more its own mapping, returned
    to the system when freed, for the rest of the process (a watch session).

    Why: each save that changes the feed reads and patches its 16 MB and renders pages of several
    MB; by default glibc raises its threshold to the largest block freed so far and serves such
    blocks from the heap, whose freed space a long session keeps. The benchmark's five saves at
    30,000 people peaked at 172-194 MB that way, 153 MB with this (each save ~12 ms slower, the
    first touches of fresh pages: 29 -> 40 ms of work after the debounce). Elsewhere (macOS,
    musl) nothing is done. True if the C library took the setting.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter already uses
    except (ImportError, OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold) == 1)
