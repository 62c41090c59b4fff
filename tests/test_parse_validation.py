"""Typed field validation: what each field accepts, and the message when it does not.

Each case is a piece of front matter and the problems it must give, as
``line:col: message`` with the file's own line (the opening ``---`` is line 1).
"""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from notebook_tool.parse import one_line, parse_contact

def parse(front: str) -> tuple[object, list[str]]:
    result = parse_contact(f"---\n{front}\n---\n".encode(), "people/X.md")
    return result.contact, [p.format().removeprefix("people/X.md:") for p in result.problems]


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
