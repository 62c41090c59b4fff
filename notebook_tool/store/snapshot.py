"""The pages as last rendered by ``guanxi index``, kept between runs in a file beside the store.

This module owns that file's format and how it is read and written. After
one edit, ``index`` restores the pages' state (every person's rows, weights
and calendar events, in page order) from this file and re-renders only the
people whose files changed, instead of loading every person's piece from
the store (0.7 s and 400 MB at 30,000 people: 30,000 JSON values become
hundreds of thousands of objects).

**Format.** Plain data only, so a crafted file can at worst be refused:
``GXLIVE1\\n``, the length of a JSON header (8 bytes, big-endian), the
header, then each column's bytes in the order the header lists them. A
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

import contextlib
import json
import os
import stat as statmod
import sys
from array import array
from itertools import accumulate
from pathlib import Path
from typing import Any

MAGIC = b"GXLIVE1\n"
_KINDS = {"q": "q", "d": "d"}  # array typecodes; "s" and "j" are handled apart


class Columns:
    """Named columns decoded from a snapshot; ``json(name)`` decodes a ``j`` column on demand."""

    def __init__(self, meta: dict[str, Any], cols: dict[str, Any]) -> None:
        self.meta = meta
        self._cols = cols

    def __getitem__(self, name: str) -> Any:
        return self._cols[name]

    def json(self, name: str) -> Any:
        text = self._cols[name]
        if not isinstance(text, str):
            raise ValueError(f"{name} is not a JSON column")
        return json.loads(text)

    def raw(self, name: str) -> str:
        """A ``j`` column's text, undecoded (to write it back unchanged)."""
        text = self._cols[name]
        if not isinstance(text, str):
            raise ValueError(f"{name} is not a JSON column")
        return text


def pack(meta: dict[str, Any], columns: list[tuple[str, str, Any]]) -> bytes:
    """``meta`` (JSON data) and ``columns`` as ``(name, kind, values)``; ``j`` values are JSON text."""
    heads: list[list[Any]] = []
    parts: list[bytes] = []
    for name, kind, values in columns:
        if kind == "s" and values:
            joined = "\0".join(values)
            if joined.count("\0") == len(values) - 1:  # no string holds a NUL: split apart by it
                data = joined.encode("utf-8", "surrogatepass")
                heads.append([name, "z", len(values), len(data), 0])
                parts.append(data)
                continue
        if kind == "s":
            lengths = array("q", map(len, values)).tobytes()
            text = "".join(values).encode("utf-8", "surrogatepass")
            heads.append([name, kind, len(values), len(lengths), len(text)])
            parts += [lengths, text]
        elif kind == "j":
            data = values.encode("utf-8", "surrogatepass")
            heads.append([name, kind, 1, len(data), 0])
            parts.append(data)
        else:
            data = array(_KINDS[kind], values).tobytes()
            heads.append([name, kind, len(values), len(data), 0])
            parts.append(data)
    header = json.dumps({"meta": meta, "columns": heads, "order": sys.byteorder},
                        ensure_ascii=False, allow_nan=False).encode("utf-8")
    return b"".join([MAGIC, len(header).to_bytes(8, "big"), header, *parts])


def unpack(data: bytes) -> Columns:
    """The inverse of :func:`pack`; ``ValueError`` for anything else (never a crash)."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise ValueError("not a snapshot")
    at = len(MAGIC)
    size = int.from_bytes(data[at : at + 8], "big")
    at += 8
    try:
        header = json.loads(data[at : at + size].decode("utf-8"))
        meta, heads, order = header["meta"], header["columns"], header["order"]
    except (UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"bad snapshot header: {exc}") from None
    if order != sys.byteorder or not isinstance(meta, dict) or not isinstance(heads, list):
        raise ValueError("snapshot of another machine or shape")
    at += size
    cols: dict[str, Any] = {}
    view = memoryview(data)
    try:
        for name, kind, count, first, second in heads:
            chunk = view[at : at + first]
            if len(chunk) != first:
                raise ValueError("snapshot truncated")
            at += first
            if kind == "s":
                lengths = array("q")
                lengths.frombytes(chunk)
                text = bytes(view[at : at + second]).decode("utf-8", "surrogatepass")
                if len(lengths) != count or len(view[at : at + second]) != second:
                    raise ValueError("snapshot truncated")
                at += second
                ends = list(accumulate(lengths))
                if any(n < 0 for n in lengths) or (ends[-1] if ends else 0) != len(text):
                    raise ValueError("bad string column")
                cols[name] = [text[a:b] for a, b in zip([0, *ends[:-1]], ends)] if ends else []
            elif kind == "z":
                cols[name] = bytes(chunk).decode("utf-8", "surrogatepass").split("\0")
                if len(cols[name]) != count:
                    raise ValueError("bad string column")
            elif kind == "j":
                cols[name] = bytes(chunk).decode("utf-8", "surrogatepass")
            elif kind in _KINDS:
                values = array(_KINDS[kind])
                values.frombytes(chunk)  # ValueError if not a whole number of items
                if len(values) != count:
                    raise ValueError("bad column length")
                cols[name] = values.tolist()
            else:
                raise ValueError(f"unknown column kind {kind!r}")
    except (TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"bad snapshot: {exc}") from None
    if at != len(data):
        raise ValueError("snapshot has trailing bytes")
    return Columns(meta, cols)


def read(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file of ours that only we can write, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not statmod.S_ISREG(st.st_mode) or st.st_mode & 0o022
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def write(path: Path, data: bytes) -> bool:
    """Replace the file atomically (a private temp file in the same folder, then ``os.replace``)."""
    tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
