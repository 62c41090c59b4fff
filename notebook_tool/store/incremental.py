"""The incremental rebuild that ``guanxi index`` runs once and ``guanxi watch`` runs on every change.

This module owns :class:`State`: the vault as last read (config, the set of
contact files, each file's result via :class:`~notebook_tool.cache.Cache`)
and the two ways to bring it up to date:

- :meth:`State.rescan` walks the vault (``vault.contact_paths``), stats every
  file and re-reads only those whose stamp changed;
- :meth:`State.update` looks only at the paths the watcher was told about.

Both reconcile by what is on disk now, never by what an event said happened,
so every editor's save pattern (rename over, truncate and write, backup
rename, delete and recreate) comes down to "stat it, re-read it if it
changed". :meth:`State.index` renders the pages with the pure
:func:`render.build` and writes only pages whose bytes changed; when no file
changed since the pages were last written for the same day and settings, it
does not even load the cached results.

Results are identical to :func:`vault.load_vault` without a cache, except in
watch mode (``keep_last_good``): there a file whose new version cannot be
read at all keeps its last good contact, with the new error, until it is
fixed — so a half-typed save does not drop a person from the pages.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.model import Contact, FileResult, Problem, Vault
from notebook_tool.read.config import load_config
from notebook_tool.read.vault import contact_paths, load_vault, read_file
from notebook_tool.render.live import LivePages, Piece, piece_context
from notebook_tool.store import snapshot
from notebook_tool.store.cache import (
    RACY_NS,
    Cache,
    Stamp,
    code_fingerprint,
    no_gc,
    read_stable,
    stamp_of,
    store_path,
)
from notebook_tool.store.cache import digest as bytes_digest  # page_inputs.digest is of plain data
from notebook_tool.store.notes import NotesState
from notebook_tool.store.page_inputs import PageInputs, digest

if TYPE_CHECKING:  # imported where used: a warm index never computes a row (20 ms of start-up)
    from notebook_tool.compute.rows import Row, Rows

Progress = Callable[[Iterable[str]], Iterable[str]]
DELTA_MAX = 500  # people in the snapshot's delta before the base is written again
_RACY = [0, 0, 0, 0]  # the stamp a snapshot records for a racy file: never a file's, so always put again
CALENDAR_PAGE = "guanxi.ics"  # kept per person in _write_live (render.calendar.LiveCalendar)


@dataclass(frozen=True, slots=True)
class Changes:
    """What a rescan or update found: files (re-)read and files gone."""

    read: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    config_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.read or self.removed or self.config_changed)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`State.index` did: pages written (vault-relative), people, error problems."""

    written: tuple[str, ...]
    people: int
    errors: tuple[Problem, ...]
    rendered: bool  # False when nothing changed and the pages were known to be current


class State:
    """A vault kept current incrementally; see the module docstring."""

    def __init__(self, root: Path, *, use_cache: bool = True, keep_last_good: bool = False) -> None:
        self.root = root.resolve()
        self.use_cache = use_cache
        self.keep_last_good = keep_last_good
        # Watch sets defer_extra once started: the whole-network pages (seconds
        # at 30,000 people) are then left stale by index() and written by
        # write_extra() when the watcher is quiet, so a save updates attention
        # and reciprocity at once.
        self.defer_extra = False
        self.extra_stale = False
        self.config, self.config_problems = load_config(self.root)
        self.walk_problems: list[Problem] = []
        self.cache = self._new_cache()
        self.paths: set[str] = set()
        # Watch mode: the last good contact of each file whose current version is broken.
        self.last_good: dict[str, Contact] = {}
        self.unread: dict[str, FileResult] = {}  # files that could not be read: not cached, retried
        self.pages_stale = False  # a file changed since the pages were last rendered
        self.overlaid = 0  # results shown with their last good contact at the last vault()
        # Watch mode: the pages kept per person, the files changed since they were
        # last brought up to date, and which files show their last good contact.
        self._live: LivePages | None = None
        self._touched: set[str] = set()
        self._overlaid: set[str] = set()
        self.notes = NotesState(self.root, use_cache)  # notes as touches (store/notes.py)
        self._calendar: Any = None  # render.calendar.LiveCalendar beside _live, when the feed is built
        # Beside _live: what each person gives the whole-vault pages that say what they
        # read (render/extra.py ``inputs``).
        self._inputs: PageInputs | None = None
        # The snapshot base these pages were last written to or restored from, and the people
        # put since (rel -> [piece, events, inputs], None when gone): index only.
        self._base_token: str | None = None
        self._hooks: Any = None  # render.extra.extra_page_inputs() during a render
        self._ics_written: list[int] | None = None  # the feed's stamp as last written (or as the snapshot left it)
        self._since_base: dict[str, Any] = {}

    def _new_cache(self) -> Cache:
        if self.use_cache:
            # Watch looks results up in the store one file at a time: flat memory (see cache.StoredResults).
            return Cache.load(self.root, self.config.max_front_matter, lazy=self.keep_last_good)
        return Cache(self.root, "")

    # -- bringing the state up to date -----------------------------------------------
    def rescan(self, progress: Progress | None = None) -> Changes:
        """Re-read the config, walk the vault, and re-read every file that changed."""
        config, config_problems = load_config(self.root)
        config_changed = repr(config) != repr(self.config) or config_problems != self.config_problems
        if config.max_front_matter != self.config.max_front_matter:
            self.config = config
            self.cache = self._new_cache()  # results depend on it: start over
        self.config, self.config_problems = config, config_problems
        cached = list(self.cache.records)  # loaded (or found damaged) before trusting the folder stamps
        walked = not self._folders_unchanged()
        folders: set[str] = set()
        if walked:
            paths, walk_problems = contact_paths(self.root, config, folders)
        else:
            # No folder gained, lost or renamed an entry since the last walk: the
            # files are the ones cached. Saves the walk's per-file lstat.
            paths, walk_problems = cached, []
        config_changed |= walk_problems != self.walk_problems
        self.walk_problems = walk_problems
        if walked or self.paths or self.unread:
            gone = (self.paths | set(cached) | set(self.unread)) - set(paths)
        else:
            gone = set()  # the files are exactly the cached ones
        changes = self._sync(paths, gone, progress)
        if walked:
            self.record_folders(folders)
        changes = Changes(changes.read + self._notes_changed(self.notes.rescan(config)), changes.removed,
                          config_changed)
        self.pages_stale |= bool(changes)
        return changes

    def _notes_changed(self, rels: set[str]) -> tuple[str, ...]:
        """After notes changed: the people they name (before and after) are rendered again.

        Found by their folded names in the store's haystack (no result is
        decoded), so a stored piece of someone a note now names is never reused.
        """
        concerned, self.notes.concerned = self.notes.concerned, set()
        if rels and concerned:
            files, ends, blob = self.cache.names()
            for k in concerned:
                needle = "\x1f" + k
                i = blob.find(needle)
                while i >= 0:
                    if blob[i + len(needle):i + len(needle) + 1] in ("\x1f", "\x1e"):
                        rel = files[bisect.bisect_right(ends, i)]
                        self._touched.add(rel)
                        # Whoever renders next must not place its stored piece, even if this
                        # command renders nothing (list, report): the notes now read as seen.
                        self.cache.drop_piece(rel)
                    i = blob.find(needle, i + 1)
        return tuple(sorted(rels))

    def update(self, rels: Iterable[str]) -> Changes:
        """Look at just these vault-relative paths (from the watcher's events)."""
        present, gone = [], []
        for rel in dict.fromkeys(rels):
            if rel == CONFIG_NAME:
                return self.rescan()  # which files are contacts may have changed
            if self.is_contact(rel):
                present.append(rel)
            elif rel in self.paths:
                gone.append(rel)
        changes = self._sync(present, set(gone), None)
        noted = self._notes_changed(self.notes.update(rels))
        if noted:
            changes = Changes(changes.read + noted, changes.removed, changes.config_changed)
            self.pages_stale = True
        if changes and self.cache.dirs and not self._folders_unchanged():
            # A file came or went: the folder stamps are stale until the next walk.
            self.cache.dirs = {}
            self.cache.dirty = True
        self.pages_stale |= bool(changes)
        return changes

    def is_contact(self, rel: str) -> bool:
        """Whether ``rel`` is a contact file now, by the rules of ``vault.contact_paths``.

        Used for single paths from events, where walking the whole vault
        would cost more than the change; the periodic rescan reconciles.
        """
        parts = rel.split("/")
        if not rel or any(not p or p.startswith(".") or p == ".." for p in parts):
            return False
        if not parts[-1].lower().endswith(".md"):
            return False
        output = self.config.output.strip("/")
        if rel == output or rel.startswith(output + "/"):
            return False
        if any(rel.startswith(f + "/") for f in self.config.notes):
            return False  # notes are read as notes, never as contacts
        tops = self.config.contacts if self.config.contacts is not None else (".",)
        under = [top for top in tops if top == "." or rel.startswith(top.strip("/") + "/")]
        if not under:
            return False
        path = self.root / rel
        # A symlinked folder below a top is never walked (the top itself may be
        # one: the walk starts there), and a symlink that leaves the vault is not followed.
        first = min(0 if top == "." else len(top.strip("/").split("/")) for top in under)
        for i in range(first + 1, len(parts)):
            if (self.root / "/".join(parts[:i])).is_symlink():
                return False
        if path.is_symlink():
            try:
                path.resolve(strict=True).relative_to(self.root)
            except (OSError, RuntimeError, ValueError):
                return False
        return path.is_file()

    def _sync(self, wanted: Iterable[str], gone: set[str], progress: Progress | None) -> Changes:
        """Re-read the ``wanted`` files that changed and drop the ``gone`` ones (and any that vanished)."""
        now = time.time_ns()
        to_read: list[str] = []
        vanished: set[str] = set()
        base = str(self.root) + os.sep  # str paths: pathlib's join costs more than the stat
        # This loop is the whole of a warm index: the common case (a record
        # whose stamp matches and needs no hash) is inlined.
        records, unread, paths, stat = self.cache.records, self.unread, self.paths, os.stat
        for rel in wanted:
            try:
                st = stat(base + rel)
            except FileNotFoundError:
                vanished.add(rel)  # deleted since the walk or the event
                continue
            except OSError:
                to_read.append(rel)  # read_file turns it into a problem
                continue
            rec = records.get(rel)
            if (rec is not None and rec[1] is None and rel not in unread
                    and rec[0] == stamp_of(st)):
                paths.add(rel)
            elif rel in unread or not self.cache.valid(rel, st, now):
                to_read.append(rel)
            else:
                paths.add(rel)
        removed = []
        for rel in sorted(gone | vanished):
            if rel in self.paths or rel in self.cache.records:
                removed.append(rel)
            self._forget(rel)
        read = self._read(to_read, progress)
        return Changes(tuple(read), tuple(removed))

    def _forget(self, rel: str) -> None:
        self._touched.add(rel)
        self.paths.discard(rel)
        self.cache.forget(rel)
        self.unread.pop(rel, None)
        self.last_good.pop(rel, None)

    def _read(self, rels: list[str], progress: Progress | None) -> list[str]:
        if not rels:
            return []
        done: list[str] = []
        with no_gc() if len(rels) > 100 else contextlib.nullcontext():
            self._read_each(rels, progress, done)
        self._touched.update(done)  # their pieces of the pages are rendered again
        return done

    def _read_each(self, rels: Iterable[str], progress: Progress | None, done: list[str]) -> None:
        for rel in (progress(rels) if progress else rels):
            try:
                got = read_stable(self.root, rel)
            except OSError:
                # Unreadable (permissions…): read_file words the problem; not cached, retried.
                self._keep_last_good(rel)
                self.unread[rel] = read_file(self.root, rel, self.config)
                self.cache.forget(rel)
                self.paths.add(rel)
                done.append(rel)
                continue
            if got is None:  # deleted between the stat and the read
                if rel in self.paths:
                    done.append(rel)
                self._forget(rel)
                continue
            st, read_ns, data = got
            result = read_file(self.root, rel, self.config, data=data)
            if result.contact is None:
                self._keep_last_good(rel)
            else:
                self.last_good.pop(rel, None)
            self.unread.pop(rel, None)
            self.cache.put(rel, st, read_ns, data, result)
            self.paths.add(rel)
            done.append(rel)

    def _keep_last_good(self, rel: str) -> None:
        """In watch mode, before a broken version of ``rel`` replaces it: keep the contact shown now.

        Only for files already on the pages (a file broken when watch starts
        has no last good version), and only once (a second broken save keeps
        the first good one).
        """
        if not self.keep_last_good or rel not in self.paths or rel in self.last_good:
            return
        prev = self.unread.get(rel) or self.cache.results().get(rel)
        if prev is not None and prev.contact is not None:
            self.last_good[rel] = prev.contact

    def record_folders(self, folders: set[str]) -> None:
        """Stamp every folder the walk entered (and those holding the tops).

        While none of them changes, no contact file was added, removed or
        renamed (a folder's mtime moves with its listing), so the next rescan
        and ``show`` can skip the walk. Nothing is recorded when a folder is
        within the racy window, when the walk warned (symlinks: their targets
        can change without their folder) or when a file could not be read.
        """
        stamps = None if (self.walk_problems or self.unread) else _folder_stamps(self.root, folders)
        dirs = {"config": repr(self.config), "stamps": stamps} if stamps else {}
        if dirs != self.cache.dirs:
            self.cache.dirs = dirs
            self.cache.dirty = True

    def _folders_unchanged(self) -> bool:
        return folders_unchanged(self.root, self.config, self.cache.dirs)

    # -- reading the state -----------------------------------------------------------
    def vault(self) -> Vault:
        """The vault as a :class:`Vault`, the same value ``load_vault`` would give."""
        results = self.cache.results()
        missing = [rel for rel in self.paths if rel not in results and rel not in self.unread]
        if missing:  # the cached results were damaged: read them now
            self._read(sorted(missing), None)
            results = self.cache.results()
        out = []
        self._overlaid = set()
        for rel in sorted(self.paths):
            out.append(self._shown(rel, results.get))
        self.overlaid = len(self._overlaid)
        vault = Vault(self.root, self.config, tuple(out), tuple(self.config_problems + self.walk_problems))
        return self.notes.index().apply(vault) if self.config.notes else vault

    def _shown(self, rel: str, get: Callable[[str], FileResult | None]) -> FileResult:
        """The result the pages show for ``rel``: in watch mode, a broken file keeps its last good contact."""
        r = self.unread.get(rel) or get(rel)
        if r is None:  # its stored row could not be read after all: read the file now
            self._read([rel], None)
            r = self.unread.get(rel) or get(rel) or FileResult(rel, None, ())
        if r.contact is None and rel in self.last_good:
            self._overlaid.add(rel)
            return FileResult(rel, self.last_good[rel], r.problems)
        self._overlaid.discard(rel)
        return r

    def _pages_key(self, today: dt.date) -> str:
        # Compared for equality only, and small: kept as text, no hashing needed. The code that
        # computes and renders is in it too: an upgrade that changes a page writes it again.
        return repr((today.isoformat(), self.config, self.config_problems, self.walk_problems, self.cache.settings,
                     self.notes.key(), code_fingerprint(("compute", "render"))))

    def _pages_intact(self, recorded: dict[str, Any]) -> bool:
        """The pages on disk are exactly the ones last written (nobody edited or deleted them)."""
        for rel, st in recorded.items():
            try:
                if stamp_of(os.stat(self.root / rel)) != st:
                    return False
            except OSError:
                return False
        return bool(recorded)

    def index(self, today: dt.date) -> Outcome:
        """Render and write the pages, unless they are known to be current already."""
        key = self._pages_key(today)
        pages = self.cache.pages
        if (not self.pages_stale and not self.unread and not self.overlaid
                and (self._live is not None or not self.keep_last_good)  # watch renders once at start
                and pages.get("key") == key and self._pages_intact(pages.get("stamps", {}))):
            return Outcome((), pages["people"], pages["errors"], False)
        if self.keep_last_good or self.use_cache:
            written, people, errors = self._write_live(today)
        else:  # no store: the reference render, from the whole vault (the tests hold the two equal)
            from notebook_tool.render.extra import extra_pages
            from notebook_tool.render.pages import build, link_base_for
            from notebook_tool.render.pages import pages as page_texts
            from notebook_tool.write.pages import write_pages  # here: "nothing changed" needs neither

            # Summaries, reasons and rows for every person: the collector would
            # walk the whole vault again and again meanwhile (a third of the time).
            with no_gc():
                vault = self.vault()
                out = self.config.output
                texts = page_texts(build(vault, today), out)
                texts.update(extra_pages(vault, today, link_base_for(out)))
                written = write_pages(self.root, out, texts)
            errors = tuple(p for p in vault.all_problems() if p.severity == "error")
            people = len(vault.contacts)
        stamps = {}
        from notebook_tool.render.extra import extra_page_functions

        for name in ("attention.md", "reciprocity.md", *extra_page_functions()):
            rel = f"{self.config.output}/{name}"
            try:
                stamps[rel] = stamp_of(os.stat(self.root / rel))
            except OSError:
                pass
        # Pages that show a last good version, or an unreadable file, are not
        # what a fresh index would write: never vouch for them.
        fresh = not self.overlaid and not self.unread
        recorded = {"key": key, "stamps": stamps, "people": people, "errors": errors} if fresh else {}
        if recorded != self.cache.pages:  # else the cache need not be written again for it
            self.cache.pages = recorded
            self.cache.dirty = True
        self.pages_stale = False
        return Outcome(written, people, errors, True)

    def _write_live(self, today: dt.date) -> tuple[tuple[str, ...], int, tuple[Problem, ...]]:
        """Render from per-person pieces: only the people in files touched since the last render are
        rendered again; the others' pieces come from memory (watch), from the snapshot of the pages
        the last index left (index, :mod:`~notebook_tool.store.snapshot`) or from the store.

        The first time, after a change of day or settings, every person is
        placed again, from the pieces the store kept for that day and
        settings where it has them, else from their result.
        """
        from notebook_tool.render.pages import link
        from notebook_tool.write.pages import write_pages

        self._hooks = None
        live = self._live
        if live is not None and live.context == (today, repr(self.config)):
            self._put_touched(live)
        elif not self._restore(today):
            live = self._live = LivePages(today, self.config)
            calendar = self._calendar = self._new_calendar(today)
            context = self._piece_context(today)
            self._overlaid = set()
            self._base_token, self._since_base = None, {}  # the next snapshot is a base
            with no_gc():  # as for a full render in index()
                stored = self.cache.pieces(context) if self.use_cache else {}
                # The stored pieces first, in name order (so loading sorts in one pass), then the rest.
                # Each is [piece of the pages, the person's calendar events or None, their inputs
                # to the whole-vault pages].
                placed: dict[str, tuple[Piece, Any, dict[str, list[Any]]]] = {}
                for rel, value in stored.items():
                    if (rel in self.paths and rel not in self._touched and rel not in self.unread
                            and rel not in self.last_good and isinstance(value, list) and len(value) == 3
                            and (calendar is None) == (value[1] is None) and _inputs_ok(value[2])):
                        placed[rel] = (value[0], value[1], value[2])
                del stored
                for rel in sorted(self.paths):
                    if rel not in placed:
                        placed[rel] = self._new_piece(live, rel, context)
                try:
                    _place(live, calendar, placed)
                except (ValueError, TypeError, IndexError, KeyError):  # a stored piece of the wrong shape
                    live = self._live = LivePages(today, self.config)
                    calendar = self._calendar = self._new_calendar(today)
                    placed = {rel: self._new_piece(live, rel, context) for rel in sorted(self.paths)}
                    _place(live, calendar, placed)
                self._inputs = self._new_inputs({rel: inputs for rel, (_, _, inputs) in placed.items()})
                del placed
            # The rows are kept now: render.link's memo would only hold every
            # name and path again (~10 MB at 30,000 people).
            link.cache_clear()
        live = self._live
        assert live is not None
        self.overlaid = len(self._overlaid)
        self._touched.clear()
        texts, errors = live.pages(self.config_problems + self.walk_problems)
        # The incremental pages first: attention and reciprocity, what a save must update at once;
        # then the calendar; the pages rendered from the whole vault (introductions, network:
        # seconds at 30,000 people) follow, or, in watch, wait for write_extra() when it is quiet.
        feed = self._calendar
        if feed is not None:  # as write_pages does for all it writes: an unsafe feed, and nothing is written
            from notebook_tool.write.fsio import safe_target

            safe_target(self.root, self.root / self.config.output / CALENDAR_PAGE)
        written = tuple(write_pages(self.root, self.config.output, texts))
        del texts  # ~13 MB of page text at 30,000 people, not to be held while the feed is patched

        # Kept per person: one save re-renders one person's events. Restored from a snapshot, the
        # feed on disk is the one written then: left as it is if no one's events changed, else
        # patched (a 16 MB join and compare at 30,000 people, otherwise).
        if feed is not None:
            intact = self._ics_written is not None and self._page_stamp(CALENDAR_PAGE) == self._ics_written
            if feed.changed or not intact:
                page = self._feed_as_written() if intact and feed.undecoded else None
                patched = feed.patched(page) if page is not None else None
                del page
                written += write_pages(self.root, self.config.output,
                                       {CALENDAR_PAGE: feed.page() if patched is None else patched})
                del patched
            feed.written()
            self._ics_written = self._page_stamp(CALENDAR_PAGE)
        if self._whole_vault_pages():
            if self.defer_extra:
                self.extra_stale = True
            else:
                written += self.write_extra(today)
        if not self.keep_last_good:  # watch keeps its pages in memory: only index leaves a snapshot
            self._snapshot()
        return written, len(live.names), errors

    def _feed_as_written(self) -> bytearray | None:
        """The feed on disk, read straight into the buffer it is patched in, if it is exactly the one
        last written: its real path inside the vault, its stamp that one before and after the read
        (a read that was not stable is not built on). None otherwise."""
        from notebook_tool.write.fsio import safe_target

        try:
            with open(safe_target(self.root, self.root / self.config.output / CALENDAR_PAGE), "rb") as f:
                st = os.fstat(f.fileno())
                if list(stamp_of(st)) != self._ics_written:
                    return None
                page = bytearray(st.st_size)
                if f.readinto(page) != len(page) or list(stamp_of(os.fstat(f.fileno()))) != self._ics_written:
                    return None
                return page
        except OSError:  # UnsafePath too: a feed whose real path leaves the vault is not read
            return None

    def _put_touched(self, live: LivePages) -> None:
        """Render again the people whose files were touched since the pages were last brought up to date."""
        context = self._piece_context(live.today)
        for rel in sorted(self._touched):
            shown = self._noted(self._shown(rel, self.cache.result)) if rel in self.paths else None
            piece = live.put(rel, shown)
            evs = None
            if self._calendar is not None:
                evs = self._calendar.put(rel, shown.contact if shown is not None else None)
            inputs = self._inputs_of(shown.contact if shown is not None else None, live.today)
            if self._inputs is not None:
                self._inputs.set(rel, inputs)
            if piece is not None:
                self._keep_piece(rel, context, piece, evs, inputs or {})
            if not self.keep_last_good:  # only index leaves a snapshot
                self._since_base[rel] = None if piece is None else [piece, evs, inputs or {}]
            if rel not in self.paths:
                self._overlaid.discard(rel)

    # -- the snapshot of the pages between two index runs ----------------------------------
    # A base (every person, in page order: store/snapshot.py) written after a full placement,
    # and a small delta beside it: the pieces of the people whose files changed since the
    # base, each with the stamp of the version it shows. A run after one edit reads both,
    # puts the people changed since, and rewrites only the delta, until it outgrows DELTA_MAX.

    def _snapshot_meta(self, today: dt.date) -> dict[str, Any]:
        """What the snapshot's pieces depend on besides each member file's version."""
        from notebook_tool.render.extra import extra_page_functions

        context = self._piece_context(today)
        return {"context": context, "notes": self.notes.key() if self.config.notes else "",
                "settings": self.cache.settings, "calendar": CALENDAR_PAGE in extra_page_functions()}

    def _snapshot_paths(self) -> tuple[Path, Path] | None:
        try:
            base = store_path(self.root)
        except OSError:
            return None
        return base.with_suffix(".live"), base.with_suffix(".livedelta")

    def _stamp_now(self, rel: str) -> list[int] | None:
        """The stamp a snapshot records for ``rel``'s piece: zeros for a racy file (it may change
        without its stamp moving, so its piece is made again next time), None when it is gone."""
        rec = self.cache.records.get(rel)
        if rel not in self.paths or rec is None:
            return None
        return list(_RACY) if rec[1] is not None else list(rec[0])

    def _snapshot(self) -> None:
        """Leave the pages' state for the next index, when it is exactly what a fresh read gives."""
        paths = self._snapshot_paths()
        if paths is None or not self.use_cache or self._live is None or self._inputs is None:
            return
        base_path, delta_path = paths
        if self._overlaid or self.unread or self.last_good or not self.paths <= self.cache.records.keys():
            snapshot.remove(delta_path)
            snapshot.remove(base_path)  # it would vouch for pages a fresh index would not write
            return
        # The store's stamps row as this run leaves it: the next run, if it loads the same row, knows
        # that no one else read a file since, and looks at no member's stamp.
        seen = {"stamps": bytes_digest(self.cache.stamps_row()).hex()}
        if self._base_token is not None and len(self._since_base) <= DELTA_MAX:
            people = {rel: [self._stamp_now(rel), value] for rel, value in self._since_base.items()}
            text = json.dumps(people, ensure_ascii=False, allow_nan=False)
            snapshot.write(delta_path, {"base": self._base_token, "ics": self._page_stamp(CALENDAR_PAGE), **seen},
                           [("people", "j", text)])
            return
        members = sorted(self.paths)
        stamps: list[int] = []
        for rel in members:
            stamps.extend(self._stamp_now(rel) or _RACY)
        meta = self._snapshot_meta(self._live.today)
        meta["token"] = token = os.urandom(12).hex()
        meta["ics"] = self._page_stamp(CALENDAR_PAGE)
        meta.update(seen)
        snapshot.remove(delta_path)  # first: a delta never meets a base it was not made for
        try:
            meta["inputs"], inputs_cols = self._inputs.columns()
            cols = [("m_path", "s", members), ("m_stamp", "q", stamps), *self._live.columns(), *inputs_cols]
            if self._calendar is not None:
                cols += self._calendar.columns()
        except (ValueError, KeyError, TypeError):  # a restored column that does not decode after all
            snapshot.remove(base_path)
            return
        if snapshot.write(base_path, meta, cols):  # streamed: never the whole file in memory at once
            self._base_token, self._since_base = token, {}
        else:
            snapshot.remove(base_path)

    def _restore(self, today: dt.date) -> bool:
        """The pages as the last index left them, with everyone whose file changed since put again."""
        paths = self._snapshot_paths()
        if paths is None or not self.use_cache or self.unread or self.last_good:
            return False
        data = snapshot.read(paths[0])
        if data is None:
            return False
        from notebook_tool.render.calendar import LiveCalendar

        try:
            with no_gc():
                cols = snapshot.unpack(data)
                del data
                meta = self._snapshot_meta(today)
                if any(cols.meta.get(k) != v for k, v in meta.items()):
                    return False  # another day, settings, code or notes: placed afresh
                token = cols.meta["token"]
                delta, left = self._read_delta(paths[1], token)
                left = cols.meta if left is None else left  # what the last index left: delta, else base
                ics = left.get("ics")
                loaded = self.cache.stamps_loaded
                if loaded is not None and bytes_digest(loaded).hex() == left.get("stamps"):
                    # The store's records are the ones that run left: only the files this run's
                    # rescan read again (already in _touched) differ from the snapshot — a racy
                    # one included, as the rescan checks its hash.
                    changed: set[str] = set()
                else:
                    changed = self._changed_since(cols, delta)
                live = LivePages.restore(today, self.config, cols)
                calendar = LiveCalendar.restore(today, self.config, cols) if meta["calendar"] else None
                inputs = PageInputs.restore(cols.meta["inputs"], cols)
                for rel, (_, value) in sorted(delta.items()):
                    live.put_piece(rel, None if value is None else value[0])
                    if calendar is not None:
                        calendar.put_back(rel, [] if value is None else value[1])
                    inputs.set(rel, None if value is None else value[2])
                self._live, self._calendar, self._inputs = live, calendar, inputs
                self._ics_written = ics if isinstance(ics, list) else None
                for name in inputs.paths:  # what the pages the last index wrote were made from
                    inputs.seen(name)
                self._base_token, self._since_base = token, {rel: value for rel, (_, value) in delta.items()}
                self._overlaid = set()
                self._touched |= changed
                self._put_touched(live)
                if calendar is not None and (len(self._since_base) > DELTA_MAX
                                             or self._page_stamp(CALENDAR_PAGE) != self._ics_written):
                    calendar.decode()  # needed whole after all (a new base, or a feed to write again)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            self._live = self._calendar = self._inputs = None
            self._base_token, self._since_base = None, {}
            return False
        return True

    def _changed_since(self, cols: Any, delta: dict[str, list[Any]]) -> set[str]:
        """Who shows another version in the snapshot than the one on disk now (or is new, or gone):
        the stamp it shows (the delta's over the base's) against :meth:`_stamp_now`, the one rule."""
        members, flat = cols["m_path"], cols["m_stamp"]
        if len(flat) != 4 * len(members):
            raise ValueError("member stamps of another shape")
        # One member at a time: a map of 30,000 shown stamps would cost ~15 MB at the peak.
        changed = {rel for rel in self.paths - set(members)  # new since the base (None: not read)
                   if rel not in delta and self._stamp_now(rel) is not None}
        for i, rel in enumerate(members):
            if rel not in delta:
                shown = flat[4 * i : 4 * i + 4]
                if shown == _RACY or shown != self._stamp_now(rel):
                    changed.add(rel)
        for rel, (stamp, _) in delta.items():
            if stamp == _RACY or stamp != self._stamp_now(rel):
                changed.add(rel)
        return changed

    def _read_delta(self, path: Path, token: str) -> tuple[dict[str, list[Any]], dict[str, Any] | None]:
        """The delta made for the base ``token``: rel -> [stamp or None, [piece, events, inputs] or None],
        and its meta; ({}, None) if there is none for it (the base alone is right, only slower to
        bring up to date)."""
        return _delta_of(path, token, lambda v: len(v) == 3 and _inputs_ok(v[2]))

    def _whole_vault_pages(self) -> dict[str, Any]:
        from notebook_tool.render.extra import extra_page_functions

        return {n: f for n, f in extra_page_functions().items() if n != CALENDAR_PAGE or self._calendar is None}

    def write_extra(self, today: dt.date) -> tuple[str, ...]:
        """Write the pages rendered from the whole vault (introductions, network, …) now; what changed.

        A page that says what it reads of each person (``inputs``) is skipped
        when everyone's inputs, the day and the settings are those it was last
        written from and it is intact on disk, or when its ``unchanged`` hook
        shows that the changes since cannot move it; one with ``page_of`` is
        rendered from those inputs. Only the others need the whole vault read.
        """
        from notebook_tool.render.extra import extra_page_inputs
        from notebook_tool.render.pages import link_base_for
        from notebook_tool.write.pages import write_pages

        self.extra_stale = False
        others = self._whole_vault_pages()
        if not others:
            return ()
        inputs = self._inputs if self._live is not None else None
        hooks = extra_page_inputs() if inputs is not None else {}
        base = link_base_for(self.config.output)
        context = self._piece_context(self._live.today) if self._live is not None else ""
        texts: dict[str, str] = {}
        records: dict[str, list[Any]] = {}
        vault: Vault | None = None
        with no_gc():
            for name, render in others.items():
                if name in hooks and inputs is not None:
                    record = self._record_if_unchanged(name, hooks[name], inputs, context)
                    if record is not None:
                        if record != self.cache.extra.get(name):
                            self.cache.extra[name] = record
                            self.cache.dirty = True
                        continue
                    if hooks[name].page_and_cutoff is not None or not self.cache.holds_all(self.paths):
                        text, records[name] = self._from_inputs(name, hooks[name], inputs, context, today, base)
                        if text is not None:
                            texts[name] = text
                            continue
                    else:  # every contact is in memory already (a first index): the vault costs nothing
                        records[name] = [self._inputs_key(name, context)]
                        inputs.seen(name)
                if vault is None:
                    vault = self.vault()
                texts[name] = render(vault, today, base)
        written = tuple(write_pages(self.root, self.config.output, texts))
        for name, (key, *cutoff) in records.items():
            self.cache.extra[name] = [key, self._page_stamp(name), *cutoff]
            self.cache.dirty = True
        return written

    def _record_if_unchanged(self, name: str, h: Any, inputs: PageInputs, context: str) -> list[Any] | None:
        """The page's record brought up to date, if the page on disk is still right: written as it
        is, and from the same inputs, or only from changes its ``unchanged`` hook proves cannot
        move it. None: it must be rendered."""
        rec: list[Any] | None = self.cache.extra.get(name)
        stamp = self._page_stamp(name)
        key = self._inputs_key(name, context)
        since = repr((name, *inputs.seen_key.get(name, (-1, -1)), context))  # what the changes since are on top of
        if rec is None or stamp is None or rec[1] != stamp:
            return None
        if rec[0] == key:
            inputs.seen(name)
            return rec
        if h.unchanged is None or len(rec) != 3 or rec[0] != since:
            return None
        try:
            if not h.unchanged(rec[2], inputs.changed(name), self.config):
                return None
        except (ValueError, KeyError, TypeError):
            return None
        inputs.seen(name)
        return [key, stamp, rec[2]]

    def _from_inputs(self, name: str, h: Any, inputs: PageInputs, context: str, today: dt.date,
                     base: str) -> tuple[str | None, list[Any]]:
        """The page made from everyone's stored inputs (None if it has no ``page_of`` or an input is of
        another shape: then from the vault), and what to record of it."""
        key = self._inputs_key(name, context)
        inputs.seen(name)
        try:
            if h.page_and_cutoff is not None:
                text, cutoff = h.page_and_cutoff(inputs.values(name), today, self.config, base)
                return text, [key, cutoff]
            if h.page_of is not None:
                return h.page_of(inputs.values(name), today, self.config, base), [key]
        except (ValueError, KeyError, TypeError):  # a stored input of another shape
            pass
        return None, [key]

    def _inputs_key(self, name: str, context: str) -> str:
        """What ``name`` is rendered from: the sum of everyone's input digests (order-free), how many
        there are, and the day, settings and code (``context``)."""
        assert self._inputs is not None
        return repr((name, *self._inputs.key(name), context))

    def _new_inputs(self, people: dict[str, dict[str, list[Any]]]) -> PageInputs:
        from notebook_tool.render.extra import extra_page_inputs

        fns = extra_page_inputs()
        return PageInputs.of(fns, [n for n, h in fns.items() if h.page_of is not None], people)

    def _page_stamp(self, name: str) -> list[int] | None:
        try:
            return list(stamp_of(os.stat(self.root / self.config.output / name)))
        except OSError:
            return None

    def _inputs_of(self, contact: Contact | None, today: dt.date) -> dict[str, list[Any]] | None:
        """``contact``'s inputs to the pages that say what they read, each with its digest."""
        if contact is None:
            return None
        if self._hooks is None:  # looked up once per render, not once per person
            from notebook_tool.render.extra import extra_page_inputs

            self._hooks = extra_page_inputs()
        out: dict[str, list[Any]] = {}
        for name, h in self._hooks.items():
            value = h.inputs(contact, today, self.config)
            if value is None:
                continue
            out[name] = [digest(value), value if h.page_of is not None else None]
        return out

    def _new_calendar(self, today: dt.date) -> Any:
        """The per-person calendar feed, when the calendar page is built (render/extra.py)."""
        from notebook_tool.render.extra import extra_page_functions

        if CALENDAR_PAGE not in extra_page_functions():
            return None
        from notebook_tool.render.calendar import LiveCalendar

        return LiveCalendar(today, self.config)

    def _noted(self, r: FileResult) -> FileResult:
        """A contact's result with the touches of the notes that name it."""
        return self.notes.index().apply_result(r) if self.config.notes else r

    def _piece_context(self, today: dt.date) -> str:
        # Pieces also depend on the code that computes and renders them.
        return piece_context(today, self.config) + "|" + code_fingerprint(("core", "compute", "render"))

    def _new_piece(self, live: LivePages, rel: str, context: str) -> tuple[Piece, Any, dict[str, list[Any]]]:
        """``rel``'s piece of the pages, its calendar events (None without a feed) and its inputs to
        the whole-vault pages, kept in the store."""
        shown = self._noted(self._shown(rel, self.cache.result))
        piece = live.piece(rel, shown)
        events = None
        if self._calendar is not None:
            events = self._calendar.events_of(shown.contact) if shown.contact is not None else []
        inputs = self._inputs_of(shown.contact, live.today) or {}
        self._keep_piece(rel, context, piece, events, inputs)
        return piece, events, inputs

    def _keep_piece(self, rel: str, context: str, piece: Piece, events: Any, inputs: dict[str, list[Any]]) -> None:
        """Store ``rel``'s piece, events and inputs, unless they are not what a fresh read gives (a last
        good contact, an unreadable file)."""
        if self.use_cache and rel not in self._overlaid and rel not in self.unread:
            self.cache.put_piece(rel, context, piece[0][0] if piece[0] else "", [piece, events, inputs])

    # -- the rows of the read-only reports (compute/rows.py) --------------------------------
    # Kept in a file beside the store, for one day, settings and code: each person's row with
    # the stamp of the version it shows. A report after an edit re-makes the rows of the files
    # that changed since (the snapshot's one stamp rule) and joins them with the rest.

    def _rows_context(self, today: dt.date) -> str:
        return repr((self._piece_context(today), self.cache.settings, self.notes.key() if self.config.notes else "",
                     code_fingerprint(("core", "compute"))))

    def rows(self, today: dt.date, checks: bool = False, kept_rows: bool = True) -> Rows:
        """Every file's row (:class:`compute.rows.Row`), in path order, as of ``today``, and with
        ``checks`` what the per-file checks found in each file (their kept text, decoded by
        ``check`` alone); re-making only those whose file changed since the rows were last kept
        (all of them without ``kept_rows``), and keeping them for next time."""
        from notebook_tool.compute.rows import Rows, checks_text, file_checks, row_from_json, row_of
        from notebook_tool.store import rowfile

        paths = self._snapshot_paths()
        base_path = None if paths is None or not self.use_cache else paths[0].with_suffix(".rows")
        delta_path = None if base_path is None else base_path.with_suffix(".rowsdelta")
        context = self._rows_context(today)
        kept: dict[str, Row] = {}
        found: dict[str, str] = {}  # each file's checks as compute.rows.checks_text made them
        cols: Any = None
        members: list[str] = []
        token = None
        delta: dict[str, list[Any]] = {}  # rel -> [stamp or None, [row, checks] or None]: put since the base
        data = snapshot.read(base_path) if base_path is not None and kept_rows else None
        if data is not None:
            try:
                with no_gc():
                    cols = snapshot.unpack(data)
                    if cols.meta.get("context") != context:
                        raise ValueError("rows of another day, settings or code")
                    token = cols.meta["token"]
                    assert delta_path is not None
                    delta, _ = _delta_of(delta_path, token, lambda v: len(v) == 2 and isinstance(v[1], str))
                    changed = self._changed_since(cols, delta)
                    members = cols["m_path"]
                    for rel, row in zip(members, rowfile.rows(cols, members), strict=True):
                        if rel not in changed and rel not in delta:
                            kept[rel] = row
                    if checks:
                        for rel, text in zip(members, rowfile.checks(cols, members), strict=True):
                            if rel in kept:
                                found[rel] = text
                    for rel, (_, value) in delta.items():  # value: [row, checks]
                        if value is not None and rel not in changed:
                            kept[rel] = row_from_json(value[0])
                            found[rel] = value[1]
            except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                kept, found, cols, members, token, delta = {}, {}, None, [], None, {}
        kept = {rel: row for rel, row in kept.items() if rel in self.paths}
        todo = sorted(self.paths - kept.keys())
        if todo:
            def make(rel: str, shown: FileResult) -> None:
                shown = self._noted(shown)
                kept[rel] = row_of(shown, today, self.config)
                found[rel] = checks_text(file_checks(shown, today, self.config, self.root), rel)

            if len(todo) > 64:  # many: one pass over the store beats a query per file
                wanted = set(todo) - self.unread.keys() - self.last_good.keys()
                with no_gc():
                    for rel, result in self.cache.each_result(wanted):
                        make(rel, result)
            for rel in todo:
                if rel not in kept:  # a few, or not in the store after all (read again by _shown)
                    make(rel, self._shown(rel, self.cache.result))
        in_order = sorted(self.paths)
        gone = set(members) - self.paths - {rel for rel, (stamp, _) in delta.items() if stamp is None}
        if base_path is not None and delta_path is not None and (todo or gone or token is None):
            self._keep_rows(base_path, delta_path, context, token, cols, members, delta, todo, gone, kept, found)
        with_checks = tuple(found[rel] for rel in in_order) if checks else None
        rows = tuple(kept[rel] for rel in in_order)
        own = list(self.config_problems + self.walk_problems)
        if self.config.notes:  # the notes' own, and the names in them that are no one's (as Vault gets them)
            own += self.notes.index().problems(r.summary.contact for r in rows if r.summary is not None)
        return Rows(today, self.config, rows, tuple(own), with_checks)

    def _rows_stamp(self, rel: str) -> list[int]:
        # An unreadable file has no stamp to vouch for its row: made again every time.
        return list(_RACY) if rel in self.unread else self._stamp_now(rel) or list(_RACY)

    def _keep_rows(self, base_path: Path, delta_path: Path, context: str, token: str | None, cols: Any,
                   members: list[str], delta: dict[str, list[Any]], todo: list[str], gone: set[str],
                   kept: dict[str, Row], found: dict[str, str]) -> None:
        """Leave the rows for next time: the people made again, in the delta beside the base; a new
        base when there is none (or it would not decode) or the delta outgrows DELTA_MAX."""
        from notebook_tool.store import rowfile

        if token is not None and len(delta.keys() | todo | gone) <= DELTA_MAX:
            # Counted before any row is made plain data: a new base (all 30,000 rows at a first
            # run) needs none of it, and its JSON would be ~30 MB at the peak.
            since = dict(delta)
            for rel in todo:
                since[rel] = [self._rows_stamp(rel), rowfile.row_json(kept[rel], found[rel])]
            for rel in gone:
                since[rel] = [None, None]
            text = json.dumps(since, ensure_ascii=False, allow_nan=False)
            if not snapshot.write(delta_path, {"base": token}, [("people", "j", text)]):
                snapshot.remove(delta_path)
            return
        in_order = sorted(self.paths)
        if cols is not None and token is not None:  # the base's checks, for the people not made again
            try:
                for rel, text in zip(members, rowfile.checks(cols, members), strict=True):
                    found.setdefault(rel, text)
            except (ValueError, TypeError, KeyError):
                found = {}
        if not self.paths <= found.keys():  # checks that would not decode: everything made afresh next time
            snapshot.remove(delta_path)
            snapshot.remove(base_path)
            return
        stamps: list[int] = []
        for rel in in_order:
            stamps.extend(self._rows_stamp(rel))
        snapshot.remove(delta_path)  # first: a delta never meets a base it was not made for
        rows = [kept[rel] for rel in in_order]
        cols_out = [("m_path", "s", in_order), ("m_stamp", "q", stamps), *rowfile.columns(in_order, rows),
                    rowfile.checks_column(in_order, [found[rel] for rel in in_order])]
        if not snapshot.write(base_path, {"context": context, "token": os.urandom(12).hex()}, cols_out):
            snapshot.remove(base_path)

    def save(self) -> None:
        if self.use_cache:
            self.cache.save()
        # After the store: notes recorded as read only once the pieces that show them are.
        self.notes.save()


def _delta_of(path: Path, token: str, value_ok: Callable[[list[Any]], bool]) -> tuple[dict[str, list[Any]],
                                                                                   dict[str, Any] | None]:
    """A delta beside a base (the pages' snapshot, the rows): rel -> [stamp or None, value or None] and
    its meta, if it was made for the base ``token`` and every value is a list ``value_ok`` takes;
    else ({}, None), and the base alone is used."""
    data = snapshot.read(path)
    if data is None:
        return {}, None
    try:
        cols = snapshot.unpack(data)
        if cols.meta.get("base") != token:
            return {}, None
        people = cols.json("people")
    except ValueError:
        return {}, None
    if not isinstance(people, dict) or not all(
            isinstance(v, list) and len(v) == 2 and (v[0] is None or (isinstance(v[0], list) and len(v[0]) == 4))
            and (v[1] is None or (isinstance(v[1], list) and value_ok(v[1]))) for v in people.values()):
        return {}, None
    return people, cols.meta


def _inputs_ok(value: Any) -> bool:
    """A stored person's inputs are {page: [digest, inputs]}: else their piece is made again."""
    return isinstance(value, dict) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) for v in value.values())


def _place(live: LivePages, calendar: Any, placed: dict[str, tuple[Piece, Any, Any]]) -> None:
    """Every person's piece onto the pages, and their events into the feed (when there is one)."""
    live.load({rel: piece for rel, (piece, _, _) in placed.items()})
    if calendar is not None:  # from the events kept with each piece: no contact decoded
        for rel, (_, events, _) in placed.items():
            calendar.put_events(rel, events)


def _folder_stamps(root: Path, folders: set[str]) -> dict[str, Stamp | None] | None:
    """Stamps of the folders ``contact_paths`` walked; ``None`` if one is racy."""
    now = time.time_ns()
    stamps: dict[str, Stamp | None] = {}
    for d in folders:
        try:
            st = os.stat(root / d) if d else os.stat(root)
        except FileNotFoundError:
            stamps[d] = None
            continue
        except OSError:
            return None
        if now - st.st_mtime_ns < RACY_NS:
            return None
        stamps[d] = stamp_of(st)
    return stamps


def folders_unchanged(root: Path, config: Config, dirs: dict[str, Any]) -> bool:
    """True when every folder recorded by :meth:`State.record_folders` still has its stamp."""
    if not dirs or dirs.get("config") != repr(config):
        return False
    for d, st in dirs["stamps"].items():
        try:
            now = stamp_of(os.stat(root / d) if d else os.stat(root))
        except FileNotFoundError:
            now = None
        except OSError:
            return False
        if now != st:
            return False
    return True


def quick_lookup(root: Path, query: str) -> tuple[Config, list[Problem], list[FileResult]] | None:
    """The files that could answer NAME, without reading the vault; ``None`` when unsure.

    Uses the cache's folded names when every folder holding contacts still
    has its recorded stamp (no file was added, removed or renamed since the
    last index). Every file that any stage of :func:`resolve.resolve` could
    match is then read fresh, so resolving against them gives the same
    answer as resolving against the whole vault. An unknown name (whose
    "did you mean" needs every name) or any doubt returns ``None``.
    """
    from notebook_tool.core.text import fold

    root = root.resolve()
    config, problems = load_config(root)
    cache = Cache.load(root, config.max_front_matter, records=False)  # the meta table is enough
    if not folders_unchanged(root, config, cache.dirs):
        return None
    q = fold(query)
    if not q:
        return None
    rels, ends, blob = cache.names()
    cache.keep_names()
    cache.close()
    US, RS = "\x1f", "\x1e"

    def files_with(needle: str, exact: bool = False) -> set[int]:
        found: set[int] = set()
        i = blob.find(needle)
        while i >= 0 and len(found) <= 50:
            after = i + len(needle)
            if not exact or blob[after:after + 1] in (US, RS):
                found.add(bisect.bisect_right(ends, i))
            i = blob.find(needle, i + 1)
        return found

    # Stage one (an exact name, file name or alias) decides alone when it matches;
    # else every file with a key or a word of a key starting with the query.
    # A few extra candidates do no harm (resolve decides among them).
    found = files_with(US + q, exact=True) or (files_with(US + q) | files_with(" " + q))
    hits = [rels[j] for j in sorted(found)]
    if not hits or len(hits) > 50:
        return None  # unknown (the error suggests from every name) or too ambiguous: ask the vault
    results = []
    for rel in sorted(hits):
        results.append(read_file(root, rel, config))
    return config, problems, results


def find_contact(root: Path, name: str, use_cache: bool = True) -> tuple[Vault, Contact]:
    """NAME → its contact, and the vault it was resolved in (``guanxi show``).

    With the cache, only the files that could match are read
    (:func:`quick_lookup`); whenever the cache cannot vouch for the answer,
    the whole vault is read, so the answer is the same either way. Raises
    :class:`~notebook_tool.errors.ResolveError` for an unknown or ambiguous name.
    """
    from notebook_tool.compute.resolve import resolve
    from notebook_tool.core.errors import ResolveError

    found = quick_lookup(root, name) if use_cache else None
    if found is not None:
        config, problems, results = found
        vault = Vault(root.resolve(), config, tuple(results), tuple(problems))
        if config.notes:
            notes = NotesState(root.resolve(), use_cache)
            notes.rescan(config)
            vault = notes.index().apply(vault)
            notes.save()
        try:
            # Only the candidate files were read: the transliterating stage would
            # judge among them alone, so it is left to the whole vault below.
            return vault, resolve(vault.contacts, name, transliterate=False)
        except ResolveError as exc:
            if exc.ambiguous:
                raise  # every file any stage could match was read: the ambiguity is real
            # else a file changed under the index: ask the whole vault
    from notebook_tool.compute.resolve import resolve_in

    vault = cached_vault(root, use_cache=use_cache)
    return vault, resolve_in(vault, name)  # a broken file that NAME means says its problem


def cached_output(root: Path, command: str, today: dt.date, compute: Callable[[Vault], bytes],
                  progress: Progress | None = None, use_cache: bool = True) -> bytes:
    """What ``compute`` makes of the vault at ``root`` (the command's output, UTF-8): memoised in the
    store while no file changes.

    For the read-only commands that compare everyone with everyone (``report
    introductions``). ``command`` names the command and every option that
    shapes its output. The memo is keyed by it, the day, the settings, the
    notes read and the code of every layer that computes or renders, and it
    belongs to one *generation* of the store (see ``Cache.memo``): it is
    used only when the rescan finds no file added, removed or changed.
    Otherwise the vault is loaded as by :func:`cached_vault` (only changed
    files re-read) and the new output is kept for next time. ``compute``
    must be a pure function of the vault.
    """
    root = root.resolve()
    if not use_cache:
        return compute(load_vault(root, progress))
    return _memoised(root, command, today, lambda state: compute(state.vault()), progress)


def cached_report(root: Path, command: str, today: dt.date, join: Callable[[Rows], bytes],
                  checks: bool = False, use_cache: bool = True) -> bytes:
    """What ``join`` makes of every file's row (:mod:`notebook_tool.compute.rows`), for the reports
    whose parts are per person (``list``, ``report attention|reciprocity``, ``check``).

    Memoised as :func:`cached_output` is; when a file changed, only the
    rows of the files that changed are made again (:meth:`State.rows`;
    ``checks``: with what the per-file checks found). ``join`` must be a
    pure function of the rows.
    """
    from notebook_tool.compute.rows import ChecksUnreadable

    def make(state: State) -> bytes:
        with no_gc():  # tens of thousands of rows: the collector would walk them again and again
            try:
                return join(state.rows(today, checks))
            except ChecksUnreadable:  # kept checks damaged: every row made again (and kept anew)
                return join(state.rows(today, checks, kept_rows=False))

    return _memoised(root.resolve(), command, today, make, None, use_cache)


def _memoised(root: Path, command: str, today: dt.date, make: Callable[[State], bytes],
              progress: Progress | None, use_cache: bool = True) -> bytes:
    """``make(state)`` after a rescan, or the output the same command kept for this generation of the
    store when the rescan found nothing changed; the new output kept for next time."""
    state = State(root, use_cache=use_cache)
    changes = state.rescan(progress)
    key = repr((command, state._pages_key(today), code_fingerprint(("core", "compute", "render", "cli"))))
    if use_cache and not changes and not state.unread:
        hit = state.cache.memo(key)
        if hit is not None:
            state.save()  # what the rescan learnt (a racy hash aged out, folder stamps), if anything
            state.cache.close()
            return hit
    out = make(state)
    state.save()
    if use_cache and not state.unread and not state.walk_problems:
        # An unreadable file is retried every time, and a walk problem (a
        # symlink) can change without any stamp: never vouch for those.
        state.cache.put_memo(key, out)
    return out


def cached_vault(root: Path, progress: Progress | None = None, use_cache: bool = True) -> Vault:
    """Every contact file of the vault at ``root``, re-reading only files changed since the store.

    The result is the same :class:`Vault` as ``read.vault.load_vault`` gives;
    with ``use_cache`` false it is exactly that (nothing stored).
    """
    root = root.resolve()
    if not use_cache:
        return load_vault(root, progress)
    state = State(root)
    state.rescan(progress)
    vault = state.vault()
    state.save()
    return vault
