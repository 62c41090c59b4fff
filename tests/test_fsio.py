"""Atomic writes: whole or nothing, modes kept, and exclusive creation never replaces a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notebook_tool.write.fsio import atomic_file, atomic_write


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
