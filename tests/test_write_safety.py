"""Writes that never lose a save or leave the vault, batches all-or-nothing (real processes, real files)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from benchmarks import probe_editor_race, probe_kill
from notebook_tool.write import writer as W
from notebook_tool.write.writer import AddEntry, WriteError, apply_change, apply_changes, recover
from tests.conftest import run_cli, write_vault

D = dt.date(2025, 1, 2)
PERSON = "---\nemail: a@example.org\ngive:\ntouch:\n---\nNotes.\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "v", {"guanxi.toml": 'contacts = ["people"]\n', "people/Ann.md": PERSON,
                                        "people/Bo.md": PERSON, "people/Cy.md": PERSON})


def g(root: Path, *args: str) -> object:
    return run_cli("--vault", str(root), *args)


# ---------------------------------------------------------------------------
# The probes, small (the big runs are quoted in docs/writing.md)
# ---------------------------------------------------------------------------


def test_sigkill_probe_leaves_no_half_batch() -> None:
    counts = probe_kill.run(kills=8, seed=3, max_delay=0.5)
    assert counts.kills >= 1
    assert (counts.half_files, counts.partial_batches, counts.lost_entries, counts.stray_temps) == (0, 0, 0, 0), \
        counts.line()


def test_editor_race_probe_loses_no_save() -> None:
    counts = probe_editor_race.run(gives=8)
    assert counts.editor_saves > 0
    assert (counts.lost_editor_saves, counts.lost_gives, counts.half_files) == (0, 0, 0), counts.line()


# ---------------------------------------------------------------------------
# The write protocol, step by step
# ---------------------------------------------------------------------------


def test_an_editor_save_into_the_old_file_after_the_check_is_redone_on_top(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = root / "people" / "Ann.md"
    real_replace = os.replace
    saved = []

    def editor_saves_then_replace(src: str, dst: str) -> None:
        if not saved and str(dst).endswith("Ann.md"):
            with open(f, "r+b") as fh:  # truncate-then-write: into the inode Guanxi checked
                fh.truncate(0)
                fh.write(PERSON.replace("Notes.", "Notes typed in vim.").encode())
            saved.append(1)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", editor_saves_then_replace)
    apply_change(root, "people/Ann.md", AddEntry("give", D, "coffee"))
    assert f.read_text() == "---\nemail: a@example.org\ngive:\n  - 2025-01-02 coffee\ntouch:\n---\nNotes typed in vim.\n"


def test_a_fresh_file_that_reads_half_written_is_being_saved(root: Path) -> None:
    f = root / "people" / "Ann.md"
    f.write_bytes(b"---\nemail: a@example.org\ngive:\n  - 2025-01-01 [")  # mid-save, just now
    with pytest.raises(WriteError, match="if it is being saved, try again"):
        apply_change(root, "people/Ann.md", AddEntry("give", D, "x"))
    assert f.read_bytes() == b"---\nemail: a@example.org\ngive:\n  - 2025-01-01 ["


def test_a_read_that_never_holds_still_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = root / "people" / "Ann.md"
    real_fstat = os.fstat
    n = [0]

    def moving_fstat(fd: int) -> os.stat_result:  # the size moves under every read
        st = real_fstat(fd)
        n[0] += 1
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid,
                               st.st_size + n[0], st.st_atime, st.st_mtime, st.st_ctime))

    monkeypatch.setattr(os, "fstat", moving_fstat)
    monkeypatch.setattr(W, "SETTLE", 0.001)
    with pytest.raises(WriteError, match="the file is being saved, try again"):
        apply_change(root, "people/Ann.md", AddEntry("give", D, "x"))
    assert f.read_text() == PERSON


def test_a_refusal_mid_batch_rolls_the_written_files_back(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_commit = W._commit
    calls = [0]

    def second_fails(*a: object, **k: object) -> W.Written:
        calls[0] += 1
        if calls[0] == 2:
            raise WriteError("people/Bo.md: the file kept changing")
        return real_commit(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(W, "_commit", second_fails)
    with pytest.raises(WriteError):
        apply_changes(root, [(f"people/{n}.md", AddEntry("touch", D, "lunch")) for n in ("Ann", "Bo", "Cy")])
    for n in ("Ann", "Bo", "Cy"):
        assert (root / "people" / f"{n}.md").read_text() == PERSON
    assert not (root / ".guanxi" / "journal.json").exists()
    assert not list((root / "people").glob(".*"))


KILL_AFTER_FIRST_REPLACE = textwrap.dedent("""
    import os, signal, sys, datetime
    from pathlib import Path
    from notebook_tool.write import writer as W
    real = os.replace
    n = [0]
    def replace_then_die(src, dst):
        real(src, dst)
        if str(dst).endswith(".md"):
            n[0] += 1
            if n[0] == 1:
                os.kill(os.getpid(), signal.SIGKILL)
    os.replace = replace_then_die
    root = Path(sys.argv[1])
    W.apply_changes(root, [(f"people/{n}.md", W.AddEntry("touch", datetime.date(2025, 1, 2), "lunch"))
                           for n in ("Ann", "Bo", "Cy")])
""")


def test_a_batch_killed_mid_way_is_finished_by_the_next_command_which_says_so(root: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_REPLACE, str(root)], capture_output=True)
    assert proc.returncode == -9
    have = [n for n in ("Ann", "Bo", "Cy") if "lunch" in (root / "people" / f"{n}.md").read_text()]
    assert have == ["Ann"]  # killed after the first replace
    r = g(root, "show", "Bo")
    assert r.exit_code == 0  # type: ignore[attr-defined]
    assert r.stderr == ("guanxi: finished an interrupted write: people/Ann.md: already written\n"  # type: ignore[attr-defined]
                        "guanxi: finished an interrupted write: people/Bo.md: written now\n"
                        "guanxi: finished an interrupted write: people/Cy.md: written now\n")
    for n in ("Ann", "Bo", "Cy"):
        assert (root / "people" / f"{n}.md").read_text() == PERSON.replace("touch:\n", "touch:\n  - 2025-01-02 lunch\n")
    assert not (root / ".guanxi" / "journal.json").exists()
    assert not list((root / "people").glob(".*"))
    assert recover(root) == []


def test_a_file_changed_after_the_crash_is_left_alone_and_said(root: Path) -> None:
    subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_REPLACE, str(root)], capture_output=True)
    (root / "people" / "Cy.md").write_text(PERSON.replace("Notes.", "Edited since."))
    said = recover(root)
    assert said[-1] == "finished an interrupted write: people/Cy.md: changed since, left as it is (its entry was not written)"
    assert (root / "people" / "Cy.md").read_text() == PERSON.replace("Notes.", "Edited since.")


def test_stale_temp_files_are_swept_by_the_next_write_fresh_ones_kept(root: Path) -> None:
    old = root / "people" / ".Ann.md.abc123.guanxi-tmp"
    fresh = root / "people" / ".Bo.md.def456.guanxi-tmp"
    for p in (old, fresh):
        p.write_text("half")
    past = time.time() - 3600
    os.utime(old, (past, past))
    assert g(root, "give", "Ann", "coffee").exit_code == 0  # type: ignore[attr-defined]
    assert not old.exists() and fresh.exists()


def test_init_ignores_temp_files_so_git_add_never_takes_them(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert run_cli("init", str(root)).exit_code == 0
    (root / "people" / ".Ann.md.x1.guanxi-tmp").write_text("half")
    (root / "people" / "Ann.md").write_text(PERSON)
    out = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uall"], capture_output=True,
                         text=True).stdout
    assert "guanxi-tmp" not in out and "people/Ann.md" in out


# ---------------------------------------------------------------------------
# Nothing written outside the vault
# ---------------------------------------------------------------------------


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_symlinked_output_folder_is_never_written_through(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "_index").symlink_to(outside)
    r = g(root, "index")
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert "outside the vault" in r.stderr  # type: ignore[attr-defined]
    assert files_under(outside) == []


def test_symlinked_state_folder_is_never_written_through(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".guanxi").symlink_to(outside)
    r = g(root, "give", "Ann", "coffee")
    assert r.exit_code == 1 and "outside the vault" in r.stderr  # type: ignore[attr-defined]
    assert files_under(outside) == []
    assert (root / "people" / "Ann.md").read_text() == PERSON


def test_a_dangling_lock_link_does_not_create_its_target(root: Path, tmp_path: Path) -> None:
    (root / ".guanxi").mkdir()
    (root / ".guanxi" / "write.lock").symlink_to(tmp_path / "created-by-guanxi")
    r = g(root, "give", "Ann", "coffee")
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert not (tmp_path / "created-by-guanxi").exists()


def test_add_into_a_symlinked_contacts_folder_is_refused(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"guanxi.toml": 'contacts = ["people"]\n'})
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "people").symlink_to(outside)
    r = g(root, "add", "Dana Lee")
    assert r.exit_code == 1 and "outside the vault" in r.stderr  # type: ignore[attr-defined]
    assert files_under(outside) == []


@pytest.mark.parametrize("toml, message", [
    ('output = ".git"', "'output' '.git': names git's or Guanxi's own folder"),
    ('output = ".git/hooks"', "'output' '.git/hooks': names git's or Guanxi's own folder"),
    ('contacts = [".git"]', "'contacts' folder '.git': names git's or Guanxi's own folder"),
    ('output = "."', "'output' '.': is the vault itself"),
    ('contacts = ["people"]\noutput = "people"', "'output' 'people' overlaps the contacts folder 'people'"),
    ('contacts = ["people"]\noutput = "people/_index"', "overlaps the contacts folder 'people'"),
    ('output = "a\\u0000b"', "'output' 'a\\x00b': holds a control character"),
    (f'output = "{"x" * 300}"', "is 300 characters long; at most 255"),
    ('output = "notes.txt"', "'output' 'notes.txt' is a file, not a folder"),
])
def test_bad_folder_settings_are_config_errors_and_writes_refuse(root: Path, toml: str, message: str) -> None:
    (root / "guanxi.toml").write_text(toml + "\n")
    (root / "notes.txt").write_text("a file\n")
    r = g(root, "check")
    assert message in r.stdout + r.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in r.stdout + r.stderr  # type: ignore[attr-defined]
    before = files_under(root)
    for args in (("add", "Dana Lee"), ("give", "Ann", "coffee")):
        r = g(root, *args)
        assert r.exit_code == 1, (args, r.stdout)  # type: ignore[attr-defined]
        assert message in r.stderr and "fix guanxi.toml first; nothing was written" in r.stderr  # type: ignore[attr-defined]
    assert [p for p in files_under(root) if not p.startswith(".guanxi")] == \
        [p for p in before if not p.startswith(".guanxi")]


# ---------------------------------------------------------------------------
# Concurrent adds
# ---------------------------------------------------------------------------


def test_twelve_concurrent_adds_of_case_variants_make_one_file(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"guanxi.toml": 'contacts = ["people"]\n', "people/.keep": ""})
    variants = ["Dana Lee", "DANA LEE", "dana lee", "Dana lee", "dANA lEE", "DaNa LeE",
                "dana LEE", "DANA lee", "Dana LEE", "dAna lee", "daNa lee", "danA lee"]
    procs = [subprocess.Popen([sys.executable, "-m", "notebook_tool", "--vault", str(root), "add", v],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for v in variants]
    codes = [p.wait() for p in procs]
    made = [p.name for p in (root / "people").glob("*.md")]
    assert len(made) == 1, made
    assert sorted(codes) == [0] + [1] * 11


# ---------------------------------------------------------------------------
# Odd but legal input: clear messages, never a traceback
# ---------------------------------------------------------------------------


def test_a_folder_chain_a_thousand_deep_is_walked(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"guanxi.toml": 'contacts = ["people"]\n', "people/Ann.md": PERSON})
    chain = [root / "people" / "d"]
    for _ in range(999):
        chain.append(chain[-1] / "d")
    try:
        for folder in chain:
            folder.mkdir()
        (chain[-1] / "Deep One.md").write_text(PERSON)
        r = g(root, "check")
        assert r.exit_code == 0, r.stderr  # type: ignore[attr-defined]
        assert r.stderr == "2 files checked: 0 errors, 0 warnings\n"  # type: ignore[attr-defined]
        assert g(root, "give", "Deep One", "found you").exit_code == 0  # type: ignore[attr-defined]
    finally:
        # Bottom-up by hand: shutil.rmtree (pytest's clean-up of old temp folders) recurses
        # on 3.11 and would fail on this chain, in this run or a later one.
        for p in (chain[-1] / "Deep One.md", *(chain[-1].glob(".*"))):
            p.unlink(missing_ok=True)
        for folder in reversed(chain):
            if folder.exists():
                for leftover in folder.iterdir():
                    if leftover.is_file():
                        leftover.unlink()
                folder.rmdir()


@pytest.mark.parametrize("duration, message", [
    ("99999999999d", "'99999999999d' is longer than the calendar (at most 3652058 days)"),
    ("9000y", "'9000y' from 2025-01-02 is after 9999-12-31, the last day Guanxi can write"),
])
def test_snooze_beyond_the_calendar_is_a_usage_error(root: Path, duration: str, message: str) -> None:
    r = g(root, "snooze", "Ann", duration, "--date", "2025-01-02")
    assert r.exit_code == 2 and message in r.stderr  # type: ignore[attr-defined]
    assert (root / "people" / "Ann.md").read_text() == PERSON


def test_the_last_day_of_the_calendar_with_a_birthday(root: Path) -> None:
    (root / "people" / "Ann.md").write_text("---\nemail: a@x\nbirthday: 1990-12-31\ntouch:\n  - 9999-12-30 x\n---\n")
    for args in (("index",), ("list",), ("show", "Ann"), ("check",)):
        r = g(root, *args, "--today", "9999-12-31")
        assert r.exit_code == 0 and "Traceback" not in r.stderr, (args, r.stderr)  # type: ignore[attr-defined]


def test_index_sweeps_a_stale_page_temp_file(root: Path) -> None:
    assert g(root, "index").exit_code == 0  # type: ignore[attr-defined]
    stale = root / "_index" / ".attention.md.k1ll3d.guanxi-tmp"
    stale.write_text("half a page")
    past = time.time() - 3600
    os.utime(stale, (past, past))
    assert g(root, "index").exit_code == 0  # type: ignore[attr-defined]
    assert not stale.exists()
