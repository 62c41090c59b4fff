"""A crafted store cannot run code or crash a command: in the vault (by clone) or at the store's own place.

Each case plants a file, then runs ``index``, ``show`` and ``watch`` (briefly,
with the real observer) and checks that no code ran (the pickle payload would
create a marker file), nothing crashed, and the pages are the ones a fresh
index without any store writes.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.store.cache import store_path
from notebook_tool.watch.watcher import Watcher
from tests.conftest import run_cli, write_vault

TODAY = "2025-06-01"
FILES: dict[str, str | bytes] = {
    "people/Alice Chen.md": "---\nemail: a@example.com\ngive:\n  - 2025-01-10 Intro +3\n---\n",
    "people/Bob Smith.md": "---\ntake:\n  - 2025-03-01 Lunch +2\n---\n",
}


class _Payload:
    """Unpickled, this would create ``path``: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
        return (open, (str(self.path), "w"))


def pickle_bomb(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def old_format_bomb(marker: Path) -> bytes:
    """The layout the old cache.bin had (magic, sections, pickled meta table, its length)."""
    meta = pickle_bomb(marker)
    return b"GUANXI-CACHE\n" + meta + len(meta).to_bytes(8, "little")


def fresh_pages(src: Path, where: Path) -> dict[str, bytes]:
    shutil.copytree(src, where, ignore=shutil.ignore_patterns("_index", ".guanxi"))
    r = run_cli("--vault", str(where), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0, r.output
    return {p.name: p.read_bytes() for p in sorted((where / "_index").iterdir())}


def pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "_index").iterdir())}


def plant(kind: str, root: Path, marker: Path, at_store: bool) -> Path:
    """Write the crafted file into the vault's ``.guanxi/cache.bin`` or at the store's own path."""
    target = store_path(root) if at_store else root / ".guanxi" / "cache.bin"
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "pickle":
        target.write_bytes(pickle_bomb(marker))
    elif kind == "old-format-pickle":
        target.write_bytes(old_format_bomb(marker))
    elif kind == "random":
        target.write_bytes(os.urandom(4096))
    else:  # a valid store, truncated
        scratch = root.parent / "scratch-vault"
        write_vault(scratch, FILES)
        assert run_cli("--vault", str(scratch), "index", "--today", TODAY).exit_code == 0
        raw = store_path(scratch).read_bytes()
        target.write_bytes(raw[: len(raw) * 2 // 3])
    if at_store:
        target.chmod(0o600)  # as ours would be: it must still not be trusted blindly
    return target


@pytest.mark.parametrize("at_store", [False, True], ids=["in-vault", "at-store-path"])
@pytest.mark.parametrize("kind", ["pickle", "old-format-pickle", "random", "truncated-store"])
def test_crafted_store_runs_no_code(tmp_path: Path, kind: str, at_store: bool) -> None:
    root = write_vault(tmp_path / "vault", FILES)
    marker = tmp_path / "PWNED"
    expected = fresh_pages(root, tmp_path / "fresh")
    plant(kind, root, marker, at_store)

    r = run_cli("--vault", str(root), "index", "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert pages(root) == expected
    r = run_cli("--vault", str(root), "show", "bob", "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert "Bob Smith" in r.stdout

    # watch, briefly: the real observer, on a vault whose store is planted again.
    shutil.rmtree(root / "_index")
    plant(kind, root, marker, at_store)
    w = Watcher(root, today=dt.date.fromisoformat(TODAY), debounce=0.05, echo=lambda _m: None)
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    try:
        assert w.ready.wait(60)
        deadline = time.monotonic() + 60
        while not ((root / "_index").is_dir() and pages(root) == expected):
            assert time.monotonic() < deadline, "watch did not write the pages"
            time.sleep(0.05)
    finally:
        w.stop()
        t.join(60)
    assert not t.is_alive()
    assert not marker.exists(), "code from the store ran"


def test_store_is_private_and_outside_the_vault(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FILES)
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    path = store_path(root)
    assert path.is_file() and root not in path.parents
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (root / ".guanxi").exists()  # nothing of the store's in the vault: nothing to commit
    assert str(path).startswith(os.environ["XDG_CACHE_HOME"])


def test_store_key_follows_the_real_path(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FILES)
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert store_path(tmp_path / "link") == store_path(root)
    assert store_path(root) != store_path(tmp_path / "other")


def test_the_payload_is_live(tmp_path: Path) -> None:
    """The planted bytes really would run code if unpickled: the test above can fail."""
    marker = tmp_path / "PWNED"
    pickle.loads(pickle_bomb(marker)).close()
    assert marker.exists()
