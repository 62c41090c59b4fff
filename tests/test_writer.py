"""The minimal-edit writer: golden round trips, refusals, verification, atomicity and locking."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from notebook_tool.read.parse import parse_contact
from notebook_tool.write import writer as W
from notebook_tool.write.writer import AddEntry, KeepPromise, SetSnooze, WriteError, apply_change, entry_source, plan

GOLDEN = Path(__file__).parent / "golden_write"
CASES = sorted(p.name[: -len(".before.md")] for p in GOLDEN.glob("*.before.md"))
GOLDEN_CHANGE = AddEntry("give", dt.date(2025, 2, 1), "Golden: entry #1", 2.0)
D = dt.date


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """Lines removed and added, compared with their line endings (CRLF matters)."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += [x.decode() for x in a[i1:i2]]
            added += [x.decode() for x in b[j1:j2]]
    return removed, added


@pytest.mark.parametrize("case", CASES)
def test_golden_round_trip(case: str) -> None:
    before = (GOLDEN / f"{case}.before.md").read_bytes()
    expected = (GOLDEN / f"{case}.after.md").read_bytes()
    edit = plan(before, f"people/{case}.md", GOLDEN_CHANGE)
    assert edit.data == expected
    removed, added = changed_lines(before, edit.data)
    new_line = [x for x in added if "Golden" in x]
    assert len(new_line) == 1
    # The diff is the added entry line only, except where the list itself had
    # to come into being (a missing key, `give: []`/`give: ~`, no front matter).
    structural = {"empty_file", "no_front_matter", "missing_key", "flow_empty", "tilde", "other_lists_indent"}
    if case not in structural:
        assert removed == [] and added == new_line
    # The body and the BOM are untouched; the line ending is the file's own.
    assert edit.data.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    if b"\r\n" in before:
        assert new_line[0].endswith("\r\n")
    old = parse_contact(before, f"people/{case}.md")
    new = parse_contact(edit.data, f"people/{case}.md")
    assert old.contact is not None and new.contact is not None
    added_entries = [e for e in new.contact.entries if e.text == "Golden: entry #1"]
    assert [(e.kind, e.date, e.weight, e.line) for e in added_entries] == [("give", D(2025, 2, 1), 2.0, edit.line)]
    assert len(new.contact.entries) == len(old.contact.entries) + 1


def test_body_with_dashes_and_no_trailing_newline_is_kept_byte_for_byte() -> None:
    before = b"---\ngive:\n  - 2025-01-01 a\n---\nbody\n---\nmore: not yaml\n\n\nend"
    after = plan(before, "p/A.md", AddEntry("give", D(2025, 1, 2), "b")).data
    assert after == b"---\ngive:\n  - 2025-01-01 a\n  - 2025-01-02 b\n---\nbody\n---\nmore: not yaml\n\n\nend"


def test_entries_go_in_date_order_and_same_day_after_existing() -> None:
    before = b"---\ngive:\n  - 2025-01-01 a\n  - 2025-02-01 b\n---\n"
    assert plan(before, "p/A.md", AddEntry("give", D(2024, 12, 1), "first")).data == \
        b"---\ngive:\n  - 2024-12-01 first\n  - 2025-01-01 a\n  - 2025-02-01 b\n---\n"
    assert plan(before, "p/A.md", AddEntry("give", D(2025, 1, 1), "same")).data == \
        b"---\ngive:\n  - 2025-01-01 a\n  - 2025-01-01 same\n  - 2025-02-01 b\n---\n"


@pytest.mark.parametrize(
    "before, message",
    [
        (b"---\ngive: [2025-01-01 a]\n---\n", "one-line list"),
        (b"---\ngive: 2025-01-01 a\n---\n", "holds text, not a list"),
        (b"---\ngive: |\n  2025-01-01 a\n---\n", "holds text, not a list"),
        (b"---\ngive: {a: 1}\n---\n", "is a mapping"),
        (b"---\n{give: []}\n---\n", "not a block of 'key: value' lines"),
        (b"---\ngive:\n- 2025-01-01 a\ngive:\n---\n", "duplicate key"),
        (b"---\ngive:\n  - 2025-01-01 a\n", "never closed"),
        ("---\ngive:\n---\n".encode("utf-16"), "UTF-16"),
        (b"---\nname: [unclosed\n---\n", "invalid YAML"),
    ],
)
def test_refused_layouts_write_nothing(tmp_path: Path, before: bytes, message: str) -> None:
    f = tmp_path / "people" / "A.md"
    f.parent.mkdir()
    f.write_bytes(before)
    with pytest.raises(WriteError) as info:
        apply_change(tmp_path, "people/A.md", AddEntry("give", D(2025, 2, 1), "x"))
    assert message in str(info.value)
    assert f.read_bytes() == before
    assert [p.name for p in f.parent.iterdir()] == ["A.md"]  # no temp file left behind


@pytest.mark.parametrize(
    "text",
    [
        "Lunch: talked hiring", "Ping #devops", "'quoted'", '"double"', "[[Carol Diaz]] intro",
        "[x] looks like a status", "[ ]", "- dash first", "ends in +3", "+5", "a {b} [c]", "key: value # c",
        "tab\there", "王伟 介绍了 [[李娜]]", "zero\u200bwidth", "line\u2028sep", "nel\x85x", "bell\x07",
        "@at", "`tick`", "%percent", "!tag", "&anchor", "*alias", "|pipe", ">gt", "?q", "~", "null", "yes",
        "2025-01-01", "3", "1e3", "back\\slash", "trailing colon:", "--",
    ],
)
def test_entry_text_reads_back_exactly(text: str) -> None:
    for status in (None, "open"):
        for weight in (1.0, 2.5):
            before = b"---\ngive:\n---\n"
            edit = plan(before, "p/A.md", AddEntry("give", D(2025, 1, 2), text, weight, status))
            got = parse_contact(edit.data, "p/A.md")
            assert got.problems == ()
            assert got.contact is not None
            (e,) = got.contact.entries
            assert (e.text, e.date, e.weight, e.status) == (text, D(2025, 1, 2), weight, status)


def test_entry_source_is_plain_when_safe_and_quoted_when_not() -> None:
    assert entry_source("give", D(2025, 1, 10), "Introduced her to [[Carol Diaz]]", 3) == \
        "2025-01-10 Introduced her to [[Carol Diaz]] +3"
    assert entry_source("give", D(2025, 1, 10), "Lunch: hiring") == '"2025-01-10 Lunch: hiring"'
    assert entry_source("give", D(2025, 1, 10), "Send it", 1, "open") == "2025-01-10 [ ] Send it"
    assert entry_source("give", D(2025, 1, 10), "bought 2 +1") == "2025-01-10 bought 2 +1 +1"
    assert entry_source("give", D(2025, 1, 10), "[x] not a status") == '{date: 2025-01-10, what: "[x] not a status"}'


def test_snooze_sets_replaces_or_adds_the_field() -> None:
    assert plan(b"---\nname: A\n---\n", "p/A.md", SetSnooze(D(2025, 5, 1))).data == \
        b"---\nname: A\nsnooze: 2025-05-01\n---\n"
    assert plan(b"---\nsnooze: 2024-01-01  # holiday\nname: A\n---\n", "p/A.md", SetSnooze(D(2025, 5, 1))).data == \
        b"---\nsnooze: 2025-05-01  # holiday\nname: A\n---\n"
    assert plan(b"---\nsnooze:   # later\n---\n", "p/A.md", SetSnooze(D(2025, 5, 1))).data == \
        b"---\nsnooze: 2025-05-01   # later\n---\n"


def test_keep_promise_changes_one_line_only() -> None:
    before = (b"---\ngive:\n  - 2025-03-01 [ ] Send the report +2  # soon\n"
              b"  - {date: 2025-03-02, what: Call, done: false}\n---\n")
    old = parse_contact(before, "p/A.md").contact
    assert old is not None
    line_form, mapping_form = old.entries
    after = plan(before, "p/A.md", KeepPromise(line_form, D(2025, 3, 5))).data
    assert after == before.replace(b"2025-03-01 [ ] Send the report +2",
                                   b"2025-03-05 [x] Send the report (promised 2025-03-01) +2")
    after = plan(before, "p/A.md", KeepPromise(mapping_form, D(2025, 3, 6))).data
    assert after == before.replace(b"{date: 2025-03-02, what: Call, done: false}",
                                   b"{date: 2025-03-06, what: Call (promised 2025-03-02), done: true}")


def test_verification_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "A.md"
    f.write_bytes(b"---\ngive:\n---\n")
    # A splice that silently drops the line would pass every other check: verify catches it.
    monkeypatch.setattr(W, "insert_entry", lambda doc, *a, **k: 2)
    with pytest.raises(WriteError, match="would not read back as intended"):
        apply_change(tmp_path, "A.md", AddEntry("give", D(2025, 1, 1), "x"))
    assert f.read_bytes() == b"---\ngive:\n---\n"


def test_mode_is_kept_and_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "people" / "real"
    real.mkdir(parents=True)
    target = real / "Alice.md"
    target.write_bytes(b"---\ngive:\n---\n")
    os.chmod(target, 0o640)
    link = tmp_path / "people" / "Alice.md"
    link.symlink_to(Path("real") / "Alice.md")
    apply_change(tmp_path, "people/Alice.md", AddEntry("give", D(2025, 1, 1), "x"))
    assert link.is_symlink()
    assert target.read_bytes() == b"---\ngive:\n  - 2025-01-01 x\n---\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_symlink_leaving_the_vault_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"---\ngive:\n---\n")
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "A.md").symlink_to(outside)
    with pytest.raises(WriteError, match="outside the vault"):
        apply_change(vault, "A.md", AddEntry("give", D(2025, 1, 1), "x"))
    assert outside.read_bytes() == b"---\ngive:\n---\n"


def test_file_modified_between_read_and_write_keeps_the_outside_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "A.md"
    f.write_bytes(b"---\ngive:\n  - 2025-01-01 a\n---\nbody\n")
    real_plan = W.plan
    calls = []

    def plan_then_editor_saves(data: bytes, *a: object, **k: object) -> W.Edit:
        edit = real_plan(data, *a, **k)  # type: ignore[arg-type]
        if not calls:  # an editor saves just after Guanxi read the file
            f.write_bytes(b"---\ngive:\n  - 2025-01-01 a\n  - 2025-01-03 typed in vim\n---\nbody edited\n")
        calls.append(data)
        return edit

    monkeypatch.setattr(W, "plan", plan_then_editor_saves)
    apply_change(tmp_path, "A.md", AddEntry("give", D(2025, 1, 2), "from guanxi"))
    assert len(calls) == 2  # re-read and redone on top of the editor's bytes
    assert f.read_bytes() == (b"---\ngive:\n  - 2025-01-01 a\n  - 2025-01-02 from guanxi\n"
                              b"  - 2025-01-03 typed in vim\n---\nbody edited\n")


def test_file_that_keeps_changing_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "A.md"
    f.write_bytes(b"---\ngive:\n---\n")
    real_plan = W.plan
    n = [0]

    def plan_then_save(data: bytes, *a: object, **k: object) -> W.Edit:
        edit = real_plan(data, *a, **k)  # type: ignore[arg-type]
        n[0] += 1
        f.write_bytes(b"---\ngive:\n---\nsave %d\n" % n[0])
        return edit

    monkeypatch.setattr(W, "plan", plan_then_save)
    with pytest.raises(WriteError, match="kept changing"):
        apply_change(tmp_path, "A.md", AddEntry("give", D(2025, 1, 2), "x"))
    # The editor's last save stands untouched (a first plan, then one per retry).
    assert f.read_bytes() == b"---\ngive:\n---\nsave %d\n" % n[0] and n[0] == W.RETRIES + 1


def test_lock_times_out_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_bytes(b"---\ngive:\n---\n")
    with W.vault_lock(tmp_path), pytest.raises(WriteError, match="another guanxi has been writing"):
        apply_change(tmp_path, "A.md", AddEntry("give", D(2025, 1, 2), "x"), lock_timeout=0.2)
    assert (tmp_path / "A.md").read_bytes() == b"---\ngive:\n---\n"


def test_twenty_concurrent_writer_processes_lose_nothing(tmp_path: Path) -> None:
    people = tmp_path / "people"
    people.mkdir()
    (tmp_path / "guanxi.toml").write_text('contacts = ["people"]\n')
    f = people / "Alice Chen.md"
    f.write_bytes(b"---\n# keep me\ngive:\n---\nBody stays.\n")
    env = {**os.environ, "GUANXI_VAULT": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-m", "notebook_tool", "give", "alice", f"favour {i}", "--date",
                          f"2025-01-{i + 1:02d}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(20)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert all(rc == 0 for rc, _ in results), results
    got = parse_contact(f.read_bytes(), "people/Alice Chen.md")
    assert got.contact is not None and got.problems == ()
    assert sorted(e.text for e in got.contact.entries) == sorted(f"favour {i}" for i in range(20))
    # Date order in the file, whatever order the processes ran in.
    assert [e.date for e in got.contact.entries] == sorted(e.date for e in got.contact.entries)
    assert f.read_bytes().startswith(b"---\n# keep me\ngive:\n") and f.read_bytes().endswith(b"---\nBody stays.\n")


def test_plan_refuses_a_file_that_cannot_be_read() -> None:
    with pytest.raises(WriteError, match="fix the file first"):
        plan(b"---\n- a list\n---\n", "p/A.md", AddEntry("give", D(2025, 1, 2), "x"))


def test_existing_errors_elsewhere_do_not_block_a_write() -> None:
    before = b"---\ngive:\n  - 2025-02-30 no such day\n---\n"
    edit = plan(before, "p/A.md", AddEntry("give", D(2025, 3, 1), "x"))
    assert edit.data == b"---\ngive:\n  - 2025-02-30 no such day\n  - 2025-03-01 x\n---\n"
    assert replace(edit.expected, entries=()).name == "A"


def test_a_failing_write_is_a_clear_error_and_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "A.md"
    f.write_bytes(b"---\ngive:\n---\n")

    def disk_full(target: Path, data: bytes, mode: int) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(W, "_temp_with", disk_full)
    with pytest.raises(WriteError) as info:
        apply_change(tmp_path, "A.md", AddEntry("give", D(2025, 1, 2), "x"))
    assert str(info.value) == "A.md: cannot write: No space left on device; nothing was written"
    assert f.read_bytes() == b"---\ngive:\n---\n"


# Whatever the text, in every layout that already has a block list the diff is one added line.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LIST_LAYOUTS = ["null_lists", "comments", "crlf", "bom", "crlf_bom_no_newline", "block_unindented",
                "block_indented_4", "no_trailing_newline", "mapping_entries", "unicode", "trailing_blank_and_comment"]


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(LIST_LAYOUTS),
       text=st.text(min_size=1, max_size=40).map(str.strip).filter(bool),
       day=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 1, 1)))
def test_property_one_added_line_in_any_layout(case: str, text: str, day: dt.date) -> None:
    before = (GOLDEN / f"{case}.before.md").read_bytes()
    edit = plan(before, "people/x.md", AddEntry("give", day, text))
    removed, added = changed_lines(before, edit.data)
    assert removed == [] and len(added) == 1
    new = parse_contact(edit.data, "people/x.md").contact
    assert new is not None
    assert [e for e in new.entries if e.line == edit.line][0].text == text
