"""The store (SQLite, outside the vault): never stale, never an error, same answers as a full read."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.core.model import Vault
from notebook_tool.read.vault import load_vault
from notebook_tool.store import cache as cache_mod
from notebook_tool.store.cache import Cache, store_path
from notebook_tool.store.incremental import State, cached_vault, quick_lookup
from tests.conftest import run_cli

TODAY = "2025-06-01"
Make = Callable[[dict[str, str | bytes]], Path]

ALICE = """\
    ---
    email: alice@example.com
    give:
      - 2025-01-10 Introduced her to [[Bob Smith]] +3
    take:
      - 2025-02-01 Referred me +2
    ---
    Notes.
    """
BOB = """\
    ---
    aliases: [Bobby]
    take:
      - 2025-03-01 Lunch
    ---
    """


def age(root: Path, seconds: float = 3600) -> None:
    """Move every file's mtime into the past, out of the racy window (as a real vault's files are)."""
    past = time.time() - seconds
    for p in [root, *root.rglob("*")]:
        os.utime(p, (past, past))


def cache_file(root: Path) -> Path:
    return store_path(root)


def test_warm_load_equals_fresh_load(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB, "people/broken.md": "---\na: [\n---\n"})
    age(root)
    fresh = load_vault(root)
    first = cached_vault(root)
    assert cache_file(root).is_file()
    warm = cached_vault(root)
    assert first == fresh
    assert warm == fresh


def test_unchanged_files_are_not_reread(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    s = State(root)
    assert sorted(s.rescan().read) == ["people/Alice Chen.md", "people/Bob Smith.md"]
    s.save()
    s2 = State(root)
    assert not s2.rescan()
    (root / "people/Bob Smith.md").write_text("---\ntake:\n  - 2025-03-02 Dinner\n---\n", encoding="utf-8")
    s3 = State(root)
    assert s3.rescan().read == ("people/Bob Smith.md",)


@pytest.mark.parametrize("keep_hash", [True, False])
def test_same_size_edit_within_one_tick_is_seen(vault: Make, monkeypatch: pytest.MonkeyPatch, keep_hash: bool) -> None:
    """A file rewritten with the same size and the same mtime: the content hash, and only it, catches it.

    ctime and inode would give it away on a local disk, so they are left out
    of the stamp here to stand for file systems where they don't (and for
    tools that restore the mtime). The control (``keep_hash=False``: the
    stored hash erased) shows the store was trusted, not discarded: without
    the hash, the edit goes unseen.
    """
    import sqlite3

    monkeypatch.setattr(cache_mod, "stamp_of", lambda st: (st.st_mtime_ns, st.st_size, 0, 0))
    monkeypatch.setattr("notebook_tool.store.incremental.stamp_of", lambda st: (st.st_mtime_ns, st.st_size, 0, 0))
    root = vault({"people/Bob Smith.md": "---\ntake:\n  - 2025-03-01 Lunch\n---\n"})
    path = root / "people/Bob Smith.md"
    s = State(root)
    s.rescan()  # read just now: racy, so its hash is kept
    s.save()
    assert Cache.load(root, 65536).records["people/Bob Smith.md"][1] is not None
    if not keep_hash:
        with sqlite3.connect(cache_file(root)) as db:
            db.execute("UPDATE files SET hash = NULL")
            # The warm load reads the records from the meta row: drop the hash there too.
            table = cache_mod._stamps_from_row(db.execute("SELECT value FROM meta WHERE key = 'stamps'").fetchone()[0])
            row = cache_mod._stamps_to_row({rel: (stamp, None) for rel, (stamp, _) in table.items()})
            db.execute("UPDATE meta SET value = ? WHERE key = 'stamps'", (row,))
        db.close()
    st = os.stat(path)
    path.write_text("---\ntake:\n  - 2025-03-09 Lunch\n---\n", encoding="utf-8")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime: the same tick
    assert os.stat(path).st_size == st.st_size
    s2 = State(root)
    assert set(s2.cache.records) == {"people/Bob Smith.md"}  # the store was loaded, not discarded
    if keep_hash:
        assert s2.rescan().read == ("people/Bob Smith.md",)
        assert s2.vault().contacts[0].entries[0].date == dt.date(2025, 3, 9)
    else:
        assert s2.rescan().read == ()
        assert s2.vault().contacts[0].entries[0].date == dt.date(2025, 3, 1)  # stale: the hash was needed


def test_same_tick_rewrite_on_the_real_file_system(vault: Make) -> None:
    """Two writes as fast as the machine goes; whenever the stamp did not move, the edit is still seen."""
    root = vault({"people/A.md": "---\ntouch:\n  - 2025-01-01 x\n---\n"})
    path = root / "people/A.md"
    for i in range(20):
        path.write_text("---\ntouch:\n  - 2025-01-01 x\n---\n", encoding="utf-8")
        s = State(root)
        s.rescan()
        s.save()
        path.write_text("---\ntouch:\n  - 2025-01-02 y\n---\n", encoding="utf-8")
        assert cached_vault(root).contacts[0].entries[0].text == "y", i


def test_racy_entry_is_trusted_after_a_hash_check_and_then_aged(vault: Make) -> None:
    root = vault({"people/A.md": ALICE})
    s = State(root)
    s.rescan()
    s.save()
    assert Cache.load(root, 65536).records["people/A.md"][1] is not None  # read within the racy window
    age(root)  # changes the stamp: re-read once, now out of the window
    s2 = State(root)
    assert s2.rescan().read == ("people/A.md",)
    s2.save()
    assert Cache.load(root, 65536).records["people/A.md"][1] is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other-version", "other-app",
                                    "folder", "others-can-write", "bad-json-row", "bad-meta"])
def test_damaged_store_is_rebuilt_silently(vault: Make, damage: str) -> None:
    import sqlite3

    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    expected = load_vault(root)
    cached_vault(root)
    path = cache_file(root)
    raw = path.read_bytes()

    def sql(q: str) -> None:
        db = sqlite3.connect(path)
        db.execute(q)
        db.commit()
        db.close()

    if damage == "garbage":
        path.write_bytes(b"\x00\xffnot a store" * 10)
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other-version":
        sql("PRAGMA user_version=1")
    elif damage == "other-app":
        sql("PRAGMA application_id=1")
    elif damage == "others-can-write":
        path.chmod(0o666)
    elif damage == "bad-json-row":
        sql("UPDATE files SET result = '[\"x\", {\"T\": 1}, 3]'")
    elif damage == "bad-meta":
        sql("UPDATE meta SET value = '{' WHERE key = 'dirs'")
    else:
        path.unlink()
        path.mkdir()  # not even a file: cannot be written either, still no error
    assert cached_vault(root) == expected
    r = run_cli("--vault", str(root), "index", "--today", TODAY)
    assert r.exit_code == 0, r.output
    assert "Indexed 2 people" in r.stderr
    if damage not in ("folder", "others-can-write"):
        assert Cache.load(root, 65536).records  # and it is good again


def test_index_renders_only_when_something_changed(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    day = dt.date(2025, 6, 1)

    def index(today: dt.date = day) -> tuple[bool, tuple[str, ...]]:
        s = State(root)
        s.rescan()
        out = s.index(today)
        s.save()
        return out.rendered, out.written

    assert index() == (True, ("_index/attention.md", "_index/reciprocity.md", "_index/guanxi.ics",
                              "_index/introductions.md", "_index/network.md"))
    assert index() == (False, ())
    assert index(dt.date(2025, 6, 2))[0] is True  # another day: render again
    assert index(day)[0] is True
    assert index() == (False, ())
    page = root / "_index/attention.md"
    good = page.read_bytes()
    page.write_text("hand edit", encoding="utf-8")
    assert index() == (True, ("_index/attention.md",))
    assert page.read_bytes() == good
    page.unlink()
    assert index() == (True, ("_index/attention.md",))
    # Another command refreshed the cache after an edit, without rendering: index must still render.
    (root / "people/Bob Smith.md").write_text("---\ngive:\n  - 2025-05-01 Dinner\n---\n", encoding="utf-8")
    cached_vault(root)
    rendered, written = index()
    assert rendered and written
    (root / "people/Bob Smith.md").unlink()
    assert index()[0] is True


def test_index_cli_warm_output_matches_cold(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/broken.md": "---\nname: [x\n---\n"})
    age(root)
    cold = run_cli("--vault", str(root), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    pages = {p.name: p.read_bytes() for p in (root / "_index").iterdir()}
    warm = run_cli("--vault", str(root), "index", "--today", TODAY)
    warm2 = run_cli("--vault", str(root), "index", "--today", TODAY)
    assert cold.exit_code == warm.exit_code == warm2.exit_code == 0
    # Errors are echoed even when nothing is rendered.
    assert cold.stderr.splitlines()[:-1] == warm.stderr.splitlines()[:-1] == warm2.stderr.splitlines()[:-1]
    assert warm2.stderr.splitlines()[-1] == "Indexed 1 person: pages unchanged"
    assert "people/broken.md:" in warm2.stderr
    assert {p.name: p.read_bytes() for p in (root / "_index").iterdir()} == pages


def test_config_change_is_seen(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "other/Carol.md": BOB})
    age(root)
    assert len(cached_vault(root).contacts) == 2
    (root / "guanxi.toml").write_text('contacts = ["people"]\n', encoding="utf-8")
    assert cached_vault(root) == load_vault(root)
    assert len(cached_vault(root).contacts) == 1
    (root / "guanxi.toml").write_text('contacts = ["people"]\nmax_front_matter = 10\n', encoding="utf-8")
    assert cached_vault(root) == load_vault(root)


def test_show_reads_only_the_files_that_could_match(vault: Make) -> None:
    files: dict[str, str | bytes] = {"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB}
    files.update({f"people/Person {i}.md": "---\ntouch:\n  - 2025-01-01 hi\n---\n" for i in range(30)})
    root = vault(files)
    age(root)
    assert quick_lookup(root, "bob") is None  # no cache yet: unsure
    run_cli("--vault", str(root), "index", "--today", TODAY)
    # The first index created _index/ and .guanxi/ in the vault folder just now, so
    # that folder cannot vouch for itself yet; a later index records it.
    assert quick_lookup(root, "bob") is None
    age(root)
    run_cli("--vault", str(root), "index", "--today", TODAY)
    found = quick_lookup(root, "bob")
    assert found is not None
    assert [r.path for r in found[2]] == ["people/Bob Smith.md"]
    found = quick_lookup(root, "bobby")  # by alias
    assert found is not None and [r.path for r in found[2]] == ["people/Bob Smith.md"]
    for query in ("bob", "bobby", "alice", "chen", "person 1"):
        fast = run_cli("--vault", str(root), "show", query, "--today", TODAY)
        slow = run_cli("--vault", str(root), "show", query, "--today", TODAY, env={"GUANXI_CACHE": "0"})
        assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr), query
    # A new file makes the folder's stamp move: the index cannot vouch, show reads the slow, sure way.
    (root / "people/Bobby Tables.md").write_text("---\n---\n", encoding="utf-8")
    assert quick_lookup(root, "bob") is None
    r = run_cli("--vault", str(root), "show", "bob", "--today", TODAY)
    assert r.exit_code == 1 and "ambiguous" in r.stderr


def test_show_sees_an_edited_answer(vault: Make) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    run_cli("--vault", str(root), "index", "--today", TODAY)
    (root / "people/Bob Smith.md").write_text("---\nname: Robert\n---\n", encoding="utf-8")
    fast = run_cli("--vault", str(root), "show", "bob", "--today", TODAY)
    slow = run_cli("--vault", str(root), "show", "bob", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


def test_folder_stamps_skip_the_walk_but_never_miss_a_file(vault: Make) -> None:
    """While no folder's listing changed, the walk is skipped; any new, removed or renamed file moves a stamp."""
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB, "people/empty/.keep": "",
                  "people/deep/er/Carol.md": BOB})
    age(root)
    cached_vault(root)
    assert Cache.load(root, 65536).dirs["stamps"]  # recorded: every folder is old
    steps: list[Callable[[], None]] = [
        lambda: (root / "people/empty/Dan.md").write_text(BOB, encoding="utf-8"),  # into a folder with no contacts
        lambda: (root / "people/deep/er/Carol.md").rename(root / "people/deep/er/Caroline.md"),
        lambda: (root / "people/Bob Smith.md").unlink(),
        lambda: (root / "people/new/sub").mkdir(parents=True),
        lambda: (root / "people/new/sub/Eve.md").write_text(ALICE, encoding="utf-8"),
    ]
    for i, step in enumerate(steps):
        step()
        age(root)  # even with every mtime moved back an hour, ctime and inode give the change away
        assert cached_vault(root) == load_vault(root), i
        assert cached_vault(root) == load_vault(root), i


def test_symlinks_disable_the_folder_shortcut(vault: Make, tmp_path: Path) -> None:
    root = vault({"people/Alice Chen.md": ALICE})
    (tmp_path / "elsewhere.md").write_text(BOB, encoding="utf-8")
    (root / "people/Out.md").symlink_to(tmp_path / "elsewhere.md")
    age(root)
    assert cached_vault(root) == load_vault(root)
    assert not Cache.load(root, 65536).dirs  # the walk warned: always walk again
    assert cached_vault(root) == load_vault(root)


def test_live_pages_equal_render_pages(tmp_path: Path) -> None:
    """Watch's per-person pages are render's, on the example vault, file by file, day by day."""
    import shutil

    from notebook_tool.render.live import LivePages
    from notebook_tool.render.pages import build, pages
    from tests.conftest import EXAMPLE_VAULT

    def expected(v: Vault, day: dt.date) -> dict[str, str]:
        return pages(build(v, day), v.config.output)

    root = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns("_index", ".guanxi"))
    s = State(root, keep_last_good=True)
    s.rescan()
    for day in (dt.date(2025, 6, 1), dt.date(2025, 6, 2), dt.date(2024, 1, 1)):
        v = s.vault()
        live = LivePages(day, v.config)
        for r in v.results:
            live.put(r.path, r)
        assert live.pages(v.problems)[0] == expected(v, day)
    day = dt.date(2025, 6, 1)
    v = s.vault()
    live = LivePages(day, v.config)
    for r in v.results:
        live.put(r.path, r)
    files = sorted(p for p in root.rglob("*.md"))
    for i, f in enumerate(files):
        text = f.read_text(encoding="utf-8")
        if i % 3 == 0:  # a new tag, renamed, a promise: moves the person in every list
            text = text.replace("---\n", "---\ntags: [x, X, zeta]\n", 1)
            text = text.replace("name: ", "name: Zz ", 1)
        elif i % 3 == 1:
            text = text + "\n"
        else:
            text = text.replace("---\n", "---\ntags: [x]\ngive:\n  - 2025-01-01 [ ] a promise\n", 1)
        f.write_text(text, encoding="utf-8")
        rel = f.relative_to(root).as_posix()
        s.update([rel])
        v = s.vault()
        live.put(rel, next((r for r in v.results if r.path == rel), None))
        assert live.pages(v.problems)[0] == expected(v, day), f
    for f in files[::2]:  # people leave
        f.unlink()
        rel = f.relative_to(root).as_posix()
        s.update([rel])
        live.put(rel, None)
        v = s.vault()
        assert live.pages(v.problems)[0] == expected(v, day), f


def test_show_imports_neither_watchdog_nor_markdown(vault: Make) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    run_cli("--vault", str(root), "index", "--today", TODAY)
    code = (
        "import sys\nfrom notebook_tool.cli.main import main\n"
        f"try:\n    main(['--vault', {str(root)!r}, 'show', 'bob', '--today', {TODAY!r}])\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('watchdog', 'markdown', 'frontmatter')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "GUANXI_VAULT": ""})
    assert done.returncode == 0, done.stderr
    assert "Bob Smith" in done.stdout


def test_is_contact_agrees_with_the_walk(vault: Make, tmp_path: Path) -> None:
    """The watcher's one-path test gives the walk's answer, path by path."""
    from notebook_tool.read.vault import contact_paths

    root = vault({
        "guanxi.toml": 'contacts = ["people", "team/core"]\noutput = "people/_out"\n',
        "people/A.md": BOB, "people/B.MD": BOB, "people/.hidden.md": BOB, "people/.h/C.md": BOB,
        "people/_out/attention.md": BOB, "people/sub/D.md": BOB, "people/notes.txt": "x",
        "team/core/E.md": BOB, "team/F.md": BOB, "G.md": BOB, "people/sub/4913": "",
    })
    (tmp_path / "outside.md").write_text(BOB, encoding="utf-8")
    (root / "people/Out.md").symlink_to(tmp_path / "outside.md")
    (root / "people/In.md").symlink_to(root / "team/F.md")
    (root / "people/linkdir").symlink_to(root / "team", target_is_directory=True)
    s = State(root)
    paths, _ = contact_paths(root, s.config)
    every = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())
    every += ["people/linkdir/F.md", "people/gone.md", "../x.md", "people/../G.md"]
    assert sorted(rel for rel in every if s.is_contact(rel)) == paths


def test_watch_keeps_the_last_good_version_of_a_file_it_did_not_read(vault: Make) -> None:
    """Started on a warm cache (nothing read), a file that breaks still shows its last good contact."""
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    s = State(root)
    s.rescan()
    s.save()
    w = State(root, keep_last_good=True)
    assert not w.rescan().read
    day = dt.date(2025, 6, 1)
    w.index(day)
    good = (root / "_index/reciprocity.md").read_text(encoding="utf-8")
    (root / "people/Bob Smith.md").write_text("---\naliases: [\n---\n", encoding="utf-8")
    assert w.update(["people/Bob Smith.md"]).read == ("people/Bob Smith.md",)
    w.index(day)
    assert (root / "_index/reciprocity.md").read_text(encoding="utf-8") == good
    assert "people/Bob Smith.md" in (root / "_index/attention.md").read_text(encoding="utf-8")
    assert w.overlaid == 1




def test_index_after_one_edit_renders_only_that_person(vault: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    """The others' parts of the pages come from the store's pieces: one edit, one person rendered."""
    from notebook_tool.render.live import LivePages

    files: dict[str, str | bytes] = {f"people/P{i:02d}.md": (ALICE if i % 3 else BOB) for i in range(12)}
    files["people/broken.md"] = "---\ngive: [\n---\n"
    root = vault(files)
    age(root)
    calls: list[str] = []
    real = LivePages.piece

    def counting(self: LivePages, path: str, result: object) -> object:
        calls.append(path)
        return real(self, path, result)  # type: ignore[arg-type]

    monkeypatch.setattr(LivePages, "piece", counting)

    def index(today: str = TODAY) -> dict[str, bytes]:
        calls.clear()
        r = run_cli("--vault", str(root), "index", "--today", today)
        assert r.exit_code == 0, r.output
        return {p.name: p.read_bytes() for p in (root / "_index").iterdir()}

    index()
    assert len(calls) == 13  # cold: everyone
    p = root / "people/P04.md"
    p.write_text(p.read_text(encoding="utf-8").replace("Referred me +2", "Referred me +5"), encoding="utf-8")
    os.utime(p, (time.time() - 60,) * 2)  # out of the racy window; every other file untouched
    got = index()
    assert calls == ["people/P04.md"]
    scratch = root.parent / "fresh"
    import shutil

    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("_index"))
    r = run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0
    assert got == {q.name: q.read_bytes() for q in (scratch / "_index").iterdir()}
    index("2025-06-02")  # a new day: every piece is made again
    assert len(calls) == 13


def _row(rels: list[str], stamps: bytes, rest: bytes = b'{"hashes":{},"wide":{}}', count: int | None = None) -> bytes:
    paths = "\0".join(rels).encode()
    return (cache_mod.STAMPS_MAGIC + (len(rels) if count is None else count).to_bytes(8, "big")
            + len(paths).to_bytes(8, "big") + paths + stamps + rest)


_FOUR = b"".join(n.to_bytes(8, "little") for n in (1, 2, 3, 4))


@pytest.mark.parametrize("blob", [
    _row(["people/Bob Smith.md"], _FOUR)[:-30],  # truncated
    _row(["people/Bob Smith.md"], _FOUR[:16]),  # two stamps short
    _row(["people/Bob Smith.md"], _FOUR, count=2),  # more paths announced than there are
    _row(["people/Bob Smith.md", ""], _FOUR * 2),  # an empty path
    _row(["people/Bob Smith.md"], _FOUR, b'{"hashes":{"people/Bob Smith.md":"zz"},"wide":{}}'),
    _row(["people/Bob Smith.md"], _FOUR, b'{"hashes":{},"wide":{"people/Bob Smith.md":[1]}}'),
    _row(["people/Bob Smith.md"], _FOUR, b'{"hashes":{},"wide":{"nobody.md":[1,2,3,4]}}'),
    cache_mod.STAMPS_MAGIC + (1).to_bytes(8, "big") + (3).to_bytes(8, "big") + b"\xff\xfe\xfd" + _FOUR
    + b'{"hashes":{},"wide":{}}',  # a path that is not UTF-8
    _row(["people/Bob Smith.md"], _FOUR, b"\xff"),  # a tail that is not JSON
    b"GXSTAMPS1\n", b"nope", "[[], [], {}]",  # the JSON row of before, as text
])
def test_a_damaged_stamps_row_costs_a_reread_never_an_answer(vault: Make, blob: bytes | str) -> None:
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB})
    age(root)
    fresh = cached_vault(root, use_cache=False)
    cached_vault(root)
    with sqlite3.connect(cache_file(root)) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'stamps'", (blob,))
    db.close()
    # The store is kept (its rows' own stamps read instead), and the answer is a fresh read's.
    assert set(Cache.load(root, 65536).records) == {"people/Alice Chen.md", "people/Bob Smith.md"}
    assert cached_vault(root).results == fresh.results
    assert run_cli("--vault", str(root), "list", "--today", TODAY).stdout == \
        run_cli("--vault", str(root), "list", "--today", TODAY, env={"GUANXI_CACHE": "0"}).stdout


def test_calendar_after_one_edit_comes_from_stored_events(vault: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    """The feed's other people come back from the store as events: one edit, one person's events made."""
    from notebook_tool.render import extra
    from notebook_tool.render.calendar import LiveCalendar

    # Only the per-person feed beside the two pages: no page that needs the whole vault decoded.
    monkeypatch.setattr(extra, "EXTRA_PAGES", {"guanxi.ics": "notebook_tool.render.calendar:page"})
    person = "---\nbirthday: 1990-0{m}-1{d}\ngive:\n  - 2025-0{m}-01 [ ] Send the report\n---\n"
    files: dict[str, str | bytes] = {f"people/P{i:02d}.md": person.format(m=i % 9 + 1, d=i % 9) for i in range(10)}
    root = vault(files)
    age(root)
    made: list[str] = []
    decoded: list[str] = []
    real_events, real_result = LiveCalendar.events_of, cache_mod.Cache.result

    def events_of(self: LiveCalendar, contact: object) -> object:
        made.append(contact.path)  # type: ignore[attr-defined]
        return real_events(self, contact)  # type: ignore[arg-type]

    def result(self: Cache, rel: str) -> object:
        decoded.append(rel)
        return real_result(self, rel)

    monkeypatch.setattr(LiveCalendar, "events_of", events_of)
    monkeypatch.setattr(cache_mod.Cache, "result", result)
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    assert len(made) == 10
    p = root / "people/P03.md"
    p.write_text(p.read_text(encoding="utf-8").replace("Send the report", "Send the long report"), encoding="utf-8")
    os.utime(p, (time.time() - 60,) * 2)
    made.clear()
    decoded.clear()
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    assert made == ["people/P03.md"] and decoded == ["people/P03.md"]
    feed = (root / "_index/guanxi.ics").read_bytes()
    assert b"Send the long report" in feed and feed.count(b"BEGIN:VEVENT") == 20
    scratch = root.parent / "fresh"
    import shutil

    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("_index"))
    assert run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"}).exit_code == 0
    assert (scratch / "_index/guanxi.ics").read_bytes() == feed


def test_the_stamps_row_round_trips_hashes_and_stamps_past_int64() -> None:
    """What the warm load reads back is what was saved: racy hashes, a 64-bit inode, a negative mtime
    (a file from before 1970), paths of any script."""
    records: dict[str, cache_mod.Record] = {
        "people/Bob Smith.md": ((1_796_297_542_005_682_240, 120, 5_365_764, 1_796_297_542_006_673_097), None),
        "people/李小龍.md": ((-5_000_000_000, 7, 2**64 - 3, 0), b"\x01" * 16),  # inode past int64
        "people/Zoë.md": ((0, 0, 0, 0), b"\xff" * 16),
        "people/\udcffBob.md": ((1, 2, 3, 4), None),  # a name that is not UTF-8 on disk (os.fsdecode)
    }
    assert cache_mod._stamps_from_row(cache_mod._stamps_to_row(records)) == records
    assert cache_mod._stamps_from_row(cache_mod._stamps_to_row({})) == {}


def test_a_piece_is_made_json_when_saved_and_one_that_is_not_plain_data_is_left_out(vault: Make) -> None:
    """Pieces are kept as values until the save makes each JSON (the cold index's memory): one that is
    not plain data (a NaN, an object) is left out, never the reason the whole save fails."""
    root = vault({"people/Alice Chen.md": ALICE, "people/Bob Smith.md": BOB, "people/Carol.md": BOB})
    age(root)
    cached_vault(root)
    cache = Cache.load(root, 65536)
    cache.put_piece("people/Alice Chen.md", "ctx-test", "alice", [1, float("nan")])
    cache.put_piece("people/Bob Smith.md", "ctx-test", "bob", [["Bob", "people/Bob Smith.md"], 2.5, None])
    cache.put_piece("people/Carol.md", "ctx-test", "carol", [object()])
    assert cache.save() and cache_file(root).is_file()
    assert Cache.load(root, 65536).pieces("ctx-test") == {"people/Bob Smith.md": [["Bob", "people/Bob Smith.md"],
                                                                                  2.5, None]}
