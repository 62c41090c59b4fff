"""Typed field validation: what each field accepts, and the message when it does not.

Each case is a piece of front matter and the problems it must give, as
``line:col: message`` with the file's own line (the opening ``---`` is line 1).
"""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from notebook_tool.read.parse import one_line, parse_contact


def parse(front: str) -> tuple[object, list[str]]:
    result = parse_contact(f"---\n{front}\n---\n".encode(), "people/X.md")
    return result.contact, [p.format().removeprefix("people/X.md:") for p in result.problems]


@pytest.mark.parametrize("front, problems", [
    # YAML 1.1 surprises in text fields: kept as typed, with a warning.
    ("company: no", ["2:10: warning: 'company: no' is not text to YAML (it reads as False); Guanxi keeps "
                     "the text 'no' — quote it so other tools agree"]),
    ("phone: 01234", ["2:8: warning: 'phone: 01234' is not text to YAML (it reads as 668); Guanxi keeps "
                      "the text '01234' — quote it so other tools agree"]),
    ("role: 12:30", ["2:7: warning: 'role: 12:30' is not text to YAML (it reads as 750); Guanxi keeps "
                     "the text '12:30' — quote it so other tools agree"]),
    ("tags: [on, off]", ["2:8: warning: 'tags: on' is not text to YAML (it reads as True); Guanxi keeps "
                         "the text 'on' — quote it so other tools agree",
                         "2:12: warning: 'tags: off' is not text to YAML (it reads as False); Guanxi keeps "
                         "the text 'off' — quote it so other tools agree"]),
    ('company: "no"', []),
    ("company: =", []),  # YAML 1.1's value key: plainly text
    # A name must be text.
    ("name: 42", ["2:7: 'name' must be text; quote it (\"42\")"]),
    ("name: no", ["2:7: 'name' must be text; quote it (\"no\")"]),
    ("name: {first: Ann}", ["2:7: 'name' must be text, not a list or mapping"]),
    ('name: "Ann\\tChen"', ["2:7: 'name' must be one line of text without control characters"]),
    # Dates: impossible, malformed, with a time, a list.
    ("met: 2024-02-30", ["2:6: 'met': no such date: 2024-02-30"]),
    ("met: 2024-02-29", []),
    ("snooze: tomorrow", ["2:9: 'snooze': expected a date as YYYY-MM-DD, got 'tomorrow'"]),
    ("met: 2024-03-02T10:30:00", ["2:6: warning: 'met' has a time of day; only the date 2024-03-02 is used"]),
    ("met: [2024-01-01, 2024-01-02 10:00:00]", ["2:6: 'met' must be one date as YYYY-MM-DD, not a list"]),
    ("met: 20240302", ["2:6: 'met' must be a date as YYYY-MM-DD, got '20240302'"]),
    # Birthdays and cadences.
    ("birthday: --02-29", []),
    ("birthday: 1985-02-29", ["2:11: 'birthday': no such date: 1985-02-29"]),
    ("birthday: June 14", ["2:11: 'birthday': expected YYYY-MM-DD or --MM-DD, got 'June 14'"]),
    ("cadence: 0d", ["2:10: 'cadence' must be longer than 0 days (use 'none' to opt out)"]),
    ("cadence: -3d", ["2:10: 'cadence: -3d' is not a duration (durations: 30d, 2w, 3m, 1y; or none to opt out)"]),
    ("cadence: none", []),
    # Weights: negative, zero, not a number, infinite, boolean.
    ("give:\n  - {date: 2025-01-10, what: x, weight: -1}", ["3:5: give entry: weight must be greater than 0, got -1"]),
    ("give:\n  - {date: 2025-01-10, what: x, weight: 0}", ["3:5: give entry: weight must be greater than 0, got 0"]),
    ("give:\n  - {date: 2025-01-10, what: x, weight: .nan}",
     ["3:5: give entry: 'weight' must be a number greater than 0, got nan"]),
    ("give:\n  - {date: 2025-01-10, what: x, weight: yes}",
     ["3:5: give entry: 'weight' must be a number greater than 0, got True"]),
    ("give:\n  - 2025-01-10 x +0", ["3:5: give entry: weight must be greater than 0, got +0"]),
    ("give:\n  - 2025-01-10 x +2.5", []),
    # Mixed date and date-time in entries.
    ("take:\n  - {date: 2025-01-10T10:00:00, what: x}",
     ["3:5: take entry: 'date' must be a date (YYYY-MM-DD), not a date and time"]),
    ("touch:\n  - 2025-01-10T10:00 call", ["3:5: touch entry: expected a date as YYYY-MM-DD, got "
                                          "'2025-01-10T10:00' (an entry starts with its date: 'YYYY-MM-DD text')"]),
    # Unknown fields are the user's: a value YAML cannot build is kept as text.
    ("since: 2024-13-01", ["2:8: warning: 'since': cannot read value '2024-13-01': month must be in 1..12; "
                           "kept as text"]),
])
def test_field_validation(front: str, problems: list[str]) -> None:
    contact, got = parse(front)
    assert contact is not None
    assert got == problems


def test_bad_field_costs_the_field_not_the_contact() -> None:
    contact, got = parse("name: Ann\nmet: 2024-02-30\nemail: ann@example.com\n"
                         "give:\n  - 2024-02-30 x\n  - 2025-01-01 y")
    assert contact is not None and contact.name == "Ann" and contact.met is None  # type: ignore[attr-defined]
    assert contact.emails == ("ann@example.com",)  # type: ignore[attr-defined]
    assert [e.text for e in contact.entries] == ["y"]  # type: ignore[attr-defined]
    assert len(got) == 2


@pytest.mark.parametrize("data, line", [
    (b"\xef\xbb\xbf---\nmet: 2024-02-30\n---\n", 2),                      # UTF-8 BOM
    (b"---\r\nname: A\r\nmet: 2024-02-30\r\n---\r\n", 3),                 # CRLF
    (b"---\rname: A\rmet: 2024-02-30\r---\r", 3),                         # lone CR
    (codecs.BOM_UTF16_BE + "---\nmet: 2024-02-30\n---\n".encode("utf-16-be"), 2),
    ("---\nwhy: \"a\u2028b\u0085c\"\nmet: 2024-02-30\n---\n".encode(), 3),  # YAML 1.1 line breaks
    (b"\n\n---\nmet: 2024-02-30\n---\n", 4),                              # front matter after blank lines
])
def test_lines_are_the_files_own(data: bytes, line: int) -> None:
    result = parse_contact(data, "people/X.md")
    errors = [p for p in result.problems if p.severity == "error"]
    assert [p.line for p in errors] == [line], result.problems


def test_an_undecodable_byte_is_located_in_characters() -> None:
    data = "---\nname: 王伟\nrole: caf".encode() + b"\xe9\n---\n"
    (p,) = parse_contact(data, "people/X.md").problems
    assert (p.line, p.col) == (3, 10)
    assert p.message == "not UTF-8 text: byte 0xe9 cannot be decoded (save the file as UTF-8)"


def test_one_line_escapes_and_bounds() -> None:
    assert one_line("a\nb\tc\u2028d") == "a\\nb\\tc\\u2028d"
    assert len(one_line("x" * 1000)) == 300


def test_good_dates_are_dates() -> None:
    contact, got = parse("met: 2024-03-02\nsnooze: '2025-05-01'")
    assert got == [] and contact.met == dt.date(2024, 3, 2)  # type: ignore[attr-defined]
    assert contact.snooze == dt.date(2025, 5, 1)  # type: ignore[attr-defined]
