"""Real git: temporary repositories, branches merged with the guanxi driver configured by `guanxi init`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from notebook_tool.git.merge import merge_bytes
from notebook_tool.read.parse import parse_contact
from tests.conftest import run_cli

REL = "people/Alice Chen.md"


pytestmark = pytest.mark.usefixtures("isolated_git")  # tests.conftest: no user git config, fixed identities


def git(root: Path, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          env={**os.environ, **env})
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    return proc


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "net"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    r = run_cli("init", str(root))
    assert r.exit_code == 0
    assert r.stdout == f"Initialised vault in {root}: created guanxi.toml, people/, .gitignore, .gitattributes, " \
                       "git merge driver\n"
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "vault")
    return root


def merge(root: Path, base: str, ours: str, theirs: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Commit base, theirs on a branch, ours on main; merge the branch into main."""
    f = root / REL
    f.write_bytes(base.encode())
    git(root, "add", REL)
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "theirs")
    f.write_bytes(theirs.encode())
    git(root, "commit", "-q", "-am", "theirs", GIT_AUTHOR_NAME="Bo")
    git(root, "checkout", "-q", "main")
    f.write_bytes(ours.encode())
    git(root, "commit", "-q", "-am", "ours")
    proc = git(root, "merge", "-q", "--no-edit", "theirs", check=False)
    return proc, f.read_bytes().decode()


def entries(text: str) -> list[tuple[str, str, str]]:
    res = parse_contact(text.encode(), REL)
    assert res.contact is not None, res.problems
    assert [p for p in res.problems if p.severity == "error"] == []
    return [(e.kind, e.date.isoformat(), e.text) for e in res.contact.entries]


BASE = "---\nemail: a@x  # work\ngive:\n  - 2025-01-10 Intro to Carol\ntake:\ntouch:\n---\nNotes.\n"


def test_init_writes_attributes_and_registers_the_driver(repo: Path) -> None:
    assert (repo / ".gitattributes").read_text().splitlines()[1:] == [
        "people/**/*.md merge=guanxi", "_index/** merge=guanxi-generated"]
    driver = git(repo, "config", "--get", "merge.guanxi.driver").stdout
    assert driver.rstrip().endswith("-m notebook_tool merge-driver --marker-size=%L %O %A %B %P")
    assert git(repo, "check-attr", "merge", "--", REL).stdout == f"{REL}: merge: guanxi\n"
    again = run_cli("init", str(repo))
    assert again.stdout == f"Vault in {repo} already set up; nothing to do.\n"


def test_both_sides_append(repo: Path) -> None:
    ours = BASE.replace("Carol\n", "Carol\n  - 2025-02-01 Ours: a colon\n")
    theirs = BASE.replace("Carol\n", "Carol\n  - 2025-03-01 Theirs #1\n")
    proc, text = merge(repo, BASE, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert text == BASE.replace("Carol\n", "Carol\n  - 2025-02-01 Ours: a colon\n  - 2025-03-01 Theirs #1\n")
    assert git(repo, "status", "--porcelain").stdout == ""


def test_both_append_on_the_same_date_and_identical_entries_once(repo: Path) -> None:
    ours = BASE.replace("touch:\n", "touch:\n  - 2025-02-01 Lunch (ours)\n  - 2025-02-02 Same meetup\n")
    theirs = BASE.replace("touch:\n", "touch:\n  - 2025-02-01 Call (theirs)\n  - 2025-02-02 Same meetup\n")
    proc, text = merge(repo, BASE, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert entries(text)[1:] == [("touch", "2025-02-01", "Lunch (ours)"), ("touch", "2025-02-01", "Call (theirs)"),
                                 ("touch", "2025-02-02", "Same meetup")]


def test_both_fill_an_empty_list(repo: Path) -> None:
    base = "---\ngive:\ntake: []\n---\n"
    ours = "---\ngive:\n  - 2025-02-01 Ours\ntake: []\n---\n"
    theirs = "---\ngive:\n  - 2025-01-01 Theirs\ntake:\n  - 2025-01-05 They helped\n---\n"
    proc, text = merge(repo, base, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert text == "---\ngive:\n  - 2025-01-01 Theirs\n  - 2025-02-01 Ours\ntake:\n  - 2025-01-05 They helped\n---\n"


def test_one_deletes_while_the_other_appends(repo: Path) -> None:
    base = BASE.replace("Carol\n", "Carol\n  - 2025-01-20 Typo entry\n")
    ours = BASE  # deleted the typo entry
    theirs = base.replace("Typo entry\n", "Typo entry\n  - 2025-03-01 New from theirs\n")
    proc, text = merge(repo, base, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert entries(text) == [("give", "2025-01-10", "Intro to Carol"), ("give", "2025-03-01", "New from theirs")]


def test_field_changed_on_one_side_takes_that_side(repo: Path) -> None:
    ours = BASE.replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = BASE.replace("email: a@x  # work", "email: alice@new.example  # moved").replace(
        "---\nNotes", "snooze: 2025-06-01\n---\nNotes")
    proc, text = merge(repo, BASE, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert text == ("---\nemail: alice@new.example  # moved\ngive:\n  - 2025-01-10 Intro to Carol\n"
                    "  - 2025-02-01 Ours\ntake:\ntouch:\nsnooze: 2025-06-01\n---\nNotes.\n")


def test_same_field_changed_differently_is_a_conflict_with_both_values(repo: Path) -> None:
    ours = BASE.replace("email: a@x", "email: ours@x").replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = BASE.replace("email: a@x", "email: theirs@x").replace("Carol\n", "Carol\n  - 2025-03-01 Theirs\n")
    proc, text = merge(repo, BASE, ours, theirs)
    assert proc.returncode != 0
    assert "CONFLICT" in proc.stdout
    assert text == ("---\n<<<<<<< ours\nemail: ours@x  # work\n=======\nemail: theirs@x  # work\n>>>>>>> theirs\n"
                    "give:\n  - 2025-01-10 Intro to Carol\n  - 2025-02-01 Ours\n  - 2025-03-01 Theirs\n"
                    "take:\ntouch:\n---\nNotes.\n")
    r = run_cli("--vault", str(repo), "check")
    assert r.exit_code == 1
    assert f"{REL}:2: unresolved git merge conflict (lines 2-6)" in r.stdout


def test_body_edits_on_both_sides(repo: Path) -> None:
    base = BASE + "\nSecond paragraph.\n"
    ours = base.replace("Notes.\n", "Notes, edited here.\n").replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = base.replace("Second paragraph.\n", "Second paragraph, edited there.\n")
    proc, text = merge(repo, base, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert text.endswith("---\nNotes, edited here.\n\nSecond paragraph, edited there.\n")
    assert entries(text)[-1] == ("give", "2025-02-01", "Ours")


def test_body_conflict_still_merges_the_entries(repo: Path) -> None:
    ours = BASE.replace("Notes.\n", "Notes A.\n").replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = BASE.replace("Notes.\n", "Notes B.\n").replace("Carol\n", "Carol\n  - 2025-03-01 Theirs\n")
    proc, text = merge(repo, BASE, ours, theirs)
    assert proc.returncode != 0
    assert text.endswith("---\n<<<<<<< ours\nNotes A.\n=======\nNotes B.\n>>>>>>> theirs\n")
    assert [e[2] for e in entries(text)] == ["Intro to Carol", "Ours", "Theirs"]


def test_a_version_that_does_not_parse_gets_a_plain_text_merge(repo: Path) -> None:
    ours = BASE.replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = BASE.replace("email: a@x", "email: [a@x")
    proc, text = merge(repo, BASE, ours, theirs)
    # The text merge is what git would do (non-overlapping hunks, nothing lost),
    # but a version that does not parse is never merged silently: a conflict.
    assert proc.returncode != 0
    assert "CONFLICT" in proc.stdout
    assert text == ours.replace("email: a@x", "email: [a@x")
    assert ("people/Alice Chen.md: the theirs version does not parse cleanly (people/Alice Chen.md:3:1: "
            in proc.stderr)
    assert "merged as plain text without markers; check the file, then `git add` it" in proc.stderr


def test_a_layout_the_splices_cannot_edit_gets_gits_own_text_merge(repo: Path) -> None:
    base = BASE.replace("take:\n", "take: [2025-01-01 flow]\n")
    ours = base.replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n")
    theirs = base.replace("Notes.\n", "Notes, edited.\n")
    proc, text = merge(repo, base, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert text == ours.replace("Notes.\n", "Notes, edited.\n")
    assert "'take' as a one-line list ([...]); merged as plain text\n" in proc.stderr


def test_a_clone_without_the_driver_gets_text_conflicts_and_check_says_why(repo: Path, tmp_path: Path) -> None:
    (repo / REL).write_text(BASE)
    git(repo, "add", REL)
    git(repo, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    r = run_cli("--vault", str(clone), "check")
    assert r.stdout.startswith(".gitattributes:2: warning: the guanxi merge driver is named here but not registered")
    assert r.exit_code == 0
    # Both sides append at the end of the list: plain git cannot merge that.
    git(clone, "checkout", "-q", "-b", "theirs")
    (clone / REL).write_text(BASE.replace("Carol\n", "Carol\n  - 2025-03-01 Theirs\n"))
    git(clone, "commit", "-q", "-am", "theirs")
    git(clone, "checkout", "-q", "main")
    (clone / REL).write_text(BASE.replace("Carol\n", "Carol\n  - 2025-02-01 Ours\n"))
    git(clone, "commit", "-q", "-am", "ours")
    assert git(clone, "merge", "-q", "theirs", check=False).returncode != 0
    git(clone, "merge", "--abort")
    # `guanxi init` in the clone registers the driver; the same merge is now clean.
    r = run_cli("init", str(clone))
    assert r.stdout == f"Initialised vault in {clone}: created git merge driver\n"
    assert git(clone, "merge", "-q", "--no-edit", "theirs", check=False).returncode == 0
    assert [e[2] for e in entries((clone / REL).read_text())] == ["Intro to Carol", "Ours", "Theirs"]
    assert run_cli("--vault", str(clone), "check").stdout == ""


def test_cli_writes_on_two_branches_merge_and_history_names_each_author(repo: Path) -> None:
    v = ("--vault", str(repo))
    assert run_cli(*v, "add", "Alice Chen").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add alice")
    git(repo, "checkout", "-q", "-b", "bo")
    run_cli(*v, "give", "alice", "Introduced her to [[Carol Diaz]]", "--weight", "3", "--date", "2025-01-10")
    git(repo, "commit", "-q", "-am", "bo logs a give", GIT_AUTHOR_NAME="Bo")
    git(repo, "checkout", "-q", "main")
    run_cli(*v, "take", "alice", "Referred me to Globex", "--date", "2025-02-01")
    run_cli(*v, "give", "alice", "Lunch: talked hiring", "--date", "2025-01-10")
    git(repo, "commit", "-q", "-am", "ann logs a take and a give")
    assert git(repo, "merge", "-q", "--no-edit", "bo", check=False).returncode == 0
    r = run_cli(*v, "history", "alice", "--json")
    assert r.exit_code == 0
    got = [(e["kind"], e["text"], e["author"], e["summary"]) for e in json.loads(r.stdout)["entries"]]
    assert got == [("give", "Lunch: talked hiring", "Ann", "ann logs a take and a give"),
                   ("give", "Introduced her to [[Carol Diaz]]", "Bo", "bo logs a give"),
                   ("take", "Referred me to Globex", "Ann", "ann logs a take and a give")]
    run_cli(*v, "touch", "alice", "Coffee", "--date", "2025-03-01")
    text = run_cli(*v, "history", "alice").stdout.splitlines()
    assert text[0] == "Alice Chen (people/Alice Chen.md)"
    assert text[-1] == "2025-03-01  touch  Coffee  — not committed"
    assert text[3].startswith("2025-01-10  give   Introduced her to [[Carol Diaz]] +3  — ")
    assert text[3].endswith(" Bo " + text[3][-10:])


def test_history_outside_git_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    run_cli("init", str(root))
    run_cli("--vault", str(root), "add", "Alice")
    r = run_cli("--vault", str(root), "history", "alice")
    assert (r.exit_code, r.stderr) == (1, f"guanxi: {root} is not in a git repository; history comes from git\n")


def test_merge_bytes_add_add_with_empty_base() -> None:
    ours = b"---\ngive:\n  - 2025-01-01 a\n---\n"
    theirs = b"---\ngive:\n  - 2025-01-02 b\n---\n"
    result = merge_bytes(b"", ours, theirs, REL)
    assert result.clean
    assert result.data == b"---\ngive:\n  - 2025-01-01 a\n  - 2025-01-02 b\n---\n"


def test_merge_keeps_crlf_and_bom_of_ours() -> None:
    base = b"\xef\xbb\xbf---\r\ngive:\r\n  - 2025-01-01 a\r\n---\r\nbody\r\n"
    ours = base.replace(b"a\r\n", b"a\r\n  - 2025-01-02 ours\r\n")
    theirs = base.replace(b"a\r\n", b"a\r\n  - 2025-01-03 theirs\r\n")
    result = merge_bytes(base, ours, theirs, REL)
    assert result.clean
    assert result.data == base.replace(b"a\r\n", b"a\r\n  - 2025-01-02 ours\r\n  - 2025-01-03 theirs\r\n")


def test_generated_pages_never_block_a_merge(repo: Path) -> None:
    page = repo / "_index" / "attention.md"
    page.parent.mkdir()
    page.write_text("<!-- generated -->\nbase\n")
    git(repo, "add", "-f", "_index")  # a vault that chose to track its pages (init ignores them)
    git(repo, "commit", "-q", "-m", "pages")
    git(repo, "checkout", "-q", "-b", "theirs")
    page.write_text("<!-- generated -->\ntheirs\n")
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "main")
    page.write_text("<!-- generated -->\nours\n")
    git(repo, "commit", "-q", "-am", "ours")
    assert git(repo, "merge", "-q", "--no-edit", "theirs", check=False).returncode == 0
    assert page.read_text() == "<!-- generated -->\nours\n"  # `guanxi index` rebuilds it


def test_multi_line_mapping_entries_are_carried_and_deleted_whole() -> None:
    base = b"---\ngive:\n  - date: 2025-01-01\n    what: Old block entry\n    weight: 2\n---\n"
    ours = b"---\ngive:\n- 2025-01-05 ours, unindented list\n---\n"  # deleted the block entry
    theirs = base.replace(b"weight: 2\n", b"weight: 2\n  - date: 2025-02-01\n    what: New block entry  # c\n"
                                           b"    with: [Carol Diaz]\n")
    result = merge_bytes(base, ours, theirs, REL)
    assert result.clean, result.message
    assert result.data == (b"---\ngive:\n- 2025-01-05 ours, unindented list\n- date: 2025-02-01\n"
                           b"  what: New block entry  # c\n  with: [Carol Diaz]\n---\n")


def test_new_keys_from_theirs_land_where_theirs_has_them() -> None:
    base = b"---\nname: Al\ncompany: ACME\n---\n"
    theirs = b"---\nname: Al\nrole: CTO\ngive:\n  - 2025-01-01 x\ncompany: ACME\nsnooze: 2026-01-01\n---\n"
    result = merge_bytes(base, base, theirs, REL)
    assert result.clean and result.data == theirs


def test_fields_yaml_cannot_build_are_compared_by_their_text() -> None:
    base = b"---\nfoo: 2025-13-01\ngive:\n---\n"
    ours = b"---\nfoo: 2025-13-01\ngive:\n  - 2025-01-01 a\n---\n"
    theirs = b"---\nfoo: 2025-14-01\ngive:\n---\n"
    result = merge_bytes(base, ours, theirs, REL)
    assert result.clean
    assert result.data == b"---\nfoo: 2025-14-01\ngive:\n  - 2025-01-01 a\n---\n"


def test_check_warns_when_the_registered_driver_program_is_gone(repo: Path) -> None:
    git(repo, "config", "merge.guanxi.driver", "/nonexistent/python -m notebook_tool merge-driver %O %A %B %P")
    r = run_cli("--vault", str(repo), "check")
    assert r.stdout == (".gitattributes:2: warning: the guanxi merge driver registered in this clone runs "
                        "/nonexistent/python, which no longer exists; run `guanxi init` again to update it\n")
    assert run_cli("init", str(repo)).stdout == f"Initialised vault in {repo}: created git merge driver\n"
    assert run_cli("--vault", str(repo), "check").stdout == ""


def test_history_in_a_repository_with_no_commit_yet(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    run_cli("init", str(root))
    run_cli("--vault", str(root), "add", "Al")
    run_cli("--vault", str(root), "give", "al", "x", "--date", "2025-01-01")
    r = run_cli("--vault", str(root), "history", "al")
    assert (r.exit_code, r.stdout) == (0, "Al (people/Al.md)\n\n2025-01-01  give   x  — not committed\n")
