"""Fuzzing the loader: any bytes, any YAML-ish text → a contact or errors, never a crash.

The properties, for every input:

* :func:`parse_contact` returns (it never raises, never hangs);
* no problem is the last-resort "internal error" (that would be a bug caught
  by the safety net, not a clear message);
* every problem is one line and points at a line inside the file;
* a file without a contact has at least one error saying why.
"""

from __future__ import annotations

import codecs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_tool.read.parse import parse_contact

FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

# Pieces that matter to YAML, to front matter, to entries and to decoding.
TOKENS = [
    "---", "...", "\n", "\r\n", "\r", ": ", ":", "- ", "-", "? ", "[", "]", "{", "}", ", ", "&a ", "*a",
    "!!str ", "!!binary ", "!x ", "! ", "# c", " #", "'", '"', "''", "\\", "\\u00e9", "\\ud800", "| ", "|-",
    "> ", "  ", "    ", "\t", "name", "email", "give", "take", "touch", "met", "birthday", "cadence",
    "weight", "date", "what", "done", "with", "2025-01-10", "2024-02-30", "--06-14", "2025-01-10T10:00:00",
    "+3", "+0", "+-1", "[ ]", "[x]", "[[Bob]]", "no", "yes", "0123", "12:30", "1e400", ".nan", "null", "~",
    "<<", "=", "30d", "none", "\ufeff", "é", "王伟", "\u2028", "\x85", "\x07", "\x00", "%YAML 1.1", "%TAG ! x",
    "9" * 50, "x" * 20,
]

yamlish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def check(data: bytes) -> None:
    result = parse_contact(data, "people/Fuzz.md")
    n_lines = data.count(b"\n") + data.count(b"\r") + 1  # an upper bound for any encoding
    for p in result.problems:
        assert "internal error" not in p.message, p.format()
        assert "\n" not in p.message, p.format()
        assert 1 <= p.line <= n_lines, (p.format(), data)
        assert p.col is None or p.col >= 1, p.format()
    if result.contact is None:
        assert any(p.severity == "error" for p in result.problems), result
    # Every message must be printable as UTF-8 (a lone surrogate would crash the CLI).
    for p in result.problems:
        p.format().encode("utf-8")
    if result.contact is not None:
        repr(result.contact).encode("utf-8")


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_front_matter(data: bytes) -> None:
    check(b"---\n" + data + b"\n---\nbody\n")


@FUZZ
@given(yamlish, st.booleans())
def test_yamlish_text_as_front_matter(text: str, closed: bool) -> None:
    check(("---\n" + text + ("\n---\n" if closed else "")).encode("utf-8", "surrogatepass"))


@FUZZ
@given(yamlish, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_yamlish_text_in_other_encodings(text: str, encoding: str) -> None:
    try:
        data = ("---\n" + text + "\n---\n").encode(encoding)
    except UnicodeEncodeError:
        data = ("---\n" + text + "\n---\n").encode("utf-8", "surrogatepass")
    check(data)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=20).map("".join))
def test_yamlish_entries(text: str) -> None:
    check(("---\nname: Fuzz\ngive:\n  - " + text + "\ntake:\n  - {date: " + text + "}\n---\n").encode(
        "utf-8", "surrogatepass"))


def test_utf16_bom_and_crlf_are_read() -> None:
    data = codecs.BOM_UTF16_LE + "---\r\nname: Zoë\r\ngive:\r\n  - 2025-01-10 Tea\r\n---\r\n".encode("utf-16-le")
    result = parse_contact(data, "people/Z.md")
    assert result.problems == () and result.contact is not None
    assert result.contact.name == "Zoë" and result.contact.entries[0].line == 4


# The pre-scan's cheap path must never clear what the exact event scan refuses.
SCAN_TOKENS = ["\n", " ", "  ", "\t", "- ", "-", "? ", ": ", ":", "[", "]", "{", "}", ",", "&a", "*a", "& ", "* ",
               "!!str ", "!t ", "! ", "!", "'", '"', "#", "x", "k", "|", ">", "\u2028", "\x85", "\u2029", "\ufeff",
               "---", "...", "R&D", "hi!"]


@settings(max_examples=1500, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SCAN_TOKENS), max_size=40).map("".join))
def test_prescan_cheap_path_is_sound(text: str) -> None:
    from notebook_tool.read import harden

    if harden.prescan(text) is None:
        assert harden._event_scan(text) is None, text


DEPTH_TOKENS = ["[", "]", "{", "}", "[[", "]]", "- ", "- - - - ", "  ", "        ", "\n", "a: ", "a:\n", "? ", ", ",
                "x", "\u2028"]


@settings(max_examples=1500, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(DEPTH_TOKENS), max_size=150).map("".join))
def test_prescan_depth_bound_is_sound(text: str) -> None:
    """Whatever the cheap depth bound lets through nests no deeper than MAX_DEPTH."""
    from notebook_tool.read import harden

    if harden.prescan(text) is None:
        assert harden._event_scan(text) is None, text
