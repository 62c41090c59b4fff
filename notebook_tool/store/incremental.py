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
import marshal
import os
import time
from array import array
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.model import Contact, FileResult, Problem, Vault
from notebook_tool.read.config import load_config
from notebook_tool.read.vault import contact_paths, load_vault, read_file
from notebook_tool.store.cache import RACY_NS, Cache, Stamp, no_gc, read_stable, stamp_of
from notebook_tool.store.notes import NotesState

Progress = Callable[[Iterable[str]], Iterable[str]]

# Files to read before a second process pays for itself (fork, encode, decode).
FORK_MIN = 2000


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
        self.fork_min = FORK_MIN
        self.notes = NotesState(self.root, use_cache)  # notes as touches (store/notes.py)

    def _new_cache(self) -> Cache:
        if self.use_cache:
            # Watch keeps the results packed: a third of the memory (see cache.PackedResults).
            return Cache.load(self.root, self.config.max_front_matter, packed=self.keep_last_good)
        return Cache(self.root, "", packed=self.keep_last_good)

    # -- bringing the state up to date -----------------------------------------------
    def rescan(self, progress: Progress | None = None) -> Changes:
        """Re-read the config, walk the vault, and re-read every file that changed."""
        config, config_problems = load_config(self.root)
        config_changed = repr(config) != repr(self.config) or config_problems != self.config_problems
        if config.max_front_matter != self.config.max_front_matter:
            self.config = config
            self.cache = self._new_cache()  # results depend on it: start over
        self.config, self.config_problems = config, config_problems
        cached = self.cache.record_paths()  # loaded (or found damaged) before trusting the folder stamps
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
        """After notes changed: the people they name (before and after) are re-rendered."""
        concerned, self.notes.concerned = self.notes.concerned, set()
        if rels and concerned and self._live is not None:  # else every page is rendered anyway
            from notebook_tool.read.notetouch import contact_keys

            for rel, r in self.cache.results().items():
                if r.contact is not None and not concerned.isdisjoint(contact_keys(r.contact)):
                    self._touched.add(rel)
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
        if not gone and not self.paths and not self.unread and self._all_fresh(wanted):
            self.paths.update(wanted)
            return Changes()
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
                    and rec[0] == (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)):
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

    def _all_fresh(self, wanted: Iterable[str]) -> bool:
        """A warm start's check: every wanted file has exactly its cached stamp and needs no hash.

        The same test as :meth:`_sync`'s loop, as one comparison of int64
        arrays; anything else (another file list, a missing file, a racy
        record) says ``False`` and the loop decides file by file.
        """
        flat = self.cache.flat_stamps()
        if flat is None or wanted != flat[0]:
            return False
        now: array[int] = array("q")
        add = now.extend
        try:
            if os.stat in os.supports_dir_fd:  # relative to the root: shorter lookups (~10% of the stats)
                fd = os.open(self.root, os.O_RDONLY)
                try:
                    for rel in flat[0]:
                        st = os.stat(rel, dir_fd=fd)
                        add((st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
                finally:
                    os.close(fd)
            else:
                base = str(self.root) + os.sep
                for st in map(os.stat, [base + rel for rel in flat[0]]):
                    add((st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
        except (OSError, OverflowError):
            return False
        return now == flat[1]

    def _forget(self, rel: str) -> None:
        if self.keep_last_good:
            self._touched.add(rel)
        self.paths.discard(rel)
        self.cache.forget(rel)
        self.unread.pop(rel, None)
        self.last_good.pop(rel, None)

    def _read(self, rels: list[str], progress: Progress | None) -> list[str]:
        if not rels:
            return []
        results = self.cache.results()  # about to change: load what is cached
        done: list[str] = []
        with no_gc() if len(rels) > 100 else contextlib.nullcontext():
            if self._can_fork(rels):
                self._read_forked(rels, progress, done)
            else:
                self._read_each(rels, progress, done)
        del results
        if self.keep_last_good:
            self._touched.update(done)
        return done

    def _can_fork(self, rels: list[str]) -> bool:
        """Parse on two cores when there are many files (a cold index) and it is safe to fork.

        Never in watch mode or with other threads running (a fork copies one
        thread and whatever locks the others held).
        """
        import threading

        return (len(rels) >= self.fork_min and not self.keep_last_good and hasattr(os, "fork")
                and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1)

    def _read_forked(self, rels: list[str], progress: Progress | None, done: list[str]) -> None:
        """Read every other file in a child process, the rest here, and merge.

        Parsing is pure CPU and the parsed results are plain values, so the
        child sends its results back in the cache's own encoding. Any trouble
        with the child (it failed, was killed, sent garbage) and its files are
        read here instead: slower, never different.
        """
        mine, theirs = rels[0::2], rels[1::2]
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: parse, send, and leave without running any cleanup of the parent's
            code = 1
            try:
                os.close(rfd)
                payload = _parse_for_parent(self.root, theirs, self.config)
                view = memoryview(payload)
                while view:
                    view = view[os.write(wfd, view):]
                code = 0
            finally:
                os._exit(code)
        os.close(wfd)
        try:
            # The bar walks the whole list at this process's pace; the child keeps up.
            own = set(mine)
            self._read_each((rel for rel in (progress(rels) if progress else rels) if rel in own), None, done)
            chunks = []
            while True:
                chunk = os.read(rfd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(rfd)
            _, status = os.waitpid(pid, 0)
        try:
            if status != 0:
                raise ValueError("the child failed")
            encoded, records, left = marshal.loads(b"".join(chunks))
            results = _decode_results(encoded)
        except Exception:
            self._read_each(theirs, None, done)
            return
        for rel in theirs:
            if rel in records and rel in results:
                result = results[rel]
                self.unread.pop(rel, None)
                self.cache.put_record(rel, records[rel], result)
                self.paths.add(rel)
                done.append(rel)
        self._read_each(left, None, done)  # unreadable or vanished in the child: handled here

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
            out.append(self._shown(rel, results))
        self.overlaid = len(self._overlaid)
        vault = Vault(self.root, self.config, tuple(out), tuple(self.config_problems + self.walk_problems))
        return self.notes.index().apply(vault) if self.config.notes else vault

    def _shown(self, rel: str, results: MutableMapping[str, FileResult]) -> FileResult:
        """The result the pages show for ``rel``: in watch mode, a broken file keeps its last good contact."""
        r = self.unread.get(rel) or results[rel]
        if r.contact is None and rel in self.last_good:
            self._overlaid.add(rel)
            return FileResult(rel, self.last_good[rel], r.problems)
        self._overlaid.discard(rel)
        return r

    def _pages_key(self, today: dt.date) -> str:
        # Compared for equality only, and small: kept as text, no hashing needed.
        return repr((today.isoformat(), self.config, self.config_problems, self.walk_problems, self.cache.settings,
                     self.notes.key()))

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
        if self.keep_last_good:
            written, people, errors = self._write_live(today)
        else:
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
        for name in ("attention.md", "reciprocity.md"):
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
        """Watch mode's render: only the people in files touched since the last one are re-rendered.

        The first time, after a change of day or settings, or if a cached
        result has gone missing, every person is rendered again.
        """
        from notebook_tool.render.pages import link
        from notebook_tool.write.pages import write_pages

        live = self._live
        results = self.cache.results()
        if (live is None or live.context != (today, repr(self.config))
                or any(rel in self.paths and rel not in self.unread and rel not in results for rel in self._touched)):
            # Everyone, one result at a time: with packed results, the vault
            # is never all objects at once (see vault() for the same walk).
            missing = [rel for rel in self.paths if rel not in results and rel not in self.unread]
            if missing:  # the cached results were damaged: read them now
                self._read(sorted(missing), None)
                results = self.cache.results()
            live = self._live = LivePages(today, self.config)
            self._overlaid = set()
            with no_gc():  # as for a full render in index()
                for rel in sorted(self.paths):
                    live.put(rel, self._noted(self._shown(rel, results)))
            # The rows are kept now: render.link's memo would only hold every
            # name and path again (~10 MB at 30,000 people).
            link.cache_clear()
        else:
            for rel in sorted(self._touched):
                live.put(rel, self._noted(self._shown(rel, results)) if rel in self.paths else None)
                if rel not in self.paths:
                    self._overlaid.discard(rel)
        self.overlaid = len(self._overlaid)
        self._touched.clear()
        texts, errors = live.pages(self.config_problems + self.walk_problems)
        from notebook_tool.render.extra import extra_page_functions, extra_pages
        from notebook_tool.render.pages import link_base_for

        if extra_page_functions():  # pages of the whole network: rendered from the whole vault
            texts.update(extra_pages(self.vault(), today, link_base_for(self.config.output)))
        return write_pages(self.root, self.config.output, texts), len(live.names), errors

    def _noted(self, r: FileResult) -> FileResult:
        """A contact's result with the touches of the notes that name it."""
        return self.notes.index().apply_result(r) if self.config.notes else r

    def save(self) -> None:
        self.notes.save()
        if self.use_cache:
            self.cache.save()


def _parse_for_parent(root: Path, rels: list[str], config: Config) -> bytes:
    """In a forked child: read and parse ``rels``; ``(results, records, files left for the parent)``."""
    from notebook_tool.store.cache import digest, encode_results, is_racy

    results: dict[str, FileResult] = {}
    records: dict[str, Any] = {}
    left: list[str] = []
    for rel in rels:
        try:
            got = read_stable(root, rel)
        except OSError:
            got = None
        if got is None:
            left.append(rel)
            continue
        st, read_ns, data = got
        results[rel] = read_file(root, rel, config, data=data)
        records[rel] = (stamp_of(st), digest(data) if is_racy(st, read_ns) else None)
    return marshal.dumps((encode_results(results), records, left))


def _decode_results(encoded: bytes) -> MutableMapping[str, FileResult]:
    import io

    from notebook_tool.store.cache import decode_results

    return decode_results(io.BytesIO(encoded), len(encoded))


class _Tag:
    """One tag's members in name order, with their weights (summed in that order, as ``render`` does)."""

    __slots__ = ("given", "names", "spellings", "taken")

    def __init__(self) -> None:
        self.names: list[tuple[str, str]] = []
        self.spellings: list[str] = []
        self.given: list[float] = []
        self.taken: list[float] = []


class LivePages:
    """The two pages of a vault that changes a file at a time (``guanxi watch``).

    A person's summary, attention reasons and the text of their rows depend
    only on their contact, the day and the config, so each person's rows are
    rendered once and kept, in two lists sorted by the keys ``render.build``
    and ``attention.attention`` sort by (insertions and removals by bisect).
    A save re-renders that person only; the pages are then the kept rows
    joined under headers, totals and per-tag sums recomputed from per-person
    weights *in name order* (so floating-point sums match ``render``'s to the
    bit). The page functions are ``render``'s own (``attention_page``,
    ``reciprocity_row``…), and the watch tests hold the result byte-equal to
    a fresh ``guanxi index``.
    """

    def __init__(self, today: dt.date, config: Config) -> None:
        from notebook_tool.compute.attention import Context
        from notebook_tool.render.pages import link_base_for

        self.today = today
        self.config = config
        self.context = (today, repr(config))
        self.ctx = Context(today, config)
        self.base = link_base_for(config.output)
        self.people: dict[str, Any] = {}  # path -> what put() recorded, to take it out again
        self.errors: dict[str, tuple[Problem, ...]] = {}  # path -> its error problems, if any
        # The reciprocity table, in name order: keys and parallel columns.
        self.names: list[tuple[str, str]] = []
        self.rows: list[str] = []
        self.given: list[float] = []
        self.taken: list[float] = []
        self.entries: list[int] = []
        self.give_first: list[bool | None] = []
        # The attention list, most urgent first.
        self.ranks: list[tuple[Any, ...]] = []
        self.items: list[str] = []
        self.tags: dict[str, _Tag] = {}
        self.tag_rows: dict[str, str] = {}
        self._dirty_tags: set[str] = set()

    def put(self, path: str, result: FileResult | None) -> None:
        """Take ``path``'s person off the pages and put ``result``'s on (``None``: the file is gone)."""
        from notebook_tool.compute.attention import attention, sort_key_name, urgency
        from notebook_tool.compute.ledger import summarize
        from notebook_tool.render.pages import attention_item, reciprocity_row

        old = self.people.pop(path, None)
        if old is not None:
            self._remove(*old)
        self.errors.pop(path, None)
        if result is None:
            return
        errors = tuple(p for p in result.problems if p.severity == "error")
        if errors:
            self.errors[path] = errors
        c = result.contact
        if c is None:
            return
        s = summarize(c, self.today, self.config.half_life_days)
        name = (sort_key_name(c.name), c.path)
        i = bisect.bisect_left(self.names, name)
        self.names.insert(i, name)
        self.rows.insert(i, reciprocity_row(s, self.base))
        self.given.insert(i, s.given)
        self.taken.insert(i, s.taken)
        self.entries.insert(i, len(c.entries))
        self.give_first.insert(i, s.give_first)
        rank: tuple[Any, ...] | None = None
        people = attention([s], self.ctx)
        if people:
            p = people[0]
            rank = urgency(p)
            j = bisect.bisect_left(self.ranks, rank)
            self.ranks.insert(j, rank)
            self.items.insert(j, attention_item(p, self.base))
        tags: dict[str, str] = {}  # casefolded -> as written first (render.by_tag)
        for tag in c.tags:
            tags.setdefault(tag.casefold(), tag)
        for key, spelling in tags.items():
            t = self.tags.get(key)
            if t is None:
                t = self.tags[key] = _Tag()
            k = bisect.bisect_left(t.names, name)
            t.names.insert(k, name)
            t.spellings.insert(k, spelling)
            t.given.insert(k, s.given)
            t.taken.insert(k, s.taken)
            self._dirty_tags.add(key)
        self.people[path] = (name, rank, tuple(tags))

    def _remove(self, name: tuple[str, str], rank: tuple[Any, ...] | None, tags: tuple[str, ...]) -> None:
        i = bisect.bisect_left(self.names, name)
        for column in (self.names, self.rows, self.given, self.taken, self.entries, self.give_first):
            del column[i]
        if rank is not None:
            j = bisect.bisect_left(self.ranks, rank)
            for column in (self.ranks, self.items):
                del column[j]
        for key in tags:
            t = self.tags[key]
            k = bisect.bisect_left(t.names, name)
            for column in (t.names, t.spellings, t.given, t.taken):
                del column[k]
            if not t.names:
                del self.tags[key]
            self._dirty_tags.add(key)

    def pages(self, vault_problems: Iterable[Problem]) -> tuple[dict[str, str], tuple[Problem, ...]]:
        """Both pages' text by file name, and the error problems they list."""
        from notebook_tool.render.pages import (
            TODAY_COUNT,
            Totals,
            attention_page,
            reciprocity_page,
            tag_row,
            today_from_item,
        )

        problems = list(vault_problems)
        for errs in self.errors.values():
            problems.extend(errs)
        errors = tuple(p for p in sorted(problems, key=lambda p: (p.path, p.line, p.col or 0, p.message))
                       if p.severity == "error")
        for key in self._dirty_tags:
            t = self.tags.get(key)
            if t is None:
                self.tag_rows.pop(key, None)
            else:
                self.tag_rows[key] = tag_row(t.spellings[0], len(t.names), sum(t.given), sum(t.taken))
        self._dirty_tags.clear()
        totals = Totals(people=len(self.names), entries=sum(self.entries), given=sum(self.given),
                        taken=sum(self.taken), give_first=self.give_first.count(True),
                        exchanged=len(self.give_first) - self.give_first.count(None))
        return {
            "attention.md": attention_page(self.today, errors, len(self.ranks), [today_from_item(item) for item in self.items[:TODAY_COUNT]],
                                           self.items, self.base),
            "reciprocity.md": reciprocity_page(self.today, totals, self.rows,
                                               [self.tag_rows[k] for k in sorted(self.tag_rows)]),
        }, errors


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
    cache = Cache.load(root, config.max_front_matter)
    if not folders_unchanged(root, config, cache.dirs):
        return None
    q = fold(query)
    if not q:
        return None
    rels, ends, blob = cache.names()
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
            return vault, resolve(vault.contacts, name)
        except ResolveError as exc:
            if exc.ambiguous:
                raise  # every file any stage could match was read: the ambiguity is real
            # else a file changed under the index: ask the whole vault
    vault = cached_vault(root, use_cache=use_cache)
    return vault, resolve(vault.contacts, name)


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
