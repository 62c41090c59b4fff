"""Atomic writes: whole or nothing, modes kept, and exclusive creation never replaces a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notebook_tool.write import fsio
from notebook_tool.write.fsio import atomic_file, atomic_write, holds_exactly, write_if_changed


def test_exclusive_creation_never_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "Ann.md"
    with atomic_file(path, exclusive=True) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
    with pytest.raises(FileExistsError), atomic_file(path, exclusive=True) as f:
        f.write(b"other")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["Ann.md"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(path) as f:
        f.write(b"half")
        raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["page.md"]


def test_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.md"
    path.write_bytes(b"x")
    os.chmod(path, 0o640)
    atomic_write(path, [b"a", b"b"], mode=0o640)
    assert (path.read_bytes(), os.stat(path).st_mode & 0o777) == (b"ab", 0o640)


@pytest.mark.parametrize("change", [None, 0, 3, 4, 7, 8, 9, "longer", "shorter"])
def test_a_page_is_compared_chunk_by_chunk_and_every_byte_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: int | str | None) -> None:
    """The comparison that spares a rewrite reads the file in chunks (4 bytes here): a difference in
    the first, a middle or the last byte of a chunk, or in the length, is a change; none is not."""
    monkeypatch.setattr(fsio, "_COMPARE_CHUNK", 4)
    path = tmp_path / "page.md"
    old = b"0123456789"
    path.write_bytes(old)
    new = bytearray(old)
    if isinstance(change, int):
        new[change] ^= 1
    elif change == "longer":
        new += b"!"
    elif change == "shorter":
        del new[-1]
    assert holds_exactly(path, new) is (change is None)
    assert write_if_changed(path, new) is (change is not None)
    assert path.read_bytes() == new


def test_write_if_changed_creates_a_missing_page(tmp_path: Path) -> None:
    path = tmp_path / "out" / "page.md"
    assert write_if_changed(path, "héllo") is True
    assert path.read_bytes() == "héllo".encode()
    assert write_if_changed(path, "héllo") is False
