"""The per-file cache in ``.guanxi/``: what each contact file read as, and when.

This module owns one file, ``.guanxi/cache.bin``, and the rule for when an
entry in it may be trusted. Nothing else reads or writes it.

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

The file is a header (stamps, resolve keys, directory stamps, the fingerprint
of the last pages written) followed by the results. Loading the header is
cheap; the results (the bulk) are unpickled only when something changed, so
"nothing changed" costs a stat per file. A cache that is missing, corrupt,
from another version of Guanxi or written under different settings is
ignored and rebuilt: never an error. It is written atomically, so a killed
process leaves the old cache or the new one.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import io
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Birthday, Contact, Entry, FileResult, Problem

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
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def is_racy(st: os.stat_result, read_ns: int) -> bool:
    """True when a later same-tick write could leave the stamp unchanged.

    A future mtime (clock skew) counts as racy too.
    """
    return read_ns - st.st_mtime_ns < RACY_NS


@dataclass(slots=True)
class Record:
    """What is known about one file: its stamp and, while racy, its content hash."""

    stamp: Stamp
    digest: bytes | None = None  # set only while the stamp cannot be trusted alone


def code_fingerprint() -> str:
    """Changes whenever Guanxi's own code changes, so an upgrade drops old results.

    Stat of the package's modules (cheap: no reading), the cache version and
    the Python version (pickle and dataclass layout follow both).
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{CACHE_VERSION}|{sys.version_info[:2]}".encode())
    folder = Path(__file__).resolve().parent
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
    except OSError:
        names = []
    for name in names:
        try:
            st = os.stat(folder / name)
        except OSError:
            continue
        h.update(f"|{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


# -- encoding results -------------------------------------------------------------
# Frozen slotted dataclasses pickle through copyreg's generic path, which is
# slow and large (~4× slower to load than this). Reducing each one to
# ``Class(*fields)`` is exact, generic over the fields, and safe across model
# changes because the code fingerprint above drops caches written by other code.

_MODEL_CLASSES: tuple[type, ...] = (FileResult, Contact, Entry, Problem, Birthday)


def _reducer(cls: type) -> Any:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, tuple(getattr(obj, n) for n in names)

    return reduce


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH.update({cls: _reducer(cls) for cls in _MODEL_CLASSES})


def _dumps(obj: Any) -> bytes:
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    p.dispatch_table = _DISPATCH  # type: ignore[misc]
    p.dump(obj)
    return buf.getvalue()


# -- the cache --------------------------------------------------------------------

@dataclass(slots=True)
class Cache:
    """The cache of one vault, in memory.

    ``records`` and ``keys`` (each file's name and aliases, for ``show``)
    come from the header; ``results`` are loaded on first use. ``pages`` is
    the fingerprint of the pages last written (see :mod:`incremental`).
    """

    root: Path
    settings: str  # what the results depend on besides the bytes (code, max_front_matter)
    records: dict[str, Record] = field(default_factory=dict)
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dirs: dict[str, Stamp] = field(default_factory=dict)
    pages: dict[str, Any] = field(default_factory=dict)
    _results: dict[str, FileResult] | None = None
    _blob: bytes | None = None  # the pickled results, until they are needed
    dirty: bool = False

    @property
    def path(self) -> Path:
        return self.root / CACHE_DIR / CACHE_NAME

    # -- loading -------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path, max_front_matter: int) -> Cache:
        """The cache on disk, or an empty one if it is missing or cannot be trusted."""
        settings = f"{code_fingerprint()}|mfm={max_front_matter}"
        empty = cls(root, settings, _results={})
        try:
            raw = (root / CACHE_DIR / CACHE_NAME).read_bytes()
        except OSError:
            return empty
        try:
            if not raw.startswith(MAGIC):
                return empty
            buf = io.BytesIO(raw)
            buf.seek(len(MAGIC))
            header = pickle.load(buf)
            if not isinstance(header, dict) or header.get("settings") != settings:
                return empty
            records = {rel: Record(tuple(st), dg) for rel, (st, dg) in header["records"].items()}
            cache = cls(root, settings, records, header["keys"], header["dirs"], header["pages"])
            cache._blob = raw[buf.tell():]
            return cache
        except Exception:  # noqa: BLE001 - any damage means "rebuild", never an error
            return empty

    def results(self) -> dict[str, FileResult]:
        """Every cached result; loaded on first call. Damage empties the cache."""
        if self._results is None:
            try:
                res = pickle.loads(self._blob or b"")
                if not isinstance(res, dict) or res.keys() != self.records.keys():
                    raise ValueError("results do not match the header")
                self._results = res
            except Exception:  # noqa: BLE001 - a damaged blob means re-read everything
                self._results = {}
                self.records.clear()
                self.keys.clear()
                self.pages.clear()
                self.dirty = True
            self._blob = None
        return self._results

    # -- entries -------------------------------------------------------------------
    def valid(self, rel: str, st: os.stat_result, now_ns: int | None = None) -> bool:
        """True when the cached result for ``rel`` still describes the file.

        For a racy entry this reads the file and compares hashes; when the
        file has since aged past the racy window the hash is dropped.
        """
        rec = self.records.get(rel)
        if rec is None or rec.stamp != stamp_of(st):
            return False
        if rec.digest is None:
            return True
        now_ns = time.time_ns() if now_ns is None else now_ns
        try:
            data = (self.root / rel).read_bytes()
            after = os.stat(self.root / rel)
        except OSError:
            return False
        if stamp_of(after) != rec.stamp or digest(data) != rec.digest:
            return False
        if not is_racy(st, now_ns):
            rec.digest = None  # old enough now: the stamp alone will catch any change
            self.dirty = True
        return True

    def put(self, rel: str, st: os.stat_result, read_ns: int, data: bytes, result: FileResult) -> None:
        """Record what ``rel`` read as; ``st`` is the stat taken *before* reading ``data``."""
        self.results()[rel] = result
        self.records[rel] = Record(stamp_of(st), digest(data) if is_racy(st, read_ns) else None)
        self.keys[rel] = resolve_keys(result)
        self.pages.clear()  # the pages no longer match the files: whoever renders next records anew
        self.dirty = True

    def forget(self, rel: str) -> None:
        if rel in self.records or (self._results is not None and rel in self._results):
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
        from .fsio import atomic_write

        results = self.results()
        # Only files with a record are kept: a file that could not be read has
        # a result in memory (its error) but must be retried next time.
        kept = {rel: results[rel] for rel in self.records if rel in results}
        header = {
            "settings": self.settings,
            "records": {rel: (self.records[rel].stamp, self.records[rel].digest) for rel in kept},
            "keys": {rel: self.keys.get(rel, ()) for rel in kept},
            "dirs": self.dirs,
            "pages": self.pages,
        }
        data = MAGIC + pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL) + _dumps(kept)
        try:
            folder = self.root / CACHE_DIR
            folder.mkdir(exist_ok=True)
            atomic_write(folder / CACHE_NAME, data)
        except OSError:
            return False  # a read-only vault still indexes; it is just not faster next time
        self.dirty = False
        return True


def resolve_keys(result: FileResult) -> tuple[str, ...]:
    """A file's name, file name and aliases, folded as :mod:`resolve` compares them."""
    from .resolve import fold

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
