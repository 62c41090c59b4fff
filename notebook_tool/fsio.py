"""Writing files safely: atomic replace, and no write when the bytes are the same.

A page or a contact file is written to a temporary file in the same folder,
flushed to disk, then moved over the old one with :func:`os.replace`, so a
reader (an editor, git, Obsidian, the watcher) sees the old bytes or the new
ones, never half of each — even if Guanxi is killed mid-write.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable


def atomic_write(path: Path, data: bytes | Iterable[bytes], mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, keeping ``mode`` if given.

    ``data`` may come in parts (a large cache), written in turn so they are
    never joined into one more copy in memory.
    """
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, (bytes, bytearray, memoryview)):
                f.write(data)
            else:
                f.writelines(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            # mkstemp creates 0600; a new page should have the usual umask mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` (UTF-8, LF) unless the file already holds exactly it."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return True
