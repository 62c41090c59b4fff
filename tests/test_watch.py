"""``guanxi watch`` with the real watchdog observer and real files on disk.

Every scenario ends the same way: the pages on disk become byte-equal to what
a fresh ``guanxi index`` (no cache) writes for the same files. Nothing here
asserts on timing: each test waits for a condition with a generous timeout,
so a loaded machine makes it slower, not flaky.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from notebook_tool.render.extra import extra_page_functions
from notebook_tool.watch.watcher import Round, Watcher
from tests.conftest import REPO, run_cli, write_vault

TODAY = dt.date(2025, 6, 1)
TIMEOUT = 60.0  # generous: a loaded 2-core machine is slow, not wrong
PAGES = ("attention.md", "reciprocity.md")


def alice(n: int = 1, extra: str = "") -> str:
    lines = "".join(f"  - 2025-01-{(i % 28) + 1:02d} favour {i}\n" for i in range(n))
    return f"---\nemail: alice@example.com\ngive:\n{lines}{extra}---\nNotes.\n"


BOB = "---\ntake:\n  - 2025-03-01 Lunch +2\n---\n"
CAROL = "---\nphone: '+1 555'\ntouch:\n  - 2025-05-20 Coffee\n---\n"


def age(root: Path) -> None:
    past = time.time() - 3600
    for p in [root, *root.rglob("*")]:
        os.utime(p, (past, past))


def wait_for(cond: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def fresh_pages(root: Path, where: Path, today: dt.date = TODAY) -> dict[str, bytes]:
    """The pages a fresh `guanxi index` (no cache) writes for the files under ``root`` now."""
    if where.exists():
        shutil.rmtree(where)
    shutil.copytree(root, where, ignore=shutil.ignore_patterns("_index", ".guanxi"))
    r = run_cli("--vault", str(where), "index", "--today", today.isoformat(), env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0, r.output
    return {n: (where / "_index" / n).read_bytes() for n in PAGES}


def pages_on_disk(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for n in PAGES:
        try:
            out[n] = (root / "_index" / n).read_bytes()
        except FileNotFoundError:
            out[n] = None
    return out


@dataclass
class Running:
    root: Path
    scratch: Path
    watcher: Watcher
    thread: threading.Thread
    rounds: list[Round] = field(default_factory=list)
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    today: dt.date = TODAY

    def settle(self, what: str = "pages equal to a fresh index") -> dict[str, bytes]:
        """Wait until the pages are what a fresh `guanxi index` writes for the files now."""
        expected = fresh_pages(self.root, self.scratch / "fresh", self.today)
        wait_for(lambda: pages_on_disk(self.root) == expected and self.watcher.idle(), what)
        return expected

    def assert_no_redundant_writes(self) -> None:
        """No page was written more often than its content changed."""
        last: dict[str, bytes] = {}
        for rel, data in self.writes:
            assert last.get(rel) != data, f"{rel} rewritten with the same bytes"
            last[rel] = data
        for r in self.rounds:
            for rel in (*r.changes.read, *r.changes.removed):
                assert not rel.startswith(("_index/", ".guanxi/")), f"reacted to its own output: {rel}"


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(files: dict[str, str | bytes], **kw: object) -> Running:
        root = write_vault(tmp_path / "vault", files)
        age(root)
        run = Running(root, tmp_path, None, None)  # type: ignore[arg-type]

        def on_round(r: Round) -> None:
            run.rounds.append(r)
            for rel in r.outcome.written:
                run.writes.append((rel, (root / rel).read_bytes()))

        kw.setdefault("today", TODAY)
        kw.setdefault("debounce", 0.1)
        w = Watcher(root, on_round=on_round, echo=run.messages.append, **kw)  # type: ignore[arg-type]
        t = threading.Thread(target=w.run, name="watcher", daemon=True)
        run.watcher, run.thread = w, t
        t.start()
        started.append(run)
        assert w.ready.wait(TIMEOUT), "watcher did not start"
        return run

    yield start
    for run in started:
        run.watcher.stop()
        run.thread.join(TIMEOUT)
        assert not run.thread.is_alive()


def base_files() -> dict[str, str | bytes]:
    return {"people/Alice Chen.md": alice(), "people/Bob Smith.md": BOB}


# -- start ------------------------------------------------------------------------

def test_start_indexes_like_guanxi_index(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    assert run.rounds[0].reason == "start"


# -- editors' save patterns ----------------------------------------------------------

def test_write_then_rename(watching: Callable[..., Running]) -> None:
    """VS Code, Obsidian, most 'safe write' code: a temporary file renamed over the original."""
    run = watching(base_files())
    run.settle()
    path = run.root / "people/Alice Chen.md"
    for i, tmp in enumerate((".Alice Chen.md.tmp", "Alice Chen.md.tmp.1234", ".~Alice Chen.md")):
        (path.parent / tmp).write_text(alice(i + 2), encoding="utf-8")
        os.replace(path.parent / tmp, path)
        run.settle(f"rename #{i}")
    run.assert_no_redundant_writes()


def test_truncate_then_write(watching: Callable[..., Running]) -> None:
    """In-place saves: the file is empty for a moment; that moment must not be the last word."""
    run = watching(base_files())
    run.settle()
    path = run.root / "people/Alice Chen.md"
    for n in (3, 5):
        with open(path, "r+b") as f:
            f.truncate(0)
            f.flush()
            os.fsync(f.fileno())
            time.sleep(0.05)
            f.write(alice(n).encode("utf-8"))
        run.settle(f"truncate and write {n}")
    run.assert_no_redundant_writes()


def test_vim_backup_rename_and_4913_probe(watching: Callable[..., Running]) -> None:
    """vim with backupcopy=no: probe file 4913, rename to a ~ backup, write anew, drop the backup; swap file throughout."""
    run = watching(base_files())
    run.settle()
    folder = run.root / "people"
    path = folder / "Alice Chen.md"
    swap = folder / ".Alice Chen.md.swp"
    swap.write_bytes(b"b0VIM 9.0" + b"\0" * 100)
    probe = folder / "4913"
    probe.write_bytes(b"")
    probe.unlink()
    os.rename(path, folder / "Alice Chen.md~")
    path.write_text(alice(4), encoding="utf-8")
    (folder / "Alice Chen.md~").unlink()
    swap.write_bytes(b"b0VIM 9.0" + b"\1" * 100)
    run.settle("vim save")
    swap.unlink()
    run.assert_no_redundant_writes()
    touched = {rel for r in run.rounds for rel in (*r.changes.read, *r.changes.removed)}
    assert touched <= {"people/Alice Chen.md", "people/Bob Smith.md"}, touched


def test_swap_and_temp_files_are_ignored(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    n_rounds = len(run.rounds)
    folder = run.root / "people"
    for name in (".Bob Smith.md.swp", ".Bob Smith.md.swx", "Bob Smith.md~", "4913", "#Bob Smith.md#",
                 ".#Bob Smith.md", "Bob Smith.md.tmp", ".goutputstream-XYZ", "notes.txt", ".DS_Store"):
        (folder / name).write_text("---\nnot: [valid\n", encoding="utf-8")
    (run.root / ".obsidian").mkdir()
    (run.root / ".obsidian/workspace.md").write_text("---\nx: [\n", encoding="utf-8")
    # A real change after the junk: once it shows, the junk's events have been seen too.
    (folder / "Carol Diaz.md").write_text(CAROL, encoding="utf-8")
    run.settle("the real change after the junk")
    later = run.rounds[n_rounds:]
    touched = {rel for r in later for rel in (*r.changes.read, *r.changes.removed)}
    assert touched == {"people/Carol Diaz.md"}, touched
    run.assert_no_redundant_writes()


# -- deletes and moves ------------------------------------------------------------------

def test_delete(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    (run.root / "people/Bob Smith.md").unlink()
    run.settle("after the delete")
    assert "Bob Smith" not in (run.root / "_index/reciprocity.md").read_text(encoding="utf-8")
    wait_for(lambda: any(m.endswith("people/Bob Smith.md: removed") for m in run.messages), "'removed'")


def test_moves_in_out_and_within(watching: Callable[..., Running], tmp_path: Path) -> None:
    run = watching(base_files())
    run.settle()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Carol Diaz.md").write_text(CAROL, encoding="utf-8")
    os.rename(outside / "Carol Diaz.md", run.root / "people/Carol Diaz.md")  # in
    run.settle("moved in")
    os.rename(run.root / "people/Bob Smith.md", outside / "Bob Smith.md")  # out
    run.settle("moved out")
    os.rename(run.root / "people/Carol Diaz.md", run.root / "people/Carol D.md")  # renamed
    run.settle("renamed")
    (run.root / "people/sub").mkdir()
    os.rename(run.root / "people/Carol D.md", run.root / "people/sub/Carol D.md")  # into a new folder
    run.settle("into a subfolder")
    os.rename(run.root / "people/sub", outside / "sub")  # a whole folder out
    run.settle("folder moved out")
    os.rename(outside / "sub", run.root / "people/sub2")  # and back in under another name
    run.settle("folder moved in")
    run.assert_no_redundant_writes()


# -- a broken save, then a fixed one ---------------------------------------------------

def test_broken_save_keeps_last_good_version_until_fixed(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    path = run.root / "people/Alice Chen.md"
    path.write_text("---\nemail: alice@example.com\ngive:\n  - 2025-01-01 favour 0\n", encoding="utf-8")  # no closing ---

    def shows_error() -> bool:
        text = (run.root / "_index/attention.md").read_text(encoding="utf-8")
        return "people/Alice Chen.md:1" in text

    wait_for(shows_error, "the error on the attention page")
    # The person is still there, as last read: a half-typed save does not drop them.
    assert "[Alice Chen]" in (run.root / "_index/reciprocity.md").read_text(encoding="utf-8")
    wait_for(lambda: any("people/Alice Chen.md:1:" in m for m in run.messages), "the error in the terminal")
    path.write_text(alice(2), encoding="utf-8")
    run.settle("fixed")
    wait_for(lambda: any(m == "people/Alice Chen.md: fixed" for m in run.messages), "'fixed' in the terminal")
    run.assert_no_redundant_writes()


def test_broken_new_file_shows_its_error(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    (run.root / "people/Dan.md").write_text("---\ngive: [\n---\n", encoding="utf-8")
    run.settle("a broken new file, same as a fresh index")


# -- bursts and loops ---------------------------------------------------------------------

def test_burst_of_50_saves(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    before = len(run.writes)
    path = run.root / "people/Alice Chen.md"
    for i in range(50):
        if i % 2:
            tmp = path.with_name(".Alice Chen.md.tmp")
            tmp.write_text(alice(i + 1), encoding="utf-8")
            os.replace(tmp, path)
        else:
            path.write_text(alice(i + 1), encoding="utf-8")
    run.settle("after the burst")
    # Debounced: far fewer rebuilds than saves (at most one per save, never more).
    assert len(run.writes) - before <= 2 * 50
    run.assert_no_redundant_writes()


def test_no_self_triggered_loop(watching: Callable[..., Running]) -> None:
    run = watching(base_files())
    run.settle()
    (run.root / "people/Bob Smith.md").write_text(BOB.replace("+2", "+3"), encoding="utf-8")
    run.settle()
    # Quiet means quiet: wait until no round has happened for a while (bounded).
    seen = [len(run.rounds), time.monotonic()]

    def quiet() -> bool:
        if len(run.rounds) != seen[0]:
            seen[:] = [len(run.rounds), time.monotonic()]
        return time.monotonic() - seen[1] > 1.5

    wait_for(quiet, "the watcher to go quiet")
    run.assert_no_redundant_writes()


def test_hand_edit_of_a_page_is_left_to_the_next_change(watching: Callable[..., Running]) -> None:
    """Edits to generated pages are not events (deaf to the output folder); the next change rewrites them."""
    run = watching(base_files())
    run.settle()
    (run.root / "_index/attention.md").write_text("scribble", encoding="utf-8")
    (run.root / "people/Bob Smith.md").write_text(BOB.replace("+2", "+5"), encoding="utf-8")
    run.settle()


# -- config, rescans, date, polling --------------------------------------------------------

def test_config_change_rescans(watching: Callable[..., Running]) -> None:
    files = base_files()
    files["other/Carol Diaz.md"] = CAROL
    run = watching(files)
    run.settle()
    (run.root / "guanxi.toml").write_text('contacts = ["people"]\n', encoding="utf-8")
    run.settle("config narrowed the contacts")


def test_periodic_rescan_catches_missed_events(watching: Callable[..., Running],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run = watching(base_files(), rescan_every=1.0)
    run.settle()
    # Drop every event from now on, as an inotify queue overflow would.
    monkeypatch.setattr(run.watcher, "queue", lambda rel: None)
    monkeypatch.setattr(run.watcher, "queue_rescan", lambda: None)
    (run.root / "people/Carol Diaz.md").write_text(CAROL, encoding="utf-8")
    run.settle("the periodic rescan")


def test_rerenders_when_the_date_changes(watching: Callable[..., Running]) -> None:
    day = [TODAY]
    run = watching(base_files(), today=None)
    run.watcher.today = lambda: day[0]  # type: ignore[method-assign]
    # The watcher started with the real date; the first loop turn moves it to ours.
    run.settle("pages as of the first day")
    day[0] = TODAY + dt.timedelta(days=1)
    run.today = day[0]
    run.settle("pages as of the next day")
    assert any(r.reason == "date" for r in run.rounds)


def test_poll(watching: Callable[..., Running]) -> None:
    run = watching(base_files(), poll=True, poll_interval=0.2)
    run.settle()
    (run.root / "people/Carol Diaz.md").write_text(CAROL, encoding="utf-8")
    run.settle("polled change")
    (run.root / "people/Bob Smith.md").unlink()
    run.settle("polled delete")


# -- the command and its signals ------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_exits_zero_with_whole_pages(tmp_path: Path, sig: int) -> None:
    root = write_vault(tmp_path / "vault", base_files())
    age(root)
    env = {**os.environ, "GUANXI_VAULT": "", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "notebook_tool", "--vault", str(root), "watch", "--today", TODAY.isoformat(),
         "--debounce", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line and "watching" not in line:
            line = proc.stderr.readline()
        assert "watching" in line, "watch did not start"
        # Keep it busy, then stop it in the middle of whatever it is doing.
        for i in range(20):
            (root / "people/Alice Chen.md").write_text(alice(i + 1), encoding="utf-8")
        time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in err
    # Every page is whole (a generated page, never a half-written one) and no temporary file is left.
    for n in PAGES:
        text = (root / "_index" / n).read_text(encoding="utf-8")
        assert text.startswith("<!-- Generated by guanxi") and text.endswith("\n")
    assert sorted(p.name for p in (root / "_index").iterdir()) == sorted([*PAGES, *extra_page_functions()])
    # And the next index brings them up to date with the files.
    r = run_cli("--vault", str(root), "index", "--today", TODAY.isoformat())
    assert r.exit_code == 0
    assert pages_on_disk(root) == fresh_pages(root, tmp_path / "fresh")


def test_watch_help_and_lazy_import() -> None:
    r = run_cli("watch", "--help")
    assert r.exit_code == 0 and "--poll" in r.stdout
    code = ("import sys; from notebook_tool.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'watchdog' not in sys.modules and 'markdown' not in sys.modules, "
            "[m for m in sys.modules if m.startswith(('watchdog', 'markdown'))]")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr


def test_inotify_queue_overflow_rescans_at_once_and_says_so(watching: Callable[..., Running]) -> None:
    """Flood past the kernel's queue (lowered for this watcher's inotify instance, then restored)."""
    limit = Path("/proc/sys/fs/inotify/max_queued_events")
    try:
        saved = limit.read_text()
        limit.write_text("32\n")
    except OSError:
        pytest.skip("cannot lower fs.inotify.max_queued_events here (not root)")
    try:
        run = watching(base_files(), rescan_every=3600.0)  # the periodic rescan cannot be what saves us
    finally:
        limit.write_text(saved)  # the limit is read when an inotify instance is created
    run.settle()
    for i in range(400):
        (run.root / "people" / f"Flood {i:03d}.md").write_text("---\nemail: f@example.org\n---\n")
    run.settle("pages with all 400 new people")
    assert any("the OS lost file events" in m and "rescanning the vault now" in m for m in run.messages), \
        run.messages
    assert any(r.reason == "rescan" for r in run.rounds)


def test_watch_has_glibc_give_large_blocks_back(watching: Callable[..., Running],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A session asks the C library to map large blocks apart (returned when freed), and on glibc the
    setting is taken: in a fresh interpreter, as ``guanxi watch`` starts."""
    import platform

    from notebook_tool.watch import watcher as watcher_mod

    asked: list[bool] = []
    monkeypatch.setattr(watcher_mod, "give_back_large_blocks", lambda: asked.append(True) or True)
    watching(base_files()).settle()
    assert asked == [True]
    if not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"):
        pytest.skip("mallopt's threshold is glibc's")
    took = subprocess.run([sys.executable, "-c", "from notebook_tool.watch.watcher import give_back_large_blocks as g; "
                           "print(g())"], capture_output=True, text=True, check=True)
    assert took.stdout == "True\n"
