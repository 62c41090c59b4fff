"""The pages as last rendered by ``guanxi index``, kept between runs in a file beside the store.

This module owns that file's format and how it is read and written. After
one edit, ``index`` restores the pages' state (every person's rows, weights
and calendar events, in page order) from this file and re-renders only the
people whose files changed, instead of loading every person's piece from
the store (0.7 s and 400 MB at 30,000 people: 30,000 JSON values become
hundreds of thousands of objects).

**Format.** Plain data only, so a crafted file can at worst be refused:
``GXLIVE2\\n``, each column's bytes in the order the header lists them,
the JSON header, then its length (8 bytes, big-endian): last, so that each
column is written as soon as it is made. A
column is a list of one kind: ``s`` strings (their lengths in characters as
int64, then the UTF-8 text of all of them; written as ``z``, the strings
joined by NUL, when none holds one: a split is far cheaper than slicing), ``q`` int64, ``d`` float64,
``j`` a JSON text kept undecoded until asked for. Floats round-trip exactly,
so sums made from restored weights are the bits a fresh render adds.

**Trust.** The file lives in the per-user store folder, outside every vault,
is private (0600) and is written atomically. One that is not a regular file
of ours, or does not parse to exactly the columns its header announces, is
ignored (and rebuilt by the next full render). What it describes is checked
by the caller: the day, settings and code it was made under, and every
member file's stamp.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import json
import mmap
import os
import stat as statmod
import sys
from array import array
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"GXLIVE2\n"
_KINDS = {"q": "q", "d": "d"}  # array typecodes; "s" and "j" are handled apart


class Columns:
    """The columns of a snapshot, each decoded at its first use (a page that did not change need not
    pay for its text); ``ValueError`` then if it is not what its header said."""

    def __init__(self, meta: dict[str, Any], parts: dict[str, tuple[str, int, memoryview, memoryview]],
                 mapped: mmap.mmap | None = None, spans: dict[str, tuple[int, int]] | None = None) -> None:
        self.meta = meta
        self._parts = parts
        self._cols: dict[str, Any] = {}
        self._mapped, self._spans = mapped, spans or {}

    def _done_with(self, name: str) -> None:
        """Column ``name``'s bytes were copied into values: let the kernel drop its pages from this
        process. A mapped file's pages, once read, count in the process's memory for as long as it
        is mapped (~18 MB of the ~50 MB snapshot at the peak of an edit's index); they are read
        again from the file if ever looked at again."""
        span = self._spans.get(name)
        if self._mapped is None or span is None or not hasattr(mmap, "MADV_DONTNEED"):
            return
        start = span[0] // mmap.PAGESIZE * mmap.PAGESIZE
        with contextlib.suppress(OSError, ValueError):
            self._mapped.madvise(mmap.MADV_DONTNEED, start, span[1] - start)

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def count(self, name: str) -> int:
        """How many values the header says column ``name`` holds (``KeyError`` if none), undecoded."""
        return self._parts[name][1]

    def __getitem__(self, name: str) -> Any:
        if name not in self._cols:
            self._cols[name] = _decode(*self._parts[name])
            self._done_with(name)
        return self._cols[name]

    def json(self, name: str) -> Any:
        text = self[name]
        if not isinstance(text, str):
            raise ValueError(f"{name} is not a JSON column")
        return json.loads(text)

    def lazy(self, name: str) -> Any:
        """Column ``name`` as a sequence whose values are made when indexed (:class:`Strings`, or an
        ``array`` of numbers), for a caller that looks at a few of them: a list of 55,000 strings
        costs ~4 MB more than their text. The decoded list, if made already. ``ValueError`` as
        for ``[]``; a JSON column is not one."""
        if name in self._cols:
            return self._cols[name]
        kind, count, first, second = self._parts[name]
        if kind in _KINDS:
            values = array(_KINDS[kind])
            values.frombytes(first)
            if len(values) != count:
                raise ValueError("bad column length")
            self._done_with(name)
            return values
        if kind not in ("s", "z"):
            raise ValueError(f"{name} is not a column of values")
        try:
            text = str(second if kind == "s" else first, "utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise ValueError(f"bad snapshot column: {exc}") from None
        if kind == "s":
            ends, sep = _string_ends(first, count, text), 0
        else:  # NUL-joined: each value's end is past its NUL
            ends, sep = array("q", accumulate(len(v) + 1 for v in text.split("\0"))) if count else array("q"), 1
            if len(ends) != count:
                raise ValueError("bad string column")
        self._done_with(name)
        return Strings(text, ends, sep)


class Strings:
    """A string column's values cut from its text when indexed (:meth:`Columns.lazy`)."""

    __slots__ = ("_ends", "_sep", "_text")

    def __init__(self, text: str, ends: array[int], sep: int) -> None:
        self._text, self._ends, self._sep = text, ends, sep  # ends: past each value and its separator

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        end = self._ends[i] - self._sep  # IndexError past the last, as a list's
        start = self._ends[i - 1] if i % len(self._ends) else 0
        return self._text[start:end]

    def indices(self, value: str) -> list[int]:
        """Where ``value`` is, in order: a search of the text, not a slice of every value."""
        out = []
        at = self._text.find(value)
        while at >= 0:
            i = bisect.bisect_right(self._ends, at)  # the value whose span holds ``at``
            if self[i] == value and (self._ends[i - 1] if i else 0) == at:
                out.append(i)
            at = self._text.find(value, at + 1)
        return out


def _string_ends(lengths_bytes: memoryview, count: int, text: str) -> array[int]:
    """Where each of the ``count`` values of an ``s`` column ends in its ``text``, from their lengths;
    ``ValueError`` if they are not ``count`` lengths that make up the text exactly."""
    lengths = array("q")
    lengths.frombytes(lengths_bytes)  # ValueError if not a whole number of them
    ends = array("q", accumulate(lengths))
    if len(lengths) != count or any(n < 0 for n in lengths) or (ends[-1] if ends else 0) != len(text):
        raise ValueError("bad string column")
    return ends


def _decode(kind: str, count: int, first: memoryview, second: memoryview) -> Any:
    try:
        if kind == "s":
            text = str(second, "utf-8", "surrogatepass")  # from the buffer: no copy of the bytes first
            ends = _string_ends(first, count, text)
            return [text[a:b] for a, b in zip([0, *ends[:-1]], ends)] if ends else []
        if kind == "z":
            out = str(first, "utf-8", "surrogatepass").split("\0")
            if len(out) != count:
                raise ValueError("bad string column")
            return out
        if kind == "j":
            return str(first, "utf-8", "surrogatepass")
        values = array(_KINDS[kind])
        values.frombytes(first)  # ValueError if not a whole number of items
        if len(values) != count:
            raise ValueError("bad column length")
        return values.tolist()
    except (UnicodeDecodeError, KeyError) as exc:
        raise ValueError(f"bad snapshot column: {exc}") from None


def _column(name: str, kind: str, values: Any) -> tuple[list[Any], list[bytes]]:
    """One column's header entry and its bytes."""
    if kind == "s" and values:
        joined = "\0".join(values)
        if joined.count("\0") == len(values) - 1:  # no string holds a NUL: split apart by it
            data = joined.encode("utf-8", "surrogatepass")
            return [name, "z", len(values), len(data), 0], [data]
    if kind == "s":
        lengths = array("q", map(len, values)).tobytes()
        text = "".join(values).encode("utf-8", "surrogatepass")
        return [name, kind, len(values), len(lengths), len(text)], [lengths, text]
    if kind == "j":
        data = values.encode("utf-8", "surrogatepass")
        return [name, kind, 1, len(data), 0], [data]
    data = array(_KINDS[kind], values).tobytes()
    return [name, kind, len(values), len(data), 0], [data]


Column = tuple[str, str, Any]  # (name, kind, values, or a function that makes them when written)


def _emit(f: BinaryIO, meta: dict[str, Any], columns: Iterable[Column]) -> None:
    """Write the snapshot to ``f`` a column at a time (each built and encoded only when its turn comes,
    then let go: at 30,000 people the whole is ~45 MB), the header last."""
    f.write(MAGIC)
    heads: list[list[Any]] = []
    for name, kind, values in columns:
        head, chunks = _column(name, kind, values() if callable(values) else values)
        for chunk in chunks:
            f.write(chunk)
        heads.append(head)
        del chunks
    header = json.dumps({"meta": meta, "columns": heads, "order": sys.byteorder},
                        ensure_ascii=False, allow_nan=False).encode("utf-8")
    f.write(header)
    f.write(len(header).to_bytes(8, "big"))


def pack(meta: dict[str, Any], columns: Iterable[Column]) -> bytes:
    """``meta`` (JSON data) and ``columns`` as ``(name, kind, values)``; ``j`` values are JSON text."""
    buf = io.BytesIO()
    _emit(buf, meta, columns)
    return buf.getvalue()


def unpack(data: bytes | mmap.mmap) -> Columns:
    """The inverse of :func:`pack`; ``ValueError`` for anything else (never a crash)."""
    if len(data) < len(MAGIC) + 8 or data[: len(MAGIC)] != MAGIC:
        raise ValueError("not a snapshot")
    size = int.from_bytes(data[len(data) - 8 :], "big")
    end = len(data) - 8 - size  # where the columns end and the header begins
    if end < len(MAGIC):
        raise ValueError("bad snapshot header size")
    try:
        header = json.loads(bytes(data[end : len(data) - 8]).decode("utf-8"))
        meta, heads, order = header["meta"], header["columns"], header["order"]
    except (UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"bad snapshot header: {exc}") from None
    if order != sys.byteorder or not isinstance(meta, dict) or not isinstance(heads, list):
        raise ValueError("snapshot of another machine or shape")
    at = len(MAGIC)
    parts: dict[str, tuple[str, int, memoryview, memoryview]] = {}
    spans: dict[str, tuple[int, int]] = {}
    view = memoryview(data)
    try:
        for name, kind, count, first, second in heads:
            if kind not in ("s", "z", "j", *_KINDS) or not all(isinstance(n, int) and n >= 0
                                                                   for n in (count, first, second)):
                raise ValueError(f"bad column {name!r}")
            one, two = view[at : at + first], view[at + first : at + first + second]
            if len(one) != first or len(two) != second or at + first + second > end:
                raise ValueError("snapshot truncated")
            spans[str(name)] = (at, at + first + second)
            at += first + second
            parts[str(name)] = (kind, count, one, two)
    except TypeError as exc:
        raise ValueError(f"bad snapshot: {exc}") from None
    if at != end:
        raise ValueError("snapshot columns and header do not meet")
    return Columns(meta, parts, data if isinstance(data, mmap.mmap) else None, spans)


def read(path: Path) -> mmap.mmap | None:
    """The file, mapped (a column never used is never read into memory), if it is a regular file of
    ours that only we can write; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not statmod.S_ISREG(st.st_mode) or st.st_mode & 0o022
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
            return None
        if st.st_size == 0:
            return None
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def write(path: Path, meta: dict[str, Any], columns: Iterable[Column]) -> bool:
    """Replace the file atomically with the snapshot of ``meta`` and ``columns`` (written as they
    are made, into a private temp file in the same folder, then ``os.replace``)."""
    tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as f:
            _emit(f, meta, columns)
        os.replace(tmp, path)
        return True
    except (OSError, ValueError, TypeError, KeyError):  # unwritable, or a column that is not data
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
