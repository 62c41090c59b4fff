"""Read-only commands served from the store's memo while no file changes, never stale after one does."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.store import incremental
from notebook_tool.store.cache import store_path
from tests.conftest import run_cli
from tests.test_cache import BOB, age

TODAY = "2025-06-01"
Make = Callable[[dict[str, str | bytes]], Path]

ALICE = """\
    ---
    tags: [mentor]
    give:
      - 2025-01-10 Reviewed her CV +3
      - 2026-01-10 A future coffee
    take:
      - 2025-02-01 Referred me +2
    ---
    """
COMMANDS = [
    ("list", "--today", TODAY),
    ("list", "--json", "--sort", "balance", "--today", TODAY),
    ("list", "--tag", "mentor", "--today", TODAY),
    ("report", "attention", "--json", "--today", TODAY),
    ("report", "reciprocity", "--json", "--today", TODAY),
    ("report", "attention", "--markdown", "--today", TODAY),
    ("report", "reciprocity", "--today", TODAY),
    ("report", "introductions", "--json", "--today", TODAY),
    ("check", "--today", TODAY),
]


def outputs(root: Path, env: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    out = []
    for args in COMMANDS:
        r = run_cli("--vault", str(root), *args, env=env)
        out.append((r.exit_code, r.stdout, r.stderr))
    return out


def counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the times a command builds the whole vault or every person's row (what the memo saves)."""
    calls = [0]
    real, real_rows = incremental.State.vault, incremental.State.rows

    def vault(self: incremental.State) -> object:
        calls[0] += 1
        return real(self)

    def rows(self: incremental.State, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real_rows(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental.State, "vault", vault)
    monkeypatch.setattr(incremental.State, "rows", rows)
    return calls


def test_memoised_output_is_the_fresh_output_and_skips_the_vault(vault: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB, "people/broken.md": "---\nname: [x\n---\n"})
    age(root)
    reference = outputs(root, {"GUANXI_CACHE": "0"})
    calls = counting_loads(monkeypatch)
    first = outputs(root)
    assert calls[0] == len(COMMANDS)  # each computed once
    second = outputs(root)
    assert calls[0] == len(COMMANDS)  # and then served from the memo, the vault never built
    assert first == second == reference
    assert any("people/broken.md:" in out + err for _, out, err in reference)  # errors are part of what is kept
    # Another day or other options are other outputs.
    run_cli("--vault", str(root), "list", "--today", "2025-06-02")
    assert calls[0] == len(COMMANDS) + 1


@pytest.mark.parametrize("change", ["edit", "same-size-edit", "add", "remove", "config"])
def test_a_change_is_never_answered_from_the_memo(vault: Make, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    outputs(root)
    bob = root / "people/Bob Smith.md"
    if change == "edit":
        bob.write_text(bob.read_text(encoding="utf-8").replace("Lunch", "Lunch and a long walk +4"), encoding="utf-8")
    elif change == "same-size-edit":  # same size and mtime put back: the stamp's ctime still moves
        st = bob.stat()
        bob.write_text(bob.read_text(encoding="utf-8").replace("2025-03-01", "2025-04-01"), encoding="utf-8")
        os.utime(bob, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "add":
        (root / "people/Carol Diaz.md").write_text("---\ngive:\n  - 2025-05-01 Dinner +2\n---\n", encoding="utf-8")
    elif change == "remove":
        bob.unlink()
    else:
        (root / "guanxi.toml").write_text("[attention]\ndormant = \"30d\"\n", encoding="utf-8")
    if change != "same-size-edit":
        age(root)
    fresh = outputs(root, {"GUANXI_CACHE": "0"})
    calls = counting_loads(monkeypatch)
    got = outputs(root)
    assert calls[0] == len(COMMANDS)
    assert got == fresh
    assert outputs(root) == fresh and calls[0] == len(COMMANDS)  # memoised again


def test_racy_same_tick_edit_is_seen(vault: Make) -> None:
    """Right after a command (files within the racy window), a same-size, same-mtime edit is still seen."""
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    args = ("--vault", str(root), "report", "reciprocity", "--json", "--today", TODAY)
    before = run_cli(*args).stdout
    bob = root / "people/Bob Smith.md"
    st = bob.stat()
    bob.write_text(bob.read_text(encoding="utf-8").replace("2025-03-01", "2025-04-01"), encoding="utf-8")
    os.utime(bob, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = run_cli(*args).stdout
    assert "2025-04-01" in after and after != before
    assert after == run_cli(*args, env={"GUANXI_CACHE": "0"}).stdout


@pytest.mark.usefixtures("isolated_git")
def test_check_asks_git_every_time(vault: Make, tmp_path: Path) -> None:
    """The merge driver's registration is in git's config, which no stamp covers: never memoised."""
    root = vault({"people/Alice Chen.md": ALICE, ".gitattributes": "*.md merge=guanxi\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    age(root)
    first = run_cli("--vault", str(root), "check", "--today", TODAY)
    assert ".gitattributes:1: warning: the guanxi merge driver is named here but not registered" in first.stdout
    assert "people/Alice Chen.md:5: warning: give entry is dated in the future" in first.stdout
    subprocess.run(["git", "-C", str(root), "config", "merge.guanxi.driver", "true %O %A %B"], check=True)
    second = run_cli("--vault", str(root), "check", "--today", TODAY)
    assert ".gitattributes" not in second.stdout
    assert "people/Alice Chen.md:5: warning: give entry is dated in the future" in second.stdout
    assert second.stderr.endswith("1 file checked: 0 errors, 1 warning\n")


def test_memo_of_another_generation_is_ignored(vault: Make) -> None:
    """A memo row left under an old generation (a crafted or stale store) is never printed."""
    root = vault({"people/Alice Chen.md": ALICE})
    age(root)
    args = ("--vault", str(root), "list", "--today", TODAY)
    good = run_cli(*args).stdout
    with sqlite3.connect(store_path(root)) as conn:
        conn.execute("UPDATE memo SET output = 'planted', gen = 'old'")
        conn.execute("INSERT INTO memo VALUES ('x', 'old', 'planted too')")
    assert run_cli(*args).stdout == good
    with sqlite3.connect(store_path(root)) as conn:
        assert conn.execute("SELECT count(*) FROM memo WHERE output LIKE 'planted%'").fetchone() == (0,)


@pytest.mark.parametrize("planted", ["text", "not-zlib", "cut-short", "one-byte-changed"])
def test_a_memo_row_not_as_put_memo_writes_it_is_a_miss(vault: Make, planted: str) -> None:
    """The memo keeps UTF-8 compressed with zlib; a row of this generation in any other form (the
    TEXT rows written before, damage: zlib checks its own Adler-32) is never printed: the output
    is made again and kept again."""
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    args = ("--vault", str(root), "list", "--today", TODAY)
    good = run_cli(*args).stdout
    with sqlite3.connect(store_path(root)) as conn:
        (blob,) = conn.execute("SELECT output FROM memo").fetchone()
        assert isinstance(blob, bytes) and zlib.decompress(blob).decode("utf-8") == good
        changed = bytearray(blob)
        changed[len(blob) // 2] ^= 0x01
        value = {"text": "planted", "not-zlib": b"planted", "cut-short": blob[:-3],
                 "one-byte-changed": bytes(changed)}[planted]
        conn.execute("UPDATE memo SET output = ?", (value,))
    assert run_cli(*args).stdout == good
    with sqlite3.connect(store_path(root)) as conn:
        assert [zlib.decompress(b).decode("utf-8") for (b,) in conn.execute("SELECT output FROM memo")] == [good]
