"""give/take/touch/done/snooze end to end through the CLI: exact output, exit codes, files on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_tool.read.vault import load_vault
from tests.conftest import run_cli

ALICE = "---\nemail: alice@acme.example\ngive:\ntake:\ntouch:\n---\nNotes about Alice.\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "v"
    (r / "people").mkdir(parents=True)
    (r / "guanxi.toml").write_text('contacts = ["people"]\n')
    (r / "people" / "Alice Chen.md").write_text(ALICE)
    (r / "people" / "Bob Smith.md").write_text("---\nname: Bob Smith\ntouch:\n  - 2025-01-01 Coffee\n---\n")
    (r / "people" / "Frank.md").write_text("---\n# a comment\ngive: [2025-01-01 a]\n---\n")
    return r


def g(root: Path, *args: str):
    return run_cli("--vault", str(root), *args)


def test_give_with_weight_and_link(root: Path) -> None:
    r = g(root, "give", "alice", "Introduced her to [[Carol Diaz]]", "--weight", "3", "--date", "2025-01-10")
    assert r.exit_code == 0
    assert r.stdout == "people/Alice Chen.md:4: give 2025-01-10 Introduced her to [[Carol Diaz]] +3\n"
    assert r.stderr == "guanxi: note: [[Carol Diaz]] is not a contact yet (guanxi add 'Carol Diaz')\n"
    assert (root / "people" / "Alice Chen.md").read_text() == ALICE.replace(
        "give:\n", "give:\n  - 2025-01-10 Introduced her to [[Carol Diaz]] +3\n")


def test_touch_several_names_logs_one_exchange_with_each(root: Path) -> None:
    r = g(root, "touch", "alice", "bob", "Lunch at the meetup", "--date", "2025-04-02")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("people/Alice Chen.md:6: touch 2025-04-02 Lunch at the meetup\n"
                        "people/Bob Smith.md:5: touch 2025-04-02 Lunch at the meetup\n")
    assert (root / "people" / "Bob Smith.md").read_text() == \
        "---\nname: Bob Smith\ntouch:\n  - 2025-01-01 Coffee\n  - 2025-04-02 Lunch at the meetup\n---\n"


def test_several_names_write_nothing_when_one_file_is_refused(root: Path) -> None:
    before = {p.name: p.read_bytes() for p in (root / "people").iterdir()}
    r = g(root, "give", "alice", "frank", "Sent a book", "--date", "2025-04-02")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("guanxi: people/Frank.md:3: 'give' is a one-line list ([...]); ")
    assert {p.name: p.read_bytes() for p in (root / "people").iterdir()} == before


def test_unknown_name_is_an_error_and_writes_nothing(root: Path) -> None:
    r = g(root, "take", "zed", "Intro to a VC")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == "guanxi: no contact named 'zed'\n"


def test_text_starting_with_dash_after_double_dash(root: Path) -> None:
    r = g(root, "take", "alice", "--date", "2025-02-01", "--", "-5% off the course")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "people/Alice Chen.md:5: take 2025-02-01 -5% off the course\n"
    c = load_vault(root).contacts
    alice = next(x for x in c if x.name == "Alice Chen")
    assert [e.text for e in alice.entries] == ["-5% off the course"]


def test_usage_errors_exit_2(root: Path) -> None:
    assert g(root, "give", "alice").exit_code == 2
    assert g(root, "give", "alice", "x", "--weight", "0").exit_code == 2
    assert g(root, "give", "alice", "x", "--date", "2025-02-30").exit_code == 2
    assert g(root, "touch", "alice", "x", "--promise").exit_code == 2
    assert (root / "people" / "Alice Chen.md").read_text() == ALICE


def test_promise_then_done(root: Path) -> None:
    g(root, "give", "alice", "Send the DevOps hiring report", "--promise", "--date", "2025-03-01")
    g(root, "give", "alice", "Send the salary report", "--promise", "--date", "2025-03-02")
    r = g(root, "done", "alice", "report")
    assert r.exit_code == 1
    assert r.stderr == ("guanxi: 'report' matches several open promises; say which by number:\n"
                        "  1. give 2025-03-01 [ ] Send the DevOps hiring report\n"
                        "  2. give 2025-03-02 [ ] Send the salary report\n")
    r = g(root, "done", "alice", "hiring", "--date", "2025-03-10")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("people/Alice Chen.md:4: give 2025-03-10 [x] Send the DevOps hiring report "
                        "(promised 2025-03-01)\n")
    text = (root / "people" / "Alice Chen.md").read_text()
    assert ("  - 2025-03-10 [x] Send the DevOps hiring report (promised 2025-03-01)\n"
            "  - 2025-03-02 [ ] Send the salary report\n") in text
    r = g(root, "done", "alice", "9")
    assert r.exit_code == 1
    assert r.stderr == ("guanxi: there is no open promise number 9; Alice Chen has:\n"
                        "  1. give 2025-03-02 [ ] Send the salary report\n")
    r = g(root, "done", "alice", "1", "--date", "2025-03-01")
    assert r.exit_code == 2 and "before the promise was made" in r.stderr
    r = g(root, "done", "bob", "x")
    assert (r.exit_code, r.stderr) == (1, "guanxi: Bob Smith has no open promise (people/Bob Smith.md)\n")


def test_snooze_duration_and_date(root: Path) -> None:
    r = g(root, "snooze", "alice", "2w", "--date", "2025-04-01")
    assert (r.exit_code, r.stdout) == (0, "Alice Chen snoozed until 2025-04-15 (`guanxi snooze alice 0` to end it sooner)\n")
    r = g(root, "snooze", "alice", "2025-05-01", "--date", "2025-04-01")  # a past date is refused: see test_everyday
    assert (r.exit_code, r.stdout) == (0, "Alice Chen snoozed until 2025-05-01 (`guanxi snooze alice 0` to end it sooner)\n")
    assert (root / "people" / "Alice Chen.md").read_text() == ALICE.replace("touch:\n", "touch:\nsnooze: 2025-05-01\n")
    assert g(root, "snooze", "alice", "soon").exit_code == 2


def test_future_date_is_a_warning(root: Path) -> None:
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = g(root, "touch", "bob", "Planned call", "--date", day)
    assert r.exit_code == 0
    assert r.stderr == f"guanxi: warning: the entry is dated in the future ({day})\n"


@pytest.mark.parametrize("cmd", ["give", "take", "touch", "done", "snooze", "history", "merge-driver"])
def test_every_command_has_help(cmd: str) -> None:
    r = run_cli(cmd, "--help")
    assert r.exit_code == 0
    assert r.stdout.startswith(f"Usage: main {cmd} ")  # CliRunner names the group "main"
    if cmd in ("give", "take", "touch", "done", "snooze"):
        assert "--date" in r.stdout


# Any one-line text a person can type reads back exactly as given.
texts = st.text(min_size=1, max_size=60).map(str.strip).filter(lambda t: t and "\n" not in t and "\r" not in t)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, kind=st.sampled_from(["give", "take", "touch"]), promise=st.booleans(),
       weight=st.sampled_from(["1", "2", "0.5", "3.25"]))
def test_property_any_text_reads_back(tmp_path: Path, text: str, kind: str, promise: bool, weight: str) -> None:
    root = tmp_path / "prop"
    (root / "people").mkdir(parents=True, exist_ok=True)
    f = root / "people" / "P.md"
    f.write_text("---\ngive:\ntake:\ntouch:\n---\nbody\n")
    args = [kind, "P", "--date", "2025-01-02"]
    if kind != "touch":
        args += ["--weight", weight] + (["--promise"] if promise else [])
    r = g(root, *args, "--", text)
    assert r.exit_code == 0, r.stderr
    (result,) = load_vault(root).results
    assert result.problems == ()
    assert result.contact is not None
    (e,) = result.contact.entries
    assert e.text == text
    assert (e.kind, e.date) == (kind, dt.date(2025, 1, 2))
    if kind != "touch":
        assert e.weight == float(weight)
        assert e.status == ("open" if promise else None)
    assert f.read_text(encoding="utf-8").endswith("\n---\nbody\n")


def test_a_file_that_cannot_be_read_is_named_not_reported_missing(root: Path) -> None:
    broken = root / "people" / "Carol Diaz.md"
    broken.write_text("---\n<<<<<<< ours\nemail: a@x\n=======\nemail: b@x\n>>>>>>> theirs\n---\n")
    before = broken.read_bytes()
    r = g(root, "give", "carol", "Intro")
    assert r.exit_code == 1
    assert r.stderr.startswith("guanxi: people/Carol Diaz.md:3:")
    assert r.stderr.endswith("(people/Carol Diaz.md cannot be shown or written to until it reads cleanly; "
                             "guanxi check lists every problem)\n")
    assert broken.read_bytes() == before
