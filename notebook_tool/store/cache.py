"""The per-file cache in ``.guanxi/``: what each contact file read as, and when.

This module owns ``.guanxi/cache.bin`` (and the ``.gitignore`` beside it)
and the rule for when an entry in it may be trusted. Nothing else reads or
writes them.

An entry maps a vault-relative path to the file's *stamp* — ``(mtime_ns,
size, inode, ctime_ns)`` from one ``os.stat`` — and the
:class:`~notebook_tool.model.FileResult` it parsed to. A warm command stats
the vault and re-reads only files whose stamp differs.

A stamp alone can lie. A file saved twice within one mtime tick (a few ms on
ext4, 2 s on FAT, 1 s on some network file systems) with the same size keeps
its stamp. This is git's "racy" problem and is solved the same way: when a
file is read while its mtime is still recent (within :data:`RACY_NS` of the
read), its content hash is kept too, and the entry is trusted only after the
file is read again and hashes the same. Once the mtime is old enough, the
hash is dropped, since any later write must then move the mtime. ``ctime`` and
the inode are in the stamp because tools that restore an mtime (``cp -p``,
``rsync -t``, ``tar``) cannot restore them.

The file is a small meta table (settings, folder stamps, the fingerprint of
the pages last written) followed by sections loaded only when needed: the
stamps (every warm command), the folded names (``show``) and the results
(only when something changed), so "nothing changed" costs a stat per file. A cache that is missing, corrupt,
from another version of Guanxi or written under different settings is
ignored and rebuilt: never an error. It is written atomically, so a killed
process leaves the old cache or the new one.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import datetime as dt
import gc
import io
import marshal
import os
import pickle
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from notebook_tool.core.model import Birthday, Contact, Entry, FileResult, Problem
from notebook_tool.write.fsio import atomic_file, safe_target

CACHE_VERSION = 1
CACHE_DIR = ".guanxi"
CACHE_NAME = "cache.bin"
MAGIC = b"GUANXI-CACHE\n"

# Files whose mtime is this close to the moment they were read are "racy":
# trusted only when their content hash still matches. 2 s covers FAT's mtime
# resolution and small clock skew with network file systems.
RACY_NS = 2_000_000_000

Stamp = tuple[int, int, int, int]  # (mtime_ns, size, inode, ctime_ns)


def stamp_of(st: os.stat_result) -> Stamp:
    # Also spelled out, for speed, in incremental.State._sync: keep the two alike.
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def digest(data: bytes) -> bytes:
    import hashlib  # only racy files are hashed: most commands never need it

    return hashlib.blake2b(data, digest_size=16).digest()


def is_racy(st: os.stat_result, read_ns: int) -> bool:
    """True when a later same-tick write could leave the stamp unchanged.

    A future mtime (clock skew) counts as racy too.
    """
    return read_ns - st.st_mtime_ns < RACY_NS


# What is known about one file: its stamp and, only while the stamp cannot be
# trusted alone (racy), a hash of its content. A plain tuple: 30,000 of them
# load at C speed on every warm command.
Record = tuple[Stamp, bytes | None]


def code_fingerprint() -> str:
    """Changes whenever Guanxi's own code changes, so an upgrade drops old results.

    Stat of the package's modules (cheap: no reading), the cache version and
    the Python version (marshal and dataclass layout follow both). Kept as
    text: it is only compared.
    """
    parts = [f"v{CACHE_VERSION}", "py%d.%d" % sys.version_info[:2]]
    folder = os.path.dirname(os.path.abspath(__file__))
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
    except OSError:
        names = []
    for name in names:
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


# -- encoding results -------------------------------------------------------------
# The results are most of the cache and all of its load time. Frozen slotted
# dataclasses pickle through copyreg's generic path: ~4 s to load 30,000
# contacts. Instead each result is flattened to tuples of str/int/float
# (dates as ordinals) for :mod:`marshal`, which loads at C speed, and rebuilt
# field by field; dates are shared, which also saves memory in ``watch``.
# If the model's fields are not the ones this codec knows (another version of
# model.py) or a value is of an unexpected type, the generic pickle path is
# used instead: slower, never wrong.

_CHUNK = 2000
_ENTRY = ("kind", "date", "text", "weight", "status", "links", "tags", "line")
_CONTACT_DATES = frozenset({"met", "snooze"})
_CONTACT = tuple(f.name for f in dataclasses.fields(Contact))
_PROBLEM = tuple(f.name for f in dataclasses.fields(Problem))
_FAST = (
    tuple(f.name for f in dataclasses.fields(Entry)) == _ENTRY
    and tuple(f.name for f in dataclasses.fields(FileResult)) == ("path", "contact", "problems")
    and tuple(f.name for f in dataclasses.fields(Birthday)) == ("month", "day", "year")
    and {"entries", "extra", "birthday", *_CONTACT_DATES} <= set(_CONTACT)
)


def _enc_contact(c: Contact) -> tuple[Any, ...]:
    out: list[Any] = []
    for name in _CONTACT:
        v = getattr(c, name)
        if name == "entries":
            v = tuple((e.kind, e.date.toordinal(), e.text, e.weight, e.status, e.links, e.tags, e.line)
                      for e in v)
        elif name in _CONTACT_DATES:
            v = v.toordinal() if v is not None else None
        elif name == "birthday":
            v = (v.month, v.day, v.year) if v is not None else None
        elif name == "extra":
            v = pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL) if v else b""  # any YAML value
        out.append(v)
    return tuple(out)


def _flat(r: FileResult) -> tuple[Any, ...]:
    """A result as plain values for :mod:`marshal` (see above)."""
    return (r.contact and _enc_contact(r.contact),
            tuple(tuple(getattr(p, n) for n in _PROBLEM) for p in r.problems))


def _fast_parts(results: MutableMapping[str, FileResult]) -> Iterator[bytes]:
    """The results section in marshal's encoding, a chunk at a time; raises on a value it cannot encode.

    In chunks, so that neither encoding nor decoding ever holds a flat copy
    of the whole vault beside the real one (peak memory).
    """
    if not _FAST:
        raise ValueError("the model is not the one this codec knows")
    yield b"M"
    flat_of = results.flat if isinstance(results, PackedResults) else (lambda rel: _flat(results[rel]))
    rels = list(results)
    for i in range(0, len(rels), _CHUNK):
        chunk = marshal.dumps({rel: flat_of(rel) for rel in rels[i:i + _CHUNK]})
        yield len(chunk).to_bytes(8, "little")
        yield chunk


def _pickled(results: MutableMapping[str, FileResult]) -> bytes:
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    p.dispatch_table = _DISPATCH
    p.dump(dict(results))
    return b"P" + buf.getvalue()


def encode_results(results: MutableMapping[str, FileResult]) -> bytes:
    try:
        return b"".join(_fast_parts(results))
    except (ValueError, TypeError, AttributeError):
        return _pickled(results)  # an unexpected value somewhere: slower, never wrong


def _write_results(f: Any, results: MutableMapping[str, FileResult]) -> None:
    """:func:`encode_results` into the open file ``f``, a chunk at a time (watch's peak memory)."""
    start = f.tell()
    try:
        for part in _fast_parts(results):
            f.write(part)
    except (ValueError, TypeError, AttributeError):
        f.seek(start)
        f.truncate()
        f.write(_pickled(results))


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that form no cycles.

    Building a vault's worth of contacts makes the collector scan the growing
    heap again and again: 10–25% of a cold index. Reference counting still
    frees everything; the collector resumes (and runs) afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def decode_results(f: Any, length: int, packed: bool = False) -> MutableMapping[str, FileResult]:
    """Read ``length`` bytes of results from the open file ``f``, one chunk at a time.

    ``packed``: into a :class:`PackedResults`, without building the objects.
    """
    kind = f.read(1)
    if kind == b"P":
        data = f.read(length - 1)
        if len(data) != length - 1:
            raise ValueError("truncated cache")
        res = pickle.loads(data)
        if not isinstance(res, dict):
            raise ValueError("not a results table")
        if packed:
            unpickled = PackedResults()
            unpickled.update(res)
            return unpickled
        return res
    if kind != b"M" or not _FAST:
        raise ValueError("unknown results encoding")
    new = object.__new__
    put = object.__setattr__
    days: dict[int, dt.date] = {}

    def day(n: int) -> dt.date:
        d = days.get(n)
        if d is None:
            d = days[n] = dt.date.fromordinal(n)
        return d

    out: dict[str, FileResult] = {}
    store = PackedResults() if packed else None
    left = length - 1
    while left > 0:
        size = int.from_bytes(f.read(8), "little")
        chunk = f.read(size)
        if len(chunk) != size or size + 8 > left:
            raise ValueError("truncated cache")
        left -= 8 + size
        flat = marshal.loads(chunk)
        if store is not None:
            store.put_flat(flat)
        else:
            _rebuild(flat, out, new, put, day)
        del chunk, flat
    return out if store is None else store


def _rebuild(flat: dict[str, Any], out: dict[str, FileResult], new: Any, put: Any,
             day: Callable[[int], dt.date]) -> None:
    for rel, (c, probs) in flat.items():
        contact = None
        if c is not None:
            contact = new(Contact)
            for name, v in zip(_CONTACT, c):
                if name == "entries":
                    entries = []
                    for kind, d, text, weight, status, links, tags, line in v:
                        e = new(Entry)
                        put(e, "kind", kind)
                        put(e, "date", day(d))
                        put(e, "text", text)
                        put(e, "weight", weight)
                        put(e, "status", status)
                        put(e, "links", links)
                        put(e, "tags", tags)
                        put(e, "line", line)
                        entries.append(e)
                    v = tuple(entries)
                elif name in _CONTACT_DATES:
                    v = day(v) if v is not None else None
                elif name == "birthday":
                    v = Birthday(*v) if v is not None else None
                elif name == "extra":
                    v = pickle.loads(v) if v else ()
                put(contact, name, v)
        problems = tuple(Problem(*p) for p in probs)
        r = new(FileResult)
        put(r, "path", rel)
        put(r, "contact", contact)
        put(r, "problems", problems)
        out[rel] = r


class PackedResults(MutableMapping[str, FileResult]):
    """Results kept as compressed :mod:`marshal` bytes, rebuilt on each lookup (``guanxi watch``).

    Watch keeps the whole vault for as long as it runs but, once the pages
    are rendered, looks at a few files per save. As objects, 30,000 contacts
    with ~20 entries each are ~170 MB; as marshal bytes ~48 MB, and ~23 MB
    compressed (zlib's fastest level: ~30 µs a file to pack, ~10 µs to
    unpack). A result the codec cannot flatten is kept as the object itself.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes | FileResult] = {}
        self._days: dict[int, dt.date] = {}

    def _day(self, n: int) -> dt.date:
        d = self._days.get(n)
        if d is None:
            d = self._days[n] = dt.date.fromordinal(n)
        return d

    def put_flat(self, flat: dict[str, Any]) -> None:
        """Store results given in their flat form (a decoded chunk of the cache)."""
        dumps, compress, data = marshal.dumps, zlib.compress, self._data
        for rel, item in flat.items():
            data[rel] = compress(dumps(item), 1)

    def flat(self, rel: str) -> Any:
        """``rel``'s result in its flat form, as the cache file stores it."""
        v = self._data[rel]
        return marshal.loads(zlib.decompress(v)) if isinstance(v, bytes) else _flat(v)

    def __getitem__(self, rel: str) -> FileResult:
        v = self._data[rel]
        if not isinstance(v, bytes):
            return v
        out: dict[str, FileResult] = {}
        _rebuild({rel: marshal.loads(zlib.decompress(v))}, out, object.__new__, object.__setattr__, self._day)
        return out[rel]

    def __setitem__(self, rel: str, result: FileResult) -> None:
        try:
            self._data[rel] = zlib.compress(marshal.dumps(_flat(result)), 1) if _FAST else result
        except (ValueError, TypeError, AttributeError):  # a value the codec does not know
            self._data[rel] = result

    def __delitem__(self, rel: str) -> None:
        del self._data[rel]

    def __contains__(self, rel: object) -> bool:
        return rel in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def subset(self, rels: Iterator[str] | list[str]) -> PackedResults:
        """The same results (sharing their bytes) for just ``rels``."""
        out = PackedResults()
        out._data = {rel: self._data[rel] for rel in rels}
        return out


_MODEL_CLASSES: tuple[type, ...] = (FileResult, Contact, Entry, Problem, Birthday)


def _reducer(cls: type) -> Any:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, tuple(getattr(obj, n) for n in names)

    return reduce


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH.update({cls: _reducer(cls) for cls in _MODEL_CLASSES})


# -- the cache --------------------------------------------------------------------
# Layout of cache.bin: MAGIC, four sections, each loaded only when needed:
# "records" (stamps and hashes: every warm command), "keys" (folded names per
# file, to update), "names" (the same names as one searchable string: `show`),
# "results" (the parsed files: only when something changed); then the meta
# table (pickle: settings, folder stamps, pages fingerprint, where each section
# is) and its length (8 bytes). The meta table comes last so that the results
# can be written as they are encoded, never whole in memory. The file stays open while any
# section is unread, so a cache replaced meanwhile by another process cannot
# mix with this one: the open file is the old one, whole.

_SECTIONS = ("records", "keys", "names", "results")


class Cache:
    """The cache of one vault, in memory; see the module docstring.

    ``records`` (stamps), ``keys`` (each file's folded name, file name and
    aliases, for ``show``) and :meth:`results` load on first use. ``dirs``
    is what :mod:`incremental` recorded about folders, ``pages`` the
    fingerprint of the pages last written.
    """

    def __init__(self, root: Path, settings: str, packed: bool = False) -> None:
        self.root = root
        self.packed = packed  # results as PackedResults (watch: memory over speed)
        self.settings = settings  # what results depend on besides the bytes (code, max_front_matter)
        self.dirs: dict[str, Any] = {}
        self.pages: dict[str, Any] = {}
        self.dirty = False
        self._records: dict[str, Record] | None = {}
        self._flat: tuple[list[str], array[int], dict[str, bytes]] | None = None  # the records, as stored
        self._names: tuple[list[str], list[int], str] | None = None
        self._keys: dict[str, tuple[str, ...]] | None = {}
        self._results: MutableMapping[str, FileResult] | None = self._empty_results()
        self._file: Any = None
        self._where: dict[str, tuple[int, int]] = {}
        self._base = 0

    def _empty_results(self) -> MutableMapping[str, FileResult]:
        return PackedResults() if self.packed else {}

    @property
    def path(self) -> Path:
        return self.root / CACHE_DIR / CACHE_NAME

    # -- loading -------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path, max_front_matter: int, packed: bool = False) -> Cache:
        """The cache on disk, or an empty one if it is missing or cannot be trusted."""
        settings = f"{code_fingerprint()}|mfm={max_front_matter}"
        cache = cls(root, settings, packed)
        try:
            f = open(root / CACHE_DIR / CACHE_NAME, "rb")  # noqa: SIM115 - kept open, see above
        except OSError:
            return cache
        try:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a Guanxi cache")
            end = os.fstat(f.fileno()).st_size - 8
            f.seek(end)
            size = int.from_bytes(f.read(8), "little")
            if not len(MAGIC) <= end - size <= end:
                raise ValueError("truncated cache")
            f.seek(end - size)
            meta = pickle.loads(f.read(size))
            if not isinstance(meta, dict) or meta.get("settings") != settings:
                raise ValueError("another version or other settings")
            cache.dirs, cache.pages, cache._where = meta["dirs"], meta["pages"], meta["sections"]
            cache._base = len(MAGIC)
            if set(cache._where) != set(_SECTIONS):
                raise ValueError("sections missing")
        except Exception:
            f.close()
            return cls(root, settings, packed)
        cache._file = f
        cache._records = cache._keys = cache._results = None
        return cache

    def _raw(self, name: str) -> bytes:
        offset, length = self._where[name]
        self._file.seek(self._base + offset)
        data: bytes = self._file.read(length)
        if len(data) != length:
            raise ValueError("truncated cache")
        return data

    def _load(self, name: str) -> None:
        try:
            if name == "results":
                offset, length = self._where[name]
                self._file.seek(self._base + offset)
                with no_gc():
                    res = decode_results(self._file, length, self.packed)  # streamed: never the whole section in memory
                if res.keys() != self.records.keys():
                    raise ValueError("results do not match the records")
                self._results = res
            elif name == "records":
                table = marshal.loads(self._raw(name))
                if isinstance(table, tuple):
                    self._flat = _flat_records(table)
                else:
                    self._records = table
            else:
                self._keys = marshal.loads(self._raw(name))
            if not isinstance(self._records if name == "records" else self._keys, (dict, type(None))):
                raise ValueError("not a table")
        except Exception:
            self._reset()
        self._close_if_done()

    def _reset(self) -> None:
        self._records, self._keys, self._results = {}, {}, self._empty_results()
        self._flat = None
        self.pages, self.dirs = {}, {}
        self.dirty = True
        self._close()

    def _close_if_done(self) -> None:
        if ((self._records is not None or self._flat is not None)
                and self._keys is not None and self._results is not None):
            self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def records(self) -> dict[str, Record]:
        if self._records is None:
            if self._flat is None:
                self._load("records")
            if self._flat is not None:  # the table, built only now that something needs it
                rels, stamps, hashes = self._flat
                it = iter(stamps)
                self._records = {rel: (stamp, hashes.get(rel)) for rel, stamp in zip(rels, zip(it, it, it, it))}
                self._flat = None
        assert self._records is not None
        return self._records

    def record_paths(self) -> list[str]:
        """The files that have a record, in the cache's order (loads the stamps, not the table)."""
        if self._records is None and self._flat is None:
            self._load("records")
        if self._flat is not None:
            return list(self._flat[0])
        return list(self.records)

    def flat_stamps(self) -> tuple[list[str], array[int]] | None:
        """``(paths, their stamps as one int64 array)`` while no record has a hash, else ``None``.

        For a warm command's check that nothing changed: one array
        comparison instead of a table of 30,000 stamps (~2 ms to load, not ~16).
        """
        if self._records is None and self._flat is None:
            self._load("records")
        if self._flat is None or self._flat[2]:
            return None
        return self._flat[0], self._flat[1]

    @property
    def keys(self) -> dict[str, tuple[str, ...]]:
        if self._keys is None:
            self._load("keys")  # same open file as the records: the two agree
        assert self._keys is not None
        return self._keys

    def names(self) -> tuple[list[str], list[int], str]:
        """``(paths, ends, haystack)``: every file's folded names in one string (see :func:`_haystack`)."""
        if self._names is None:
            try:
                if self._file is None:
                    raise ValueError("nothing on disk")
                rels, ends, blob = marshal.loads(self._raw("names"))
                if not (isinstance(rels, list) and isinstance(ends, list) and isinstance(blob, str)
                        and len(rels) == len(ends)):
                    raise ValueError("not a names table")
                self._names = (rels, ends, blob)
            except Exception:
                self._names = _haystack(self.keys)
        return self._names

    def results(self) -> MutableMapping[str, FileResult]:
        """Every cached result; loaded on first call. Damage empties the cache."""
        if self._results is None:
            self.records  # noqa: B018
            if self._results is None:
                self._load("results")
        assert self._results is not None
        return self._results

    # -- entries -------------------------------------------------------------------
    def valid(self, rel: str, st: os.stat_result, now_ns: int | None = None) -> bool:
        """True when the cached result for ``rel`` still describes the file.

        For a racy entry this reads the file and compares hashes; when the
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
            self.dirty = True
        return True

    def put(self, rel: str, st: os.stat_result, read_ns: int, data: bytes, result: FileResult) -> None:
        """Record what ``rel`` read as; ``st`` is the stat taken *before* reading ``data``."""
        self.results()[rel] = result
        self.records[rel] = (stamp_of(st), digest(data) if is_racy(st, read_ns) else None)
        self.keys[rel] = resolve_keys(result)
        self.pages.clear()  # the pages no longer match the files: whoever renders next records anew
        self.dirty = True

    def put_record(self, rel: str, record: Record, result: FileResult) -> None:
        """:meth:`put` for a file read elsewhere (a child process) that sent its record."""
        self.results()[rel] = result
        self.records[rel] = record
        self.keys[rel] = resolve_keys(result)
        self.pages.clear()
        self.dirty = True

    def forget(self, rel: str) -> None:
        if rel in self.records or rel in self.results():
            self.records.pop(rel, None)
            self.keys.pop(rel, None)
            self.results().pop(rel, None)
            self.pages.clear()
            self.dirty = True

    # -- saving --------------------------------------------------------------------
    def save(self) -> bool:
        """Write the cache atomically if anything changed; False if it could not be written."""
        if not self.dirty:
            return True
        sections: dict[str, bytes] = {}
        kept: MutableMapping[str, FileResult] | None = None
        try:
            if self._results is None and self._keys is None:
                # Only stamps or folders changed (a racy hash dropped): the
                # rest is copied as it is, not decoded and encoded again.
                for name in ("results", "keys", "names"):
                    sections[name] = self._raw(name)
                records = self.records
            else:
                results = self.results()
                # Only files with a record are kept: a file that could not be read
                # has its error in memory but must be retried next time.
                kept_rels = [rel for rel in self.records if rel in results]
                kept = (results.subset(kept_rels) if isinstance(results, PackedResults)
                        else {rel: results[rel] for rel in kept_rels})
                records = {rel: self.records[rel] for rel in kept_rels}
                keys = {rel: self.keys.get(rel, ()) for rel in kept_rels}
                sections["keys"] = marshal.dumps(keys)
                sections["names"] = marshal.dumps(_haystack(keys))
        except Exception:
            self._reset()
            return False
        sections["records"] = _encode_records(records)

        def write(f: Any) -> None:
            where: dict[str, tuple[int, int]] = {}
            f.write(MAGIC)
            for name in _SECTIONS:
                start = f.tell()
                if name == "results" and kept is not None:
                    _write_results(f, kept)
                else:
                    f.write(sections[name])
                where[name] = (start - len(MAGIC), f.tell() - start)
            meta = pickle.dumps({"settings": self.settings, "dirs": self.dirs, "pages": self.pages,
                                 "sections": where}, protocol=pickle.HIGHEST_PROTOCOL)
            f.write(meta)
            f.write(len(meta).to_bytes(8, "little"))

        try:
            folder = safe_target(self.root, self.root / CACHE_DIR)  # never through a symlink out of the vault
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                # Machine-local state: ignored by git even in a vault that
                # `guanxi init` did not set up.
                ignore.write_text("# Guanxi's machine-local cache (docs/watch.md)\n*\n", encoding="utf-8")
            with no_gc():  # encoding builds a tuple per entry: nothing the collector need walk
                with atomic_file(folder / CACHE_NAME, 0o600) as f:  # private: it holds the vault's contents
                    write(f)
        except OSError:
            return False  # a read-only vault still indexes; it is just not faster next time
        self.dirty = False
        return True


def _encode_records(records: dict[str, Record]) -> bytes:
    """The records section: the paths, every stamp in one int64 array, the racy files' hashes.

    Flat, so that a warm command compares stamps without building a tuple per
    file (see :meth:`Cache.flat_stamps`). A value beyond int64 (an exotic
    inode number, a time before 1678) and it is the plain table instead.
    """
    try:
        stamps = array("q", [v for stamp, _ in records.values() for v in stamp])
    except OverflowError:
        return marshal.dumps(records)
    hashes = {rel: h for rel, (_, h) in records.items() if h is not None}
    return marshal.dumps((list(records), stamps.tobytes(), hashes))


def _flat_records(table: Any) -> tuple[list[str], array[int], dict[str, bytes]]:
    rels, raw, hashes = table
    stamps: array[int] = array("q")
    stamps.frombytes(raw)
    if not (isinstance(rels, list) and isinstance(hashes, dict) and len(stamps) == 4 * len(rels)):
        raise ValueError("not a records table")
    return rels, stamps, hashes


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
        except OSError:
            raise
        last = (before, now, data)
        if stamp_of(before) == stamp_of(after) and len(data) == after.st_size:
            return last
        time.sleep(0.01 * (attempt + 1))
    return last
