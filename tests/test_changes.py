"""The weekly digest over a real git history built here, with commits at set dates."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli, write_vault

pytestmark = pytest.mark.usefixtures("isolated_git")  # tests.conftest: no user git config, fixed identities


def commit(root: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"{when}T12:00:00+0000", "GIT_COMMITTER_DATE": f"{when}T12:00:00+0000"}
    for args in (["add", "-A"], ["commit", "-q", "--allow-empty", "-m", message]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


ALICE_0 = """\
---
email: alice@example.com
cadence: 30d
give:
  - 2025-05-01 [ ] Send the report
take:
  - 2025-05-02 Coffee +1
---
"""
ALICE_1 = """\
---
email: alice@example.com
cadence: 30d
give:
  - 2025-05-01 [x] Send the report
  - 2025-06-03 Intro to [[Bob]] +2
  - 2025-06-04 [ ] Lend the book
take:
  - 2025-05-02 Coffee +1
---
"""
BOB = "---\nemail: bob@example.com\ncadence: 7d\ntouch:\n  - 2025-05-30 Call\n---\n"
CAROL = "---\nemail: carol@example.com\n---\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write_vault(root, {"guanxi.toml": 'contacts = ["people"]\n', "people/Alice.md": ALICE_0,
                       "people/Carol.md": CAROL})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    commit(root, "2025-05-20", "start")
    write_vault(root, {"people/Alice.md": ALICE_1, "people/Bob.md": BOB})
    (root / "people/Carol.md").unlink()
    commit(root, "2025-06-05", "a week of notes")
    (root / "people/Alice.md").write_text(ALICE_1 + "\n")  # uncommitted: not in the digest
    return root


def test_digest_from_git_history(history: Path) -> None:
    r = run_cli("--vault", str(history), "report", "changes", "--since", "7d", "--today", "2025-06-08", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["since"] == "2025-06-01" and d["as_of"] == "2025-06-08"
    assert d["base"] and d["head"] and d["base"] != d["head"]
    assert d["added"] == [{"name": "Bob", "path": "people/Bob.md"}]
    assert d["removed"] == [{"name": "Carol", "path": "people/Carol.md"}]
    assert [(x["name"], x["kind"], x["text"]) for x in d["logged"]] == [
        ("Bob", "touch", "Call"), ("Alice", "give", "Intro to [[Bob]]")]
    assert [x["text"] for x in d["promises_made"]] == ["Lend the book"]
    assert [x["text"] for x in d["promises_kept"]] == ["Send the report"]
    assert d["balances_moved"] == [{"name": "Alice", "path": "people/Alice.md", "before": -1, "after": 2}]
    # Bob (cadence 7d, last call 05-30) is overdue on the 8th; nobody was on the page on the 1st but Alice.
    assert [(x["name"], x["reason"].split(" ")[0]) for x in d["newly_needs_attention"]] == [("Bob", "no")]


def test_digest_text_and_determinism(history: Path) -> None:
    args = ("--vault", str(history), "report", "changes", "--since", "2025-06-01", "--today", "2025-06-08")
    a, b = run_cli(*args), run_cli(*args)
    assert a.exit_code == 0 and a.stdout == b.stdout
    text = a.stdout
    assert text.startswith("# Changes since 2025-06-01\n")
    for line in ("## People added", "- Bob (people/Bob.md)", "## People removed", "## Gives logged",
                 "- 2025-06-03 give Alice: Intro to [[Bob]] +2", "## Promises made",
                 "- 2025-06-04 give Alice: Lend the book", "## Promises kept", "## Balances moved",
                 "- Alice: -1 → 2", "## Newly needs attention"):
        assert line in text.splitlines(), line


def test_since_before_the_history_counts_everyone_as_added(history: Path) -> None:
    r = run_cli("--vault", str(history), "report", "changes", "--since", "2025-05-01", "--today", "2025-06-08",
                "--json")
    d = json.loads(r.stdout)
    assert d["base"] is None
    assert [x["name"] for x in d["added"]] == ["Alice", "Bob"]


def test_a_rename_is_not_an_add(history: Path) -> None:
    subprocess.run(["git", "-C", str(history), "mv", "people/Bob.md", "people/Bobby.md"], check=True)
    (history / "people/Bobby.md").write_text(BOB.replace("---\nemail", "---\nname: Bob\nemail"))
    commit(history, "2025-06-10", "rename")
    r = run_cli("--vault", str(history), "report", "changes", "--since", "2025-06-09", "--today", "2025-06-11",
                "--json")
    d = json.loads(r.stdout)
    assert d["added"] == [] and d["removed"] == [] and d["logged"] == []


def test_errors_are_one_line(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"people/A.md": CAROL})
    r = run_cli("--vault", str(root), "report", "changes")
    assert r.exit_code == 1 and "is not in a git repository" in r.stderr
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    r = run_cli("--vault", str(root), "report", "changes", "--since", "soon")
    assert r.exit_code == 1 and r.stderr.startswith("guanxi: --since: expected a duration")
    r = run_cli("--vault", str(root), "report", "changes", "--today", "2025-06-08")
    assert r.exit_code == 0 and "Nothing changed." in r.stdout


def test_committed_notes_count_as_touches_logged(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"guanxi.toml": 'contacts = ["people"]\nnotes = ["notes"]\n',
                                        "people/Bob.md": BOB})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    commit(root, "2025-05-20", "start")
    write_vault(root, {"notes/2025-06-02 Lunch.md": "Lunch with [[Bob]].\n"})
    commit(root, "2025-06-02", "a note")
    r = run_cli("--vault", str(root), "report", "changes", "--since", "2025-06-01", "--today", "2025-06-08", "--json")
    d = json.loads(r.stdout)
    assert [(x["name"], x["kind"], x["text"]) for x in d["logged"]] == [("Bob", "touch", "note: notes/2025-06-02 Lunch.md")]
    assert d["added"] == []
