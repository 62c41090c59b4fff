"""Writing files safely: atomic replace, and no write when the bytes are the same.

A page, the cache or a contact file is written to a temporary file in the
same folder, flushed to disk, then moved over the old one with
:func:`os.replace`, so a reader (an editor, git, Obsidian, the watcher) sees
the old bytes or the new ones, never half of each — even if Guanxi is killed
mid-write.
"""

from __future__ import annotations

import os
import stat as stat_mod
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from notebook_tool.core.errors import GuanxiError
from notebook_tool.read.vault import STATE_DIR  # the vault's folder of Guanxi's state (lock, journal, kept saves)

# Every temporary file Guanxi makes ends so: hidden (a leading dot), ignored by the
# vault walk and by the `.gitignore` line `init` writes (TMP_IGNORE), and swept
# by the next write when a killed run left it behind (sweep_stale_temps).
TMP_SUFFIX = ".guanxi-tmp"
JOURNAL_NAME = "journal.json"  # a journalled batch in progress (write.writer)
TMP_IGNORE = f".*{TMP_SUFFIX}"
STALE_AFTER = 300.0  # seconds: no live write keeps a temporary file this long


class UnsafePath(GuanxiError, OSError):
    """A write that would land outside the vault or inside its ``.git``; nothing was written."""


def safe_target(root: Path, path: Path) -> Path:
    """``path`` with every symlink resolved, refused unless it stays inside ``root`` and out of ``.git``.

    The one check every writer calls before it creates or replaces a file:
    git stores and clones symlinks, so ``_index``, ``.guanxi`` or a contacts
    folder may be a link to anywhere. A file that does not exist yet is
    resolved through its existing parents (a dangling link is followed too).
    """
    real_root = root.resolve()
    try:
        real = path.resolve()  # strict=False: resolves what exists, keeps the rest
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise UnsafePath(f"{path}: cannot be resolved ({exc}); not written") from None
    try:
        rel = real.relative_to(real_root)
    except ValueError:
        raise UnsafePath(f"{_shown(root, path)}: resolves to {real}, outside the vault; not written") from None
    if ".git" in rel.parts:
        raise UnsafePath(f"{_shown(root, path)}: resolves into the vault's .git folder; not written")
    return real


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def sweep_stale_temps(folders: Iterable[Path], older_than: float = STALE_AFTER) -> list[Path]:
    """Remove Guanxi temporary files older than ``older_than`` seconds under ``folders``.

    A run killed between creating its temporary file and the rename leaves
    one behind; no live write keeps one for minutes, so an old one is litter.
    Walked iteratively (no recursion limit) and never through symlinks.
    """
    cutoff = time.time() - older_than
    removed: list[Path] = []
    stack = [f for f in folders]
    seen: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        try:
            st = os.lstat(folder)
            if not stat_mod.S_ISDIR(st.st_mode) or (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != ".git":
                        stack.append(Path(entry.path))
                elif (entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX)
                      and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue
    return removed


@contextmanager
def atomic_file(path: Path, mode: int | None = None, exclusive: bool = False,
                sync: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path``.

    ``mode`` is kept when given (a user's file); otherwise the file gets the
    usual umask mode (``mkstemp`` alone would leave it 0600). On any error the
    temporary file is removed and ``path`` is untouched. ``exclusive``: create
    ``path`` only if it does not exist (``FileExistsError`` otherwise), never
    replacing a file that appeared meanwhile. ``sync=False`` skips the
    per-file fsync for a batch of new files that the caller makes durable
    once at the end (``os.sync``): still atomic, only the flush is shared.
    """
    import tempfile  # here: its imports (shutil, random, bz2, lzma…) are 4 ms of every command's start-up

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if sync:
                os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        if exclusive:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _link_new(tmp: str, path: Path) -> None:
    """Put ``tmp`` at ``path`` unless ``path`` exists, whole or not at all; ``tmp`` is gone after."""
    try:
        os.link(tmp, path)  # fails if the name exists: no file is ever replaced
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network file systems): claim the name, then fill it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def atomic_write(path: Path, data: bytes | bytearray | Iterable[bytes], mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (bytes, or parts written in turn) atomically."""
    with atomic_file(path, mode) as f:
        if isinstance(data, (bytes, bytearray, memoryview)):
            f.write(data)
        else:
            f.writelines(data)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def add_missing_lines(path: Path, lines: list[str], header: str | None = None,
                      key: Callable[[str], str] = str.strip) -> bool:
    """Append the ``lines`` a line-oriented file (``.gitignore``, ``.gitattributes``) lacks.

    Every existing byte stays, the new lines use the file's own line ending,
    ``header`` (a comment) goes before them unless already there, lines are
    compared by ``key``, and the file keeps its mode. True when it changed.
    """
    try:
        existing, mode = path.read_bytes(), os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        existing, mode = b"", None
    have = {key(line) for line in existing.decode("utf-8", "replace").splitlines()}
    missing = [line for line in lines if key(line) not in have]
    if not missing:
        return False
    eol = b"\r\n" if b"\r\n" in existing else b"\n"
    sep = b"" if not existing or existing.endswith(b"\n") else eol
    head = [header] if header and key(header) not in have else []
    atomic_write(path, existing + sep + eol.join(line.encode() for line in head + missing) + eol, mode)
    return True


_COMPARE_CHUNK = 1 << 20


def holds_exactly(path: Path, data: bytes | bytearray) -> bool:
    """Whether the file holds exactly ``data``: another size is another file (not read at all), else
    compared a chunk at a time, so a 19 MB feed costs 1 MB of memory to compare, not another 19."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size != len(data):
            return False
        view = memoryview(data)
        at = 0
        while chunk := f.read(_COMPARE_CHUNK):
            if view[at : at + len(chunk)] != chunk:
                return False
            at += len(chunk)
        return at == len(data)


def write_if_changed(path: Path, text: str | bytes | bytearray) -> bool:
    """Write ``text`` (UTF-8; or bytes as they are) unless the file already holds exactly it."""
    data = text if isinstance(text, (bytes, bytearray)) else text.encode("utf-8")
    try:
        if holds_exactly(path, data):
            return False
    except (FileNotFoundError, IsADirectoryError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return True


def interrupted_batch(root: Path) -> bool:
    """Whether a journalled batch was interrupted (``write.writer.recover`` finishes it): one stat."""
    return (root / STATE_DIR / JOURNAL_NAME).is_file()


def sweep_output(root: Path) -> None:
    """Remove page temporary files a killed run left in the output folder (one listing: cheap)."""
    from notebook_tool.read.config import load_config

    try:
        output = root / load_config(root)[0].output
        if output.is_dir() and not output.is_symlink():
            sweep_stale_temps([safe_target(root, output)])
    except OSError:
        pass  # litter only: never a reason for a command to fail
