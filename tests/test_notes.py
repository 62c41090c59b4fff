"""Notes as a log: dated notes that name people count as touches (read only; never written)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from notebook_tool.read.notefiles import parse_note
from tests.conftest import run_cli, write_vault
from tests.test_watch import Running, watching  # noqa: F401 (the real-watchdog fixture)

CONFIG = 'contacts = ["people"]\nnotes = ["notes", "daily"]\ncadence = "30d"\n'
ALICE = "---\nemail: a@example.com\naliases: [Ali]\ntouch:\n  - 2025-01-01 Call\n---\n"
BOB = "---\nemail: b@example.com\ntouch:\n  - 2025-01-01 Call\n---\n"


def notes_vault(root: Path, **extra: str) -> Path:
    return write_vault(root, {"guanxi.toml": CONFIG, "people/Alice Chen.md": ALICE, "people/Bob.md": BOB, **extra})


def last_contact(root: Path, name: str, **env: str) -> str:
    r = run_cli("--vault", str(root), "show", name, "--json", "--today", "2025-06-01", env=env)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["last_contact"]


def test_a_dated_note_is_a_touch_shown_with_its_path(tmp_path: Path) -> None:
    root = notes_vault(tmp_path / "v", **{"notes/2025-05-30 Lunch.md": "Lunch with [[Ali]].\n"})
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    r = run_cli("--vault", str(root), "show", "alice", "--today", "2025-06-01")
    assert r.exit_code == 0
    assert "2025-05-30  touch  note: notes/2025-05-30 Lunch.md\n" in r.stdout
    assert "last contact 2025-05-30" in r.stdout
    assert last_contact(root, "bob") == "2025-01-01"
    # the attention page agrees: Alice is not overdue, Bob is
    att = json.loads(run_cli("--vault", str(root), "report", "attention", "--json", "--today", "2025-06-01").stdout)
    assert [p["name"] for p in att["people"]] == ["Bob"]
    assert {p: p.read_bytes() for p in root.rglob("*.md") if "_index" not in p.parts} == before  # never written


def test_with_front_matter_and_date_and_no_cache_agree(tmp_path: Path) -> None:
    root = notes_vault(tmp_path / "v", **{"daily/standup.md": "---\ndate: 2025-05-31\nwith: [Bob]\n---\nx\n"})
    assert last_contact(root, "bob") == "2025-05-31"
    assert last_contact(root, "bob", GUANXI_CACHE="0") == "2025-05-31"


def test_notes_folders_are_not_contacts_even_in_a_whole_vault(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"guanxi.toml": 'notes = ["notes"]\n', "Alice.md": "---\nemail: a@x\n---\n",
                                        "notes/2025-05-01 Call.md": "[[Alice]]\n"})
    r = run_cli("--vault", str(root), "list", "--json", "--today", "2025-06-01")
    assert [p["name"] for p in json.loads(r.stdout)["people"]] == ["Alice"]
    assert last_contact(root, "alice") == "2025-05-01"


def test_editing_a_note_updates_the_index_and_the_stored_notes(tmp_path: Path) -> None:
    root = notes_vault(tmp_path / "v", **{"notes/2025-05-01 A.md": "[[Bob]]\n"})
    args = ("--vault", str(root), "index", "--today", "2025-06-01")
    assert run_cli(*args).exit_code == 0
    assert "pages unchanged" in run_cli(*args).stderr
    from notebook_tool.store.notes import notes_path

    stored = json.loads(notes_path(root).read_text())
    assert list(stored["notes"]) == ["notes/2025-05-01 A.md"]
    (root / "notes/2025-05-20 B.md").write_text("[[Bob]] again\n")
    r = run_cli(*args)
    assert "_index/reciprocity.md" in r.stderr
    assert "| 2025-05-20 |" in (root / "_index/reciprocity.md").read_text()


def test_a_damaged_notes_store_is_ignored(tmp_path: Path) -> None:
    root = notes_vault(tmp_path / "v", **{"notes/2025-05-01 A.md": "[[Bob]]\n"})
    for junk in (b"\x80\x04pickle", b'{"version": 1, "notes": {"notes/2025-05-01 A.md": [1, 2, ["x"]]}}',
                 b'{"version": 1, "notes": {"notes/2025-05-01 A.md": "nope"}}'):
        from notebook_tool.store.notes import notes_path

        notes_path(root).parent.mkdir(parents=True, exist_ok=True)
        notes_path(root).write_bytes(junk)
        assert last_contact(root, "bob") == "2025-05-01"


def test_parse_note_dates_names_and_refusals() -> None:
    n = parse_note(b"---\nwith: [Alice Chen, '[[Bob]]']\n---\nSaw [[Carol|C]] and [[Dan#Work]].\n",
                   "notes/2025-06-01 Lunch.md")
    assert n.date is not None and n.date.isoformat() == "2025-06-01" and n.title == "Lunch"
    assert [(x.name, x.line, x.how) for x in n.names] == [
        ("Alice Chen", 2, "with"), ("Bob", 2, "with"), ("Bob", 2, "link"), ("Carol", 4, "link"), ("Dan", 4, "link")]
    bomb = parse_note(b"---\na: &a [1]\nb: [*a, *a]\n---\n[[X]]\n", "notes/2025-06-01.md")
    assert bomb.names[0].name == "X" and "anchor" in bomb.problems[0].message
    bad = parse_note(b"---\ndate: soon\n---\n[[X]]\n", "notes/x.md")
    assert bad.date is None and bad.problems[0].line == 2 and "not a date" in bad.problems[0].message
    tag = parse_note(b"---\ndate: !!python/object:os.system [echo]\n---\n", "notes/x.md")
    assert tag.date is None and tag.problems
    assert parse_note(b"\xff\xfe", "notes/x.md").problems[0].message.startswith("note is not UTF-8")


def test_watch_picks_up_a_new_note(watching: Callable[..., Running]) -> None:  # noqa: F811
    run = watching({"guanxi.toml": CONFIG, "people/Alice Chen.md": ALICE, "people/Bob.md": BOB})
    run.settle()
    (run.root / "notes").mkdir()
    (run.root / "notes/2025-05-29 Call.md").write_text("Called [[Bob]].\n")
    run.settle("a new note")
    assert "2025-05-29" in (run.root / "_index/reciprocity.md").read_text()
    (run.root / "notes/2025-05-29 Call.md").unlink()
    run.settle("a note removed")
    assert "2025-05-29" not in (run.root / "_index/reciprocity.md").read_text()
    run.assert_no_redundant_writes()


def test_history_leaves_note_touches_out(tmp_path: Path) -> None:
    import subprocess

    root = notes_vault(tmp_path / "v", **{"notes/2025-05-30 Lunch.md": "[[Bob]]\n"})
    env = {"GIT_CONFIG_GLOBAL": str(tmp_path / "none"), "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    r = run_cli("--vault", str(root), "history", "bob", "--json", env=env)
    assert r.exit_code == 0, r.output
    assert [e["text"] for e in json.loads(r.stdout)["entries"]] == ["Call"]


def test_a_note_another_command_read_first_still_reaches_the_pages(tmp_path: Path) -> None:
    """``list`` reads a new note before ``index`` does: the pages must still show its touch, as a
    fresh index does (the note's people are put again, not their stored pieces)."""
    import shutil

    root = notes_vault(tmp_path / "v", **{"notes/2025-05-01 A.md": "[[Bob]]\n"})
    args = ("--vault", str(root), "index", "--today", "2025-06-01")
    assert run_cli(*args).exit_code == 0
    (root / "notes/2025-05-20 B.md").write_text("[[Bob]] again\n")
    assert run_cli("--vault", str(root), "list", "--today", "2025-06-01").exit_code == 0
    assert run_cli(*args).exit_code == 0
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("_index"))
    assert run_cli("--vault", str(fresh), "index", "--today", "2025-06-01", env={"GUANXI_CACHE": "0"}).exit_code == 0
    for page in ("attention.md", "reciprocity.md"):
        assert (root / "_index" / page).read_bytes() == (fresh / "_index" / page).read_bytes(), page
