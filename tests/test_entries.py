"""Every entry form of SPEC §2, as inline text: line form, mapping form, and the traps."""

from __future__ import annotations

import datetime as dt

import pytest

from notebook_tool.core.model import Entry
from notebook_tool.read.parse import parse_contact

D = dt.date


def entries_of(yaml_body: str, kind: str = "give") -> tuple[list[Entry], list[str]]:
    """Parse a contact whose front matter is ``yaml_body``; entries and formatted problems."""
    data = f"---\n{yaml_body}---\nbody\n".encode()
    result = parse_contact(data, "people/P.md")
    assert result.contact is not None, result.problems
    return [e for e in result.contact.entries if e.kind == kind], [p.format() for p in result.problems]


@pytest.mark.parametrize(
    "line, date, text, weight, status, links",
    [
        ("2025-01-10 Coffee", D(2025, 1, 10), "Coffee", 1.0, None, ()),
        ("2025-01-10 Intro to [[Carol Diaz]] at Initech +3", D(2025, 1, 10), "Intro to [[Carol Diaz]] at Initech", 3.0, None, ("Carol Diaz",)),
        ("2025-03-01 [ ] Send the report", D(2025, 3, 1), "Send the report", 1.0, "open", ()),
        ("2025-03-01 [x] Sent the report +2", D(2025, 3, 1), "Sent the report", 2.0, "kept", ()),
        ("2025-03-01 [X] Sent it", D(2025, 3, 1), "Sent it", 1.0, "kept", ()),
        ("2025-02-01 Half a favour +0.5", D(2025, 2, 1), "Half a favour", 0.5, None, ()),
        ("2025-02-01 Big one +12.25", D(2025, 2, 1), "Big one", 12.25, None, ()),
        ("2025-02-01 Intro [[A|Ann]] and [[B#notes]] and [[A]]", D(2025, 2, 1), "Intro [[A|Ann]] and [[B#notes]] and [[A]]", 1.0, None, ("A", "B")),
        ("2025-02-01 C++ course+3", D(2025, 2, 1), "C++ course+3", 1.0, None, ()),  # weight needs a space before +
        ("2025-02-01 +3", D(2025, 2, 1), "", 3.0, None, ()),
        ("2025-02-01", D(2025, 2, 1), "", 1.0, None, ()),
        ("2025-02-01 Mixed case [x] inside text", D(2025, 2, 1), "Mixed case [x] inside text", 1.0, None, ()),
    ],
)
def test_line_form(line: str, date: dt.date, text: str, weight: float, status: str | None, links: tuple[str, ...]) -> None:
    (e,), problems = entries_of(f"give:\n  - {line}\n")
    assert (e.date, e.text, e.weight, e.status, e.links) == (date, text, weight, status, links)
    assert problems == []


def test_quoted_line_keeps_hash_and_colon() -> None:
    (e,), problems = entries_of('give:\n  - "2025-01-10 Lunch: talked #hiring"\n')
    assert e.text == "Lunch: talked #hiring"
    assert problems == []


def test_mapping_form_flow_and_block() -> None:
    body = (
        "give:\n"
        '  - {date: 2025-01-10, what: "Intro", weight: 3, done: false, with: ["Carol Diaz"], tags: [intro]}\n'
        "  - date: 2025-02-11\n"
        "    what: Reviewed [[Bob]]'s talk\n"
        "    done: true\n"
    )
    (a, b), problems = entries_of(body)
    assert a == Entry("give", D(2025, 1, 10), "Intro", 3.0, "open", ("Carol Diaz",), ("intro",), 3)
    assert b == Entry("give", D(2025, 2, 11), "Reviewed [[Bob]]'s talk", 1.0, "kept", ("Bob",), (), 4)
    assert problems == []


def test_trap_date_key_mapping() -> None:
    (e,), problems = entries_of("touch:\n  - 2025-05-30: Coffee\n", "touch")
    assert (e.date, e.text) == (D(2025, 5, 30), "Coffee")
    assert problems == []


def test_trap_colon_in_text() -> None:
    (e,), problems = entries_of("give:\n  - 2025-04-01 Lunch: talked hiring +2\n")
    assert (e.date, e.text, e.weight) == (D(2025, 4, 1), "Lunch: talked hiring", 2.0)
    assert problems == []


def test_trap_with_status() -> None:
    (e,), _ = entries_of("give:\n  - 2025-04-01 [ ] Lunch: promised a follow-up\n")
    assert (e.status, e.text) == ("open", "Lunch: promised a follow-up")


def test_flow_list_of_entries() -> None:
    es, problems = entries_of("take: [2025-01-01 One, 2025-01-02 Two +2]\n", "take")
    assert [(e.text, e.weight) for e in es] == [("One", 1.0), ("Two", 2.0)]
    assert problems == []


def test_entry_lines_are_the_files_lines() -> None:
    es, _ = entries_of("name: P\ngive:\n  - 2025-01-01 a\n\n  - 2025-01-02 b\n")
    assert [e.line for e in es] == [4, 6]


def test_hash_comment_warns_and_text_is_cut() -> None:
    (e,), problems = entries_of("give:\n  - 2025-04-02 Lunch # with bob\n")
    assert e.text == "Lunch"
    assert problems == [
        "people/P.md:3:5: warning: '# with bob' is a YAML comment and not part of the entry; "
        "quote the entry (\"...\") to keep the text after '#'"
    ]


@pytest.mark.parametrize(
    "item, message",
    [
        ("2025-02-30 Bad day", "people/P.md:3:5: give entry: no such date: 2025-02-30 (an entry starts with its date: 'YYYY-MM-DD text')"),
        ("Jan 5 coffee", "people/P.md:3:5: give entry: expected a date as YYYY-MM-DD, got 'Jan' (an entry starts with its date: 'YYYY-MM-DD text')"),
        ("2025-01-01 Zero +0", "people/P.md:3:5: give entry: weight must be greater than 0, got +0"),
        ("{date: 2025-01-01, weight: -2}", "people/P.md:3:5: give entry: weight must be greater than 0, got -2"),
        ("{date: 2025-01-01, weight: lots}", "people/P.md:3:5: give entry: 'weight' must be a number greater than 0, got 'lots'"),
        ("{what: no date}", "people/P.md:3:5: give entry: entry mapping needs a 'date' key: {date: YYYY-MM-DD, what: ...}"),
        ("{date: 2025-01-01, done: maybe}", "people/P.md:3:5: give entry: 'done' must be true or false, got 'maybe'"),
        ("[a, b]", "people/P.md:3:5: give entry: an entry is 'YYYY-MM-DD text' or a mapping, not a list"),
    ],
)
def test_bad_entries_are_reported_and_the_rest_kept(item: str, message: str) -> None:
    es, problems = entries_of(f"give:\n  - {item}\n  - 2025-01-02 Good one\n")
    assert [e.text for e in es] == ["Good one"]
    assert problems == [message]


@pytest.mark.parametrize(
    "line",
    ["2025-01-10 Coffee", "2025-03-01 [ ] Send it", "2025-03-01 [x] Sent +2.5", "2025-02-01", "2025-02-01 [ ]", "2025-02-01 Big +12.25"],
)
def test_format_line_reads_back(line: str) -> None:
    from notebook_tool.read.entries import format_line, parse_line

    e = parse_line("give", line)
    assert format_line(e) == line
    assert parse_line("give", format_line(e)) == e


def test_tiny_weights_are_written_as_decimals() -> None:
    from notebook_tool.read.entries import format_line, parse_line

    e = parse_line("give", "2025-02-01 Nudge +0.0000001")
    assert format_line(e) == "2025-02-01 Nudge +0.0000001"
