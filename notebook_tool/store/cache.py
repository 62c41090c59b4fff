"""The store: what each file of a vault read as, and when, in an SQLite database outside the vault.

This module owns the store file and the rule for when a record in it may be
trusted. Nothing else opens it.

**Where.** ``$XDG_CACHE_HOME/guanxi/<key>.sqlite3`` (``~/.cache`` when the
variable is unset), where ``<key>`` is a hash of the vault's real path. A
vault is usually a shared git repository; nothing that arrives by ``git
clone`` is ever read as the store, and the store holds only plain data
(text, integers, JSON), so even a crafted store cannot run code: no
``pickle``, no ``marshal``. A store that is not a regular file of ours
(another owner, writable by others), not an SQLite database, damaged,
truncated, from another version of Guanxi or written under other settings is
ignored and rebuilt, silently. It is private (0600 in a 0700 folder): it
holds the vault's contents.

**What.** One row per file, keyed by vault-relative path, with a ``kind``
(``contact`` today; issue 11's notes will be ``note``): the file's *stamp*
``(mtime_ns, size, inode, ctime_ns)`` from one ``os.stat``, a content hash
while the stamp cannot be trusted alone (below), the folded names ``show``
searches, and the parse result as JSON. A ``meta`` table holds the settings
the rows depend on, the folder stamps and the fingerprint of the pages last
written.

**Racy files.** A file saved twice within one mtime tick (a few ms on ext4,
2 s on FAT) with the same size keeps its stamp. As in git, a file read while
its mtime is recent (within :data:`RACY_NS`) keeps its content hash too, and
is trusted only after it is read again and hashes the same; once the mtime is
old enough the hash is dropped, since any later write must move it.

**When.** Stamps and names load at open (one query); results load on first
use, all at once for a one-shot command, or one row per lookup in ``watch``
(``lazy``: the database is then the compact form of the vault, and memory
stays flat). Changes are written back in one transaction by :meth:`Cache.save`;
rows are self-contained (stamp and result together), so two processes saving
at once can only leave a row that is right for the file it describes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from notebook_tool.core.model import Birthday, Contact, Entry, FileResult, Problem

STORE_VERSION = 4
APPLICATION_ID = 0x47584E42  # "GXNB": marks the file as a Guanxi store
KIND_CONTACT = "contact"

# Files whose mtime is this close to the moment they were read are "racy":
# trusted only when their content hash still matches. 2 s covers FAT's mtime
# resolution and small clock skew with network file systems.
RACY_NS = 2_000_000_000

Stamp = tuple[int, int, int, int]  # (mtime_ns, size, inode, ctime_ns)
# What is known about one file: its stamp and, only while the stamp cannot be
# trusted alone (racy), a hash of its content.
Record = tuple[Stamp, bytes | None]


def stamp_of(st: os.stat_result) -> Stamp:
    """A file's stamp; the one definition every comparison uses."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def is_racy(st: os.stat_result, read_ns: int) -> bool:
    """True when a later same-tick write could leave the stamp unchanged (a future mtime counts too)."""
    return read_ns - st.st_mtime_ns < RACY_NS


def store_dir() -> Path:
    """``$XDG_CACHE_HOME/guanxi`` (``~/.cache/guanxi`` by default): per user, outside every vault."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if os.path.isabs(base):  # the XDG spec ignores a relative value
        return Path(base) / "guanxi"
    try:
        return Path.home() / ".cache" / "guanxi"
    except (RuntimeError, KeyError):
        raise OSError("no home folder for the store") from None  # callers treat it as "no store"


_MEMO_CHUNK = 1 << 20  # bytes compressed at a time


def _memo_blob(output: bytes) -> bytes:
    """``output`` (UTF-8) as the memo table keeps it: zlib at level 1, a megabyte at a time.

    Why: check's output at 30,000 people is ~16 MB; bound as it is, SQLite takes a
    copy of it and its page cache another, where this is ~2 MB (level 1: ~50 ms;
    decompressing on a hit costs about as much as the copies it replaces).
    """
    z = zlib.compressobj(1)
    view = memoryview(output)
    parts = [z.compress(view[i:i + _MEMO_CHUNK]) for i in range(0, len(view), _MEMO_CHUNK)]
    parts.append(z.flush())
    return b"".join(parts)


def _memo_output(blob: bytes) -> bytes:
    """The output :func:`_memo_blob` kept; ``zlib.error`` for anything else (zlib checks its own
    Adler-32, so a damaged row is refused, not printed)."""
    return zlib.decompress(blob)


def store_path(root: Path) -> Path:
    """The store file of the vault at ``root``, keyed by the vault's real path."""
    real = os.path.realpath(root)
    key = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    return store_dir() / f"{key}.sqlite3"


def code_fingerprint(subpackages: tuple[str, ...] = ("core", "read", "store")) -> str:
    """Changes whenever Guanxi's own code changes, so an upgrade drops old results.

    Stat of the modules the stored data depends on (by default the model,
    the readers and this store, for parse results; the pages' pieces add
    compute and render), the store version and the Python version. Cheap:
    no reading.
    """
    parts = [f"v{STORE_VERSION}", "py%d.%d" % sys.version_info[:2]]
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for sub in subpackages:
        folder = os.path.join(pkg, sub)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
        except OSError:
            continue
        for name in names:
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{sub}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles.

    Building a vault's worth of contacts makes the collector scan the growing
    heap again and again: 10–25% of a cold index. Reference counting still
    frees everything. Afterwards what was built is frozen (``gc.freeze``)
    before the collector resumes: it is what the command (or ``watch``'s
    session) works from to the end, and its first full collection would
    otherwise scan it all once more (27 ms of the 70 ms that restoring the
    pages takes at 30,000 people). Frozen objects are still freed by
    reference counting; only a cycle made inside the block would outlive
    its use, and the model holds none.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


# -- results as JSON ----------------------------------------------------------------
# A result is stored as a JSON array of its fields in model order; dates as
# ordinals. The fields of Contact are known and typed by the parser; ``extra``
# (any value YAML built from a field Guanxi does not know) is encoded with
# tags for what JSON lacks, and checked by decoding it again: a value the
# codec cannot carry exactly means the result is not stored (the file is
# simply parsed again next time: slower, never wrong).

_CONTACT = ("name", "path", "aliases", "emails", "phones", "links", "company", "role", "tags", "met",
            "via", "why", "cadence_days", "birthday", "snooze", "needs", "offers", "entries", "extra")
_TUPLES = frozenset({"aliases", "emails", "phones", "links", "tags", "needs", "offers"})
_DATES = frozenset({"met", "snooze"})
_ENTRY = ("kind", "date", "text", "weight", "status", "links", "tags", "line")
_PROBLEM = ("path", "line", "message", "col", "severity")
# The codec knows this model; another (a field added) and nothing is stored.
CODEC_OK = (
    tuple(Contact.__dataclass_fields__) == _CONTACT
    and tuple(Entry.__dataclass_fields__) == _ENTRY
    and tuple(Problem.__dataclass_fields__) == _PROBLEM
    and tuple(Birthday.__dataclass_fields__) == ("month", "day", "year")
    and tuple(FileResult.__dataclass_fields__) == ("path", "contact", "problems")
)


class Unstorable(ValueError):
    """A value the JSON codec cannot carry exactly."""


def _tag(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else {"f": repr(v)}
    if isinstance(v, list):
        return [_tag(x) for x in v]
    if isinstance(v, tuple):
        return {"T": [_tag(x) for x in v]}
    if isinstance(v, dict):
        return {"D": [[_tag(k), _tag(x)] for k, x in v.items()]}
    if isinstance(v, dt.datetime):
        return {"t": v.isoformat()}
    if isinstance(v, dt.date):
        return {"d": v.isoformat()}
    if isinstance(v, bytes):
        return {"b": v.hex()}
    raise Unstorable(type(v).__name__)


def _untag(v: Any) -> Any:
    if isinstance(v, list):
        return [_untag(x) for x in v]
    if not isinstance(v, dict):
        return v
    (tag, x), = v.items()
    if tag == "T":
        return tuple(_untag(i) for i in x)
    if tag == "D":
        return {_untag(k): _untag(i) for k, i in x}
    if tag == "t":
        return dt.datetime.fromisoformat(x)
    if tag == "d":
        return dt.date.fromisoformat(x)
    if tag == "b":
        return bytes.fromhex(x)
    if tag == "f":
        return float(x)
    raise ValueError(f"unknown tag {tag!r}")


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1 == 1.0 == True`` must not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(k, j) and _same(a[k], b[j]) for k, j in zip(a, b))
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def encode_result(r: FileResult) -> str:
    """``r`` as JSON text; raises :class:`Unstorable` for a value the codec cannot carry exactly."""
    if not CODEC_OK:
        raise Unstorable("the model is not the one this codec knows")
    c = r.contact
    contact: list[Any] | None = None
    if c is not None:
        contact = []
        for name in _CONTACT:
            v = getattr(c, name)
            if name == "entries":
                v = [[e.kind, e.date.toordinal(), e.text, e.weight, e.status, e.links, e.tags, e.line] for e in v]
            elif name in _DATES:
                v = None if v is None else v.toordinal()
            elif name == "birthday":
                v = None if v is None else [v.month, v.day, v.year]
            elif name == "extra" and v:
                tagged = _tag(v)
                if not _same(_untag(json.loads(json.dumps(tagged))), v):
                    raise Unstorable("extra does not round-trip")
                v = tagged
            contact.append(v)
    problems = [[p.path, p.line, p.message, p.col, p.severity] for p in r.problems]
    try:
        return json.dumps([r.path, contact, problems], ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as exc:  # a NaN weight, say
        raise Unstorable(str(exc)) from exc


def decode_result(text: str, days: dict[int, dt.date] | None = None) -> FileResult:
    """The :class:`FileResult` :func:`encode_result` wrote; raises ``ValueError`` on anything else.

    Objects are built field by field without ``__init__`` (they are frozen),
    and equal dates are shared (``days``), which saves memory and time.
    """
    if not CODEC_OK:
        raise ValueError("the model is not the one this codec knows")
    days = {} if days is None else days
    new, put = object.__new__, object.__setattr__

    def day(n: int) -> dt.date:
        d = days.get(n)
        if d is None:
            d = days[n] = dt.date.fromordinal(n)
        return d

    try:
        path, c, probs = json.loads(text)
        contact = None
        if c is not None:
            if len(c) != len(_CONTACT):
                raise ValueError("wrong number of fields")
            contact = new(Contact)
            for name, v in zip(_CONTACT, c):
                if name == "entries":
                    entries = []
                    for kind, d, etext, weight, status, links, tags, line in v:
                        e = new(Entry)
                        put(e, "kind", kind)
                        put(e, "date", day(d))
                        put(e, "text", etext)
                        put(e, "weight", weight)
                        put(e, "status", status)
                        put(e, "links", tuple(links))
                        put(e, "tags", tuple(tags))
                        put(e, "line", line)
                        entries.append(e)
                    v = tuple(entries)
                elif name in _TUPLES:
                    v = tuple(v)
                elif name in _DATES:
                    v = None if v is None else day(v)
                elif name == "birthday":
                    v = None if v is None else Birthday(*v)
                elif name == "extra":
                    v = _untag(v) if v else ()
                put(contact, name, v)
        problems = tuple(Problem(*p) for p in probs)
    except (TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise ValueError(f"not a stored result: {exc}") from exc
    r = new(FileResult)
    put(r, "path", path)
    put(r, "contact", contact)
    put(r, "problems", problems)
    return r


# -- the store ----------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, ino INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    hash BLOB,
    keys TEXT NOT NULL,
    result TEXT,
    piece_ctx TEXT,
    piece_name TEXT,
    piece TEXT
);
CREATE INDEX IF NOT EXISTS files_by_piece ON files (piece_ctx, piece_name, path);
-- Warm commands load the stamps from meta's 'stamps' row; the row count that checks
-- it, and the stamps read when it does not match, come from this covering index,
-- not from rows that carry each file's whole parse result (3x faster at 30,000 files).
CREATE INDEX IF NOT EXISTS files_stamps ON files (kind, path, mtime_ns, size, ino, ctime_ns, hash);
-- What a read-only command printed (list, report, check), for the store generation it was
-- computed from; see Cache.memo. The output is kept as UTF-8 compressed with zlib (a BLOB in
-- the TEXT column; a row of TEXT, written before, is a miss).
CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, gen TEXT NOT NULL, output TEXT NOT NULL);
"""
_DELETED = object()  # in Cache._pending: the row is to be deleted
MEMO_KEEP = 16  # outputs kept per vault (one per command and options): the newest


def _open(path: Path, create: bool) -> sqlite3.Connection | None:
    """The database at ``path`` if it is ours and well formed, else ``None`` (after removing it)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError:
        return None
    if st is not None:
        import stat as statmod

        if (not statmod.S_ISREG(st.st_mode) or st.st_mode & 0o022
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
            return None  # not ours to trust, nor to delete
    elif not create:
        return None
    conn = None
    try:
        if st is None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # private from the start
            os.close(fd)
        # One thread at a time (watch builds its state in one thread and runs in another).
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        # A store file is data: no code in the schema is ever trusted.
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("PRAGMA cell_size_check=ON")
        app, = conn.execute("PRAGMA application_id").fetchone()
        version, = conn.execute("PRAGMA user_version").fetchone()
        if app == 0 and version == 0 and not conn.execute("SELECT 1 FROM sqlite_master").fetchone():
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={STORE_VERSION}")
        elif app != APPLICATION_ID or version != STORE_VERSION:
            raise sqlite3.DatabaseError("not this version's store")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # a lost store is rebuilt: durability is not needed
        return conn
    except (sqlite3.Error, OSError, ValueError):
        if conn is not None:
            conn.close()
        _remove(path)
        return _open(path, create) if create and st is not None else None


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            p.unlink()


class StoredResults(MutableMapping[str, FileResult]):
    """``watch``'s results: each looked up in the store when needed, changes kept until saved.

    Holding 30,000 contacts as objects costs ~170 MB; the store already
    holds them compactly, so watch keeps only the files changed since the
    last save. A row that cannot be read is simply missing (its file is
    read again).
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._days: dict[int, dt.date] = {}

    def __getitem__(self, rel: str) -> FileResult:
        pending = self._cache._pending.get(rel)
        if pending is _DELETED:
            raise KeyError(rel)
        if pending is not None and pending is not _KEEP:
            return pending  # type: ignore[return-value]
        if rel not in self._cache.records:
            raise KeyError(rel)
        text = self._cache.row_result(rel)
        if text is None:
            raise KeyError(rel)
        try:
            return decode_result(text, self._days)
        except ValueError:
            raise KeyError(rel) from None

    def __contains__(self, rel: object) -> bool:
        # Without decoding: a row that turns out unreadable is a KeyError, and read again then.
        pending = self._cache._pending.get(rel)  # type: ignore[call-overload]
        if pending is not None:
            return pending is not _DELETED
        return rel in self._cache.records

    def __setitem__(self, rel: str, result: FileResult) -> None:
        self._cache._pending[rel] = result

    def __delitem__(self, rel: str) -> None:
        self._cache._pending[rel] = _DELETED

    def __iter__(self) -> Iterator[str]:
        return iter([rel for rel in self._cache.records if rel in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Cache:
    """The store of one vault, in memory; see the module docstring.

    ``records`` (stamps and hashes) load at :meth:`load`; :meth:`results`
    and :meth:`names` on first use. ``dirs`` is what
    ``incremental`` recorded about folders, ``pages`` the fingerprint of the
    pages last written. Changes stay in memory until :meth:`save`.
    """

    def __init__(self, root: Path, settings: str, lazy: bool = False) -> None:
        self.root = root
        self.lazy = lazy  # watch: results looked up per file (memory over speed)
        self.settings = settings  # what results depend on besides the bytes (code, max_front_matter)
        self.dirs: dict[str, Any] = {}
        self.pages: dict[str, Any] = {}
        # Whole-vault pages that say what they read: name -> [key of their inputs, stamp as written,
        # and maybe what their ``unchanged`` hook needs].
        # Not cleared by a read (pages is): the key itself says whether the inputs changed.
        self.extra: dict[str, Any] = {}
        self.dirty = False
        self.records: dict[str, Record] = {}
        # The stamps row as loaded (when the records came from it), and its text for the records as
        # they are now, made once per change of them (save() writes it; a snapshot records its hash).
        self.stamps_loaded: bytes | None = None
        self._records_gen = 0
        self._stamps_memo: tuple[int, bytes] | None = None
        # Folded names of the files read since the store was opened; the others' are
        # loaded only by names() (``show``): most commands never need them.
        self.keys: dict[str, tuple[str, ...]] = {}
        self._conn: sqlite3.Connection | None = None
        self._results: MutableMapping[str, FileResult] | None = StoredResults(self) if lazy else {}
        self._pending: dict[str, FileResult | object] = {}  # rel -> result to write, or _DELETED
        self._pieces: dict[str, tuple[str, str, Any]] = {}  # rel -> (context, name, piece) to write
        self._dropped: set[str] = set()  # rels whose stored piece no longer shows them (a note changed)
        self._names: tuple[list[str], list[int], str] | None = None
        self.path: Path | None = None

    # -- loading -------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path, max_front_matter: int, lazy: bool = False, records: bool = True) -> Cache:
        """The store of ``root``, or an empty one if it is missing or cannot be trusted.

        ``records=False``: only the meta table (``show``'s folder stamps and
        names); such a cache is read-only.
        """
        settings = f"{code_fingerprint()}|mfm={max_front_matter}"
        cache = cls(root, settings, lazy)
        try:
            cache.path = store_path(root)
        except OSError:
            return cache  # nowhere to keep a store: every command still works, just not faster
        conn = _open(cache.path, create=False)
        if conn is None:
            return cache
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if json.loads(meta.get("settings", "null")) != settings:
                conn.close()
                return cache  # another version or other settings: rebuilt (save() clears the rows)
            dirs, pages = json.loads(meta.get("dirs", "{}")), json.loads(meta.get("pages", "{}"))
            table: dict[str, Record] = {}
            blob = meta.get("stamps") if records else None
            if blob is not None:
                # The blob must decode and list the files the rows hold (a row count from the index
                # is cheap): else another process saved meanwhile, or it is damaged; then the rows'
                # own stamps are read, and the store is kept.
                try:
                    with no_gc():  # 60,000 tuples: the collector would run ~85 times over them (6 ms)
                        table = _stamps_from_row(blob)
                    count, = conn.execute("SELECT count(*) FROM files WHERE kind = ?", (KIND_CONTACT,)).fetchone()
                    if count != len(table):
                        blob, table = None, {}
                except (ValueError, TypeError):
                    blob, table = None, {}
            if blob is None and records:
                for rel, m, s, i, c, h in conn.execute(
                        "SELECT path, mtime_ns, size, ino, ctime_ns, hash FROM files WHERE kind = ?",
                        (KIND_CONTACT,)):
                    table[rel] = ((m, s, i, c), h)
            cache._names_text = meta.get("names")
            cache.gen = str(meta.get("gen", ""))
            cache.read_only = not records
            if not isinstance(dirs, dict) or not isinstance(pages, dict):
                raise ValueError("not a meta table")
            cache.dirs, cache.pages = _dirs_from_json(dirs), _pages_from_json(pages)
            extra = json.loads(meta.get("extra", "{}"))
            if isinstance(extra, dict):
                cache.extra = {k: v for k, v in extra.items() if isinstance(v, list) and len(v) in (2, 3)}
        except (sqlite3.Error, ValueError, TypeError, AttributeError):
            conn.close()
            _remove(cache.path)
            return cls._fresh(cache)
        cache.records = table
        cache.stamps_loaded = blob if records and blob is not None else None
        cache._results = StoredResults(cache) if lazy else None
        cache._conn = conn
        cache._stored_settings = True
        return cache

    @classmethod
    def _fresh(cls, old: Cache) -> Cache:
        cache = cls(old.root, old.settings, old.lazy)
        cache.path = old.path
        cache.dirty = True
        return cache

    _stored_settings = False  # the rows on disk were written under these settings
    _names_text: str | None = None  # the names haystack as the meta table keeps it (JSON)
    read_only = False  # loaded without its records: never saved
    _names_fresh = False  # names() built the haystack from the rows: worth keeping
    # The store's generation: a new random token whenever a save changes what any file read as
    # (rows written or deleted), so an output memoised under it is known to be of these files.
    gen = ""

    def memo(self, key: str) -> bytes | None:
        """The output (UTF-8) memoised under ``key`` for this generation of the store, if any.

        Only trust it when nothing changed since the store was loaded (the
        caller's rescan found no change): the generation then names exactly
        the files on disk.
        """
        if self._conn is None or not self.gen or self._pending_content():
            return None
        try:
            row = self._conn.execute("SELECT output FROM memo WHERE key = ? AND gen = ?", (key, self.gen)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[0], bytes):
            return None
        try:
            return _memo_output(row[0])
        except zlib.error:
            return None  # not what put_memo wrote: made again (and written again) by the caller

    def _pending_content(self) -> bool:
        return any(v is not _KEEP for v in self._pending.values()) or not self._stored_settings

    def put_memo(self, key: str, output: bytes) -> None:
        """Keep ``output`` under ``key`` for the next identical command (after :meth:`save`).

        Written only if the store still is the generation this process
        loaded or saved, so an output is never filed under files it did not see.
        """
        if self.read_only or self.dirty or not self.gen:
            return  # not saved: no generation to vouch for the output
        try:
            path = self.path or store_path(self.root)
        except OSError:
            return
        conn = self._conn or _open(path, create=False)
        if conn is None:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            now = conn.execute("SELECT value FROM meta WHERE key = 'gen'").fetchone()
            if now is not None and now[0] == self.gen:
                conn.execute("DELETE FROM memo WHERE key = ? OR gen != ?", (key, self.gen))
                conn.execute("INSERT INTO memo VALUES (?, ?, ?)", (key, self.gen, _memo_blob(output)))
                conn.execute(f"DELETE FROM memo WHERE rowid NOT IN (SELECT rowid FROM memo ORDER BY rowid DESC "
                             f"LIMIT {MEMO_KEEP})")
            conn.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        finally:
            if conn is not self._conn:
                conn.close()

    def row_result(self, rel: str) -> str | None:
        """One file's stored result text (watch's lookups)."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT result, mtime_ns, size, ino, ctime_ns FROM files WHERE path = ?",
                                     (rel,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or self.records.get(rel, ((), None))[0] != tuple(row[1:]):
            return None  # rewritten by another process meanwhile: not the file this record describes
        return row[0]  # type: ignore[no-any-return]

    def results(self) -> MutableMapping[str, FileResult]:
        """Every stored result whose row still matches its record; loaded on first call."""
        if self._results is None:
            out: dict[str, FileResult] = {}
            days: dict[int, dt.date] = {}
            records = self.records
            try:
                assert self._conn is not None
                with no_gc():
                    for rel, text, m, s, i, c in self._conn.execute(
                            "SELECT path, result, mtime_ns, size, ino, ctime_ns FROM files WHERE kind = ?",
                            (KIND_CONTACT,)):
                        rec = records.get(rel)
                        if text is None or rec is None or rec[0] != (m, s, i, c):
                            continue  # not stored, or rewritten meanwhile: the file is read again
                        try:
                            out[rel] = decode_result(text, days)
                        except ValueError:
                            continue
            except sqlite3.Error:
                pass  # what could be read is kept; the rest is read from the files
            for rel, v in self._pending.items():  # changed since the store was opened
                if v is _DELETED:
                    out.pop(rel, None)
                elif isinstance(v, FileResult):
                    out[rel] = v
            self._results = out
            self._close_if_loaded()
        return self._results

    def holds_all(self, rels: Iterable[str]) -> bool:
        """Every result of ``rels`` is in memory already (all loaded, or each read by this process)."""
        if isinstance(self._results, dict):  # loaded (watch's StoredResults looks each up in the store)
            return True
        pending = self._pending
        return all(isinstance(pending.get(rel), FileResult) for rel in rels)

    def each_result(self, wanted: set[str]) -> Iterator[tuple[str, FileResult]]:
        """The stored results of the files in ``wanted`` whose row still matches its record, one at a
        time and none kept (making every person's row needs each once: holding all is 250 MB at
        30,000 people); what changed since the store was opened first. A file not given is read
        again by the caller."""
        if isinstance(self._results, dict):  # loaded already
            yield from ((rel, r) for rel, r in self._results.items() if rel in wanted)
            return
        pending = self._pending
        for rel, v in pending.items():
            if rel in wanted and isinstance(v, FileResult):
                yield rel, v
        if self._conn is None:
            return
        days: dict[int, dt.date] = {}
        records = self.records
        try:
            rows = self._conn.execute("SELECT path, result, mtime_ns, size, ino, ctime_ns FROM files WHERE kind = ?",
                                      (KIND_CONTACT,))
            for rel, text, m, s, i, c in rows:
                rec = records.get(rel)
                if rel not in wanted or rel in pending or text is None or rec is None or rec[0] != (m, s, i, c):
                    continue
                try:
                    yield rel, decode_result(text, days)
                except ValueError:
                    continue
        except sqlite3.Error:
            return

    def _close_if_loaded(self) -> None:
        # A one-shot command has everything in memory now; save() opens again.
        if not self.lazy and self._conn is not None:
            self._conn.close()
            self._conn = None

    def result(self, rel: str) -> FileResult | None:
        """One file's result without loading the others (rendering from pieces needs only a few)."""
        pending = self._pending.get(rel)
        if pending is _DELETED:
            return None
        if isinstance(pending, FileResult):
            return pending
        if self._results is not None:
            return self._results.get(rel)
        text = self.row_result(rel)
        if text is None:
            return None
        try:
            return decode_result(text)
        except ValueError:
            return None

    def pieces(self, context: str) -> dict[str, Any]:
        """The stored page pieces made under ``context`` for files whose row still matches its record.

        In the order of their ``name`` (as given to :meth:`put_piece`), so
        that sorting them again costs one pass. Plain JSON values (the caller
        rebuilds its tuples and checks their shape); if the pieces cannot be
        read, none is returned and every person is rendered again.
        """
        if self._conn is None:
            return {}
        try:
            rows = self._conn.execute(
                "SELECT path, mtime_ns, size, ino, ctime_ns, piece FROM files WHERE piece_ctx = ? AND kind = ? "
                "ORDER BY piece_name, path", (context, KIND_CONTACT)).fetchall()
            # One decode for all (30,000 small decodes cost three times as much).
            values = json.loads("[" + ",".join(r[5] for r in rows) + "]")
        except (sqlite3.Error, ValueError, TypeError):
            return {}
        if len(values) != len(rows):
            return {}
        records, pending = self.records, self._pending
        out: dict[str, Any] = {}
        for (rel, m, s, i, c, _), value in zip(rows, values):
            rec = records.get(rel)
            if rec is not None and rec[0] == (m, s, i, c) and rel not in pending:
                out[rel] = value
        return out

    def put_piece(self, rel: str, context: str, name: str, piece: Any) -> None:
        """Keep what ``rel``'s person puts on the pages under ``context`` (written by :meth:`save`).

        ``name`` orders the pieces as :meth:`pieces` returns them.
        """
        # Kept as the value, made JSON one at a time as save writes it: a cold index puts 30,000
        # pieces (their rows, events and inputs), ~100 MB as JSON texts held until the save, while
        # the value's strings are the ones the pages hold anyway. The caller's values are made
        # fresh for each put and never changed after (tuples, and lists no one else holds).
        self._pieces[rel] = (context, name, piece)
        self.dirty = True

    def stamps_row(self) -> bytes:
        """The stamps row for the records as they are now (:func:`_stamps_to_row`)."""
        if self._stamps_memo is None or self._stamps_memo[0] != self._records_gen:
            self._stamps_memo = (self._records_gen, _stamps_to_row(self.records))
        return self._stamps_memo[1]

    def drop_piece(self, rel: str) -> None:
        """Forget ``rel``'s stored piece (written by :meth:`save`): what it shows changed without its
        file changing — a note that names the person — so no later command may place it again."""
        self._dropped.add(rel)
        self.dirty = True

    def keep_names(self) -> None:
        """Keep the haystack :meth:`names` had to build, so the next ``show`` reads one row."""
        if not self._names_fresh or self._names is None or self._conn is None or self.keys:
            return
        try:
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('names', ?)",
                               (json.dumps(list(self._names), ensure_ascii=False),))
        except sqlite3.Error:
            pass  # read-only store folder: built again next time
        self._names_fresh = False

    def names(self) -> tuple[list[str], list[int], str]:
        """``(paths, ends, haystack)``: every file's folded names in one string (see :func:`_haystack`)."""
        if self._names is None and self._names_text is not None and not self.keys:
            try:  # one row: show need not read every file's names
                rels, ends, blob = json.loads(self._names_text)
                if isinstance(rels, list) and isinstance(ends, list) and isinstance(blob, str) \
                        and len(rels) == len(ends):
                    self._names = (rels, ends, blob)
            except (ValueError, TypeError):
                pass
        if self._names is None:
            stored: dict[str, tuple[str, ...]] = {}
            if self._conn is not None:
                try:
                    stored = {rel: tuple(k.split("\x1f")) if k else () for rel, k in self._conn.execute(
                        "SELECT path, keys FROM files WHERE kind = ?", (KIND_CONTACT,))}
                except sqlite3.Error:
                    stored = {}
            keys = self.keys
            wanted = self.records if not self.read_only else stored
            self._names = _haystack({rel: keys[rel] if rel in keys else stored.get(rel, ()) for rel in wanted})
            self._names_fresh = True
        return self._names

    # -- entries -------------------------------------------------------------------
    def valid(self, rel: str, st: os.stat_result, now_ns: int | None = None) -> bool:
        """True when the stored result for ``rel`` still describes the file.

        For a racy record this reads the file and compares hashes; when the
        file has since aged past the racy window the hash is dropped.
        """
        rec = self.records.get(rel)
        if rec is None or rec[0] != stamp_of(st):
            return False
        if rec[1] is None:
            return True
        now_ns = time.time_ns() if now_ns is None else now_ns
        try:
            data = (self.root / rel).read_bytes()
            after = os.stat(self.root / rel)
        except OSError:
            return False
        if stamp_of(after) != rec[0] or digest(data) != rec[1]:
            return False
        if not is_racy(st, now_ns):
            self.records[rel] = (rec[0], None)  # old enough now: the stamp alone will catch any change
            self._records_gen += 1
            self._touch(rel)
        return True

    def _touch(self, rel: str) -> None:
        """``rel``'s row must be written again (its record changed, its result did not)."""
        if rel not in self._pending:
            result = self._results.get(rel) if self._results is not None else None
            self._pending[rel] = result if result is not None else _KEEP
        self.dirty = True

    def put(self, rel: str, st: os.stat_result, read_ns: int, data: bytes, result: FileResult) -> None:
        """Record what ``rel`` read as; ``st`` is the stat taken *before* reading ``data``."""
        if self._results is not None and not self.lazy:  # else results() overlays it when loaded
            self._results[rel] = result
        self._pending[rel] = result
        self.records[rel] = (stamp_of(st), digest(data) if is_racy(st, read_ns) else None)
        self._records_gen += 1
        self.keys[rel] = resolve_keys(result)
        self._names = None
        self.pages.clear()  # the pages no longer match the files: whoever renders next records anew
        self.dirty = True

    def forget(self, rel: str) -> None:
        if rel in self.records or rel in self._pending:
            self.records.pop(rel, None)
            self._records_gen += 1
            self.keys.pop(rel, None)
            if self._results is not None and not self.lazy:
                self._results.pop(rel, None)
            self._pending[rel] = _DELETED
            self._names = None
            self.pages.clear()
            self.dirty = True

    # -- saving --------------------------------------------------------------------
    def save(self) -> bool:
        """Write what changed in one transaction; False if the store could not be written."""
        if self.read_only:
            return False
        if not self.dirty and not (self._names_fresh and not self.keys):
            return True
        try:
            path = self.path or store_path(self.root)
        except OSError:
            return False
        self.path = path
        conn = self._conn or _open(path, create=True)
        if conn is None:
            return False  # no writable cache folder: every command still works, just not faster
        try:
            conn.execute("BEGIN IMMEDIATE")
            new_gen = self._pending_content() or not self.gen
            if not self._stored_settings:
                conn.execute("DELETE FROM files")  # rows of other settings, or none
                self._stored_settings = True
                pending: dict[str, Any] = {rel: self._result_for(rel) for rel in self.records}
                pending.update({rel: v for rel, v in self._pending.items() if v is _DELETED})
            else:
                pending = self._pending
            kept = []
            gone = []
            pieces = dict(self._pieces)
            changed = []
            for rel, result in pending.items():
                if result is _DELETED or rel not in self.records:
                    gone.append((rel,))
                elif result is _KEEP:  # only the record changed (a racy hash dropped)
                    kept.append((*self.records[rel][0], self.records[rel][1], rel))
                else:
                    changed.append((rel, result))

            def rows() -> Iterator[tuple[Any, ...]]:
                # Encoded one at a time as SQLite takes them: never the whole vault's text at once.
                for rel, result in changed:
                    text = None
                    if result is not None:
                        with contextlib.suppress(Unstorable):
                            text = encode_result(result)
                    stamp, h = self.records[rel]
                    ctx, name, value = pieces.pop(rel, (None, None, None))
                    piece = None if value is None else _piece_json(value)
                    if piece is None:
                        ctx = name = None
                    yield (rel, KIND_CONTACT, *stamp, h, "\x1f".join(self.keys.get(rel, ())), text, ctx, name, piece)

            conn.executemany("DELETE FROM files WHERE path = ?", gone)
            conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
            conn.executemany("UPDATE files SET mtime_ns = ?, size = ?, ino = ?, ctime_ns = ?, hash = ? "
                             "WHERE path = ?", kept)
            conn.executemany("UPDATE files SET piece_ctx = NULL, piece_name = NULL, piece = NULL WHERE path = ?",
                             [(rel,) for rel in self._dropped if rel not in pieces])
            # A piece is kept only on the row of the file version it was made from.
            conn.executemany(
                "UPDATE files SET piece_ctx = ?, piece_name = ?, piece = ? WHERE path = ? AND mtime_ns = ? "
                "AND size = ? AND ino = ? AND ctime_ns = ?",
                ((ctx, name, text, rel, *self.records[rel][0]) for rel, (ctx, name, value) in pieces.items()
                 if rel in self.records and (text := _piece_json(value)) is not None))
            if self.keys or gone:  # names changed: show rebuilds the haystack once, and keeps it
                conn.execute("DELETE FROM meta WHERE key = 'names'")
            elif self._names_fresh and self._names is not None:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('names', ?)",
                             (json.dumps(list(self._names), ensure_ascii=False),))
            gen = os.urandom(12).hex() if new_gen else self.gen
            if new_gen:
                conn.execute("DELETE FROM memo")  # outputs of files that have changed since
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("gen", gen),
                ("stamps", self.stamps_row()),
                ("settings", json.dumps(self.settings)),
                ("dirs", json.dumps(self.dirs)),
                ("pages", json.dumps(_pages_to_json(self.pages))),
                ("extra", json.dumps(self.extra)),
            ])
            conn.execute("COMMIT")
        except (sqlite3.Error, OverflowError, ValueError, TypeError):
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self._conn = None
            _remove(path)  # damaged or unwritable: the next command starts afresh
            return False
        self._pending = {}
        self._pieces = {}
        self._dropped = set()
        self._names_fresh = False
        self.dirty = False
        self.gen = gen
        if self.lazy:
            self._conn = conn
        else:
            conn.close()
            self._conn = None
        return True

    def _result_for(self, rel: str) -> Any:
        r = self._pending.get(rel)
        if r is not None and r is not _KEEP:
            return r
        return self._results.get(rel) if self._results is not None else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_KEEP = object()  # in Cache._pending: keep the row's stored result, rewrite its record


def _piece_json(value: Any) -> str | None:
    """A piece as its row keeps it; None if it is not plain data (then not kept: rendered again)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


STAMPS_MAGIC = b"GXSTAMPS1\n"
_INT64 = range(-(2**63), 2**63)


def _stamps_to_row(records: dict[str, Record]) -> bytes:
    """Every record as one row of meta: what every warm command loads first.

    Plain data in one blob: ``STAMPS_MAGIC``, the count and the byte length of
    the paths (8 bytes each, big-endian), the paths joined by NUL (no path
    holds one), their stamps as little-endian int64 (4 per path), then JSON of the
    few records that do not fit: ``{"hashes": {path: hex}, "wide": {path:
    stamp}}`` (a hash while a file is racy; a stamp beyond int64, its slot
    zeros). Decoding it takes a fifth of the time of the same stamps as JSON,
    encoding it a sixth (it is written after every edit). The rows keep their
    own stamps, checked before any row's result is used, so a blob that
    another process overwrote can only make a file be read again.
    """
    rels = list(records)
    values: list[int] = []
    hashes: dict[str, str] = {}
    wide: dict[str, list[int]] = {}
    for rel in rels:
        stamp, h = records[rel]
        values.extend(stamp)
        if h is not None:
            hashes[rel] = h.hex()
    try:
        flat = array("q", values)
    except OverflowError:  # an inode number past 2**63 (some network file systems): kept apart
        for i, rel in enumerate(rels):
            if not all(v in _INT64 for v in values[4 * i : 4 * i + 4]):
                wide[rel] = values[4 * i : 4 * i + 4]
                values[4 * i : 4 * i + 4] = [0, 0, 0, 0]
        flat = array("q", values)
    paths = "\0".join(rels).encode("utf-8", "surrogatepass")
    rest = json.dumps({"hashes": hashes, "wide": wide}, separators=(",", ":")).encode("ascii")
    if sys.byteorder != "little":
        flat.byteswap()  # the blob is the same on every machine
    return b"".join((STAMPS_MAGIC, len(rels).to_bytes(8, "big"), len(paths).to_bytes(8, "big"), paths,
                     flat.tobytes(), rest))


def _stamps_from_row(blob: object) -> dict[str, Record]:
    """The records :func:`_stamps_to_row` wrote; raises ``ValueError`` or ``TypeError`` on anything else."""
    if not isinstance(blob, bytes) or not blob.startswith(STAMPS_MAGIC):
        raise ValueError("not a stamps row")
    at = len(STAMPS_MAGIC)
    count, size = int.from_bytes(blob[at : at + 8], "big"), int.from_bytes(blob[at + 8 : at + 16], "big")
    at += 16
    if at + size + 32 * count > len(blob):
        raise ValueError("stamps row truncated")
    try:
        text = blob[at : at + size].decode("utf-8", "surrogatepass")
        extra = json.loads(blob[at + size + 32 * count :].decode("ascii"))
    except UnicodeDecodeError:
        raise ValueError("not a stamps row") from None
    # Paths are used as paths (the folder shortcut lists them): text, as many as announced.
    rels = text.split("\0") if count else []
    if len(rels) != count or (count and not all(rels)) or not isinstance(extra, dict):
        raise ValueError("not a stamps row")
    flat = array("q")
    flat.frombytes(blob[at + size : at + size + 32 * count])
    if sys.byteorder != "little":
        flat.byteswap()
    it = iter(flat.tolist())
    table: dict[str, Record] = {rel: (stamp, None) for rel, stamp in zip(rels, zip(it, it, it, it))}
    hashes, wide = extra["hashes"], extra["wide"]
    if not isinstance(hashes, dict) or not isinstance(wide, dict):
        raise ValueError("not a stamps row")
    for rel, stamp in wide.items():
        # A stamp that is not four integers simply never equals a file's stat: read again.
        if rel not in table or not isinstance(stamp, list) or len(stamp) != 4:
            raise ValueError("not a stamps row")
        table[rel] = (tuple(stamp), None)
    for rel, h in hashes.items():
        if rel not in table or not isinstance(h, str):
            raise ValueError("not a stamps row")
        table[rel] = (table[rel][0], bytes.fromhex(h))
    return table


def _dirs_from_json(d: dict[str, Any]) -> dict[str, Any]:
    if not d:
        return {}
    stamps = d["stamps"]
    return {"config": str(d["config"]),
            "stamps": {k: (None if v is None else tuple(int(x) for x in v)) for k, v in stamps.items()}}


def _pages_to_json(p: dict[str, Any]) -> dict[str, Any]:
    if not p:
        return {}
    return {"key": p["key"], "stamps": p["stamps"], "people": p["people"],
            "errors": [[e.path, e.line, e.message, e.col, e.severity] for e in p["errors"]]}


def _pages_from_json(p: dict[str, Any]) -> dict[str, Any]:
    if not p:
        return {}
    return {"key": str(p["key"]), "stamps": {k: tuple(int(x) for x in v) for k, v in p["stamps"].items()},
            "people": int(p["people"]), "errors": tuple(Problem(*e) for e in p["errors"])}


def _haystack(keys: dict[str, tuple[str, ...]]) -> tuple[list[str], list[int], str]:
    """All files' folded names in one string, for ``show`` to search at C speed.

    File *i*'s part is ``US key US key … RS`` (unit and record separators)
    and ends before ``ends[i]``: an exact key is ``US q US`` or ``US q RS``, a
    key starting with ``q`` is ``US q``, a word starting with ``q`` is
    ``US q`` or `` q``.
    """
    rels, ends, parts, pos = [], [], [], 0
    for rel, ks in keys.items():
        part = "\x1f" + "\x1f".join(ks) + "\x1e"
        parts.append(part)
        pos += len(part)
        rels.append(rel)
        ends.append(pos)
    return rels, ends, "".join(parts)


def resolve_keys(result: FileResult) -> tuple[str, ...]:
    """A file's name, file name and aliases, folded as :mod:`resolve` compares them."""
    from notebook_tool.core.text import fold

    c = result.contact
    if c is None:
        return ()
    return tuple(dict.fromkeys(k for k in (fold(c.name), fold(c.stem), *(fold(a) for a in c.aliases)) if k))


def read_stable(root: Path, rel: str, tries: int = 5) -> tuple[os.stat_result, int, bytes] | None:
    """Stat, read, stat again: bytes that were not being written while read.

    Returns ``(stat before reading, time of that stat, bytes)``, or ``None``
    when the file is gone. An editor's save in progress (the stat moved while
    reading) is retried a few times rather than indexed half-written.
    """
    path = root / rel
    last: tuple[os.stat_result, int, bytes] | None = None
    for attempt in range(tries):
        try:
            now = time.time_ns()
            before = os.stat(path)
            data = path.read_bytes()
            after = os.stat(path)
        except FileNotFoundError:
            return None
        last = (before, now, data)
        if stamp_of(before) == stamp_of(after) and len(data) == after.st_size:
            return last
        time.sleep(0.01 * (attempt + 1))
    return last
