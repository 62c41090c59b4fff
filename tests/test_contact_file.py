"""A contact file as a whole (SPEC §2): fields, no front matter, BOM, CRLF, and file-level errors."""

from __future__ import annotations

import datetime as dt

import frontmatter
import pytest

from notebook_tool.core.model import Birthday
from notebook_tool.read.parse import parse_contact

SPEC_EXAMPLE = """\
---
name: Alice Chen                 # optional; defaults to the file name
aliases: [Ali]
email: alice@acme.example        # email / phone / links: contact information
phone: "+1 555 0100"
links: [https://www.linkedin.com/in/alice-chen]
company: ACME Recruiting
role: Partner
tags: [recruiting, mentor]
met: 2024-03-02                  # when the connection started
via: "[[Bob Smith]]"             # who introduced you
why: Places IT people; we both care about DevOps hiring
cadence: 30d                     # keep in touch at least this often; "none" opts out
birthday: 1985-06-14             # or --06-14 when the year is unknown
snooze: 2025-05-01               # leave off the attention page until then
needs: [senior SRE candidates]   # what they are looking for
offers: [salary benchmarks]      # what they can help others with
favourite_tea: oolong
give:
  - 2025-01-10 Introduced her to [[Carol Diaz]] at Initech +3
  - 2025-03-01 [ ] Send the DevOps hiring report
take:
  - 2025-02-01 Referred me to a contract role at Globex +2
touch:
  - 2025-04-02 Coffee at the DevOps meetup
---
Free notes in Markdown. Guanxi never rewrites this part.
"""


def test_every_field_of_the_spec_example() -> None:
    r = parse_contact(SPEC_EXAMPLE.encode(), "people/Alice Chen.md")
    c = r.contact
    assert r.problems == ()
    assert c is not None
    assert (c.name, c.aliases, c.emails, c.phones, c.links) == (
        "Alice Chen", ("Ali",), ("alice@acme.example",), ("+1 555 0100",), ("https://www.linkedin.com/in/alice-chen",))
    assert (c.company, c.role, c.tags, c.via, c.why) == (
        "ACME Recruiting", "Partner", ("recruiting", "mentor"), "[[Bob Smith]]",
        "Places IT people; we both care about DevOps hiring")
    assert (c.met, c.cadence_days, c.birthday, c.snooze) == (
        dt.date(2024, 3, 2), 30, Birthday(6, 14, 1985), dt.date(2025, 5, 1))
    assert (c.needs, c.offers, c.extra) == (("senior SRE candidates",), ("salary benchmarks",), (("favourite_tea", "oolong"),))
    assert [(e.kind, e.line) for e in c.entries] == [("give", 20), ("give", 21), ("take", 23), ("touch", 25)]


def test_agrees_with_python_frontmatter_on_a_well_formed_file() -> None:
    """python-frontmatter is the reference reader for plain files: same values, field by field."""
    meta = frontmatter.loads(SPEC_EXAMPLE).metadata
    c = parse_contact(SPEC_EXAMPLE.encode(), "people/Alice Chen.md").contact
    assert c is not None
    assert [c.name, list(c.aliases), c.emails[0], c.phones[0], list(c.tags), c.met, c.via, c.snooze] == [
        meta["name"], meta["aliases"], meta["email"], meta["phone"], meta["tags"], meta["met"], meta["via"], meta["snooze"]]
    assert [e.date.isoformat() for e in c.of_kind("give")] == [s[:10] for s in meta["give"]]


def test_bom_and_crlf_read_like_any_other() -> None:
    plain = parse_contact(SPEC_EXAMPLE.encode(), "people/Alice Chen.md")
    crlf = parse_contact(b"\xef\xbb\xbf" + SPEC_EXAMPLE.replace("\n", "\r\n").encode(), "people/Alice Chen.md")
    assert crlf == plain


def test_utf16_with_bom_reads() -> None:
    r = parse_contact(SPEC_EXAMPLE.encode("utf-16"), "people/Alice Chen.md")
    assert r.contact is not None and r.contact.name == "Alice Chen" and r.problems == ()


def test_no_front_matter_is_a_contact_named_after_the_file() -> None:
    r = parse_contact("Just notes about 王伟.\n".encode(), "people/王伟.md")
    assert r.contact is not None and r.contact.name == "王伟" and r.contact.entries == () and r.problems == ()


def test_file_name_is_nfc_normalised() -> None:
    decomposed = "Zoe\u0308.md"
    r = parse_contact(b"", f"people/{decomposed}")
    assert r.contact is not None and r.contact.name == "Zo\u00eb"


def test_birthday_without_year_and_cadence_none() -> None:
    r = parse_contact(b"---\nbirthday: --02-29\ncadence: none\n---\n", "P.md")
    assert r.contact is not None and (r.contact.birthday, r.contact.cadence_days) == (Birthday(2, 29), 0)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("---\nname: A\ngive:\n  - 2025-01-01 x\n", "P.md:1: front matter opened with '---' on line 1 is never closed (add a '---' line after the last field)"),
        ("---\nname: A\n  email: [x\n---\n", "P.md:3:8: invalid YAML: mapping values are not allowed in this context"),
        ("---\n- just\n- a list\n---\n", "P.md:2:1: front matter must be fields (key: value), not a list"),
        ("---\nmet: 2024-13-01\n---\n", "P.md:2:6: 'met': no such date: 2024-13-01"),
        ("---\nmet: March\n---\n", "P.md:2:6: 'met': expected a date as YYYY-MM-DD, got 'March'"),
        ("---\ncadence: often\n---\n", "P.md:2:10: 'cadence: often' is not a duration (durations: 30d, 2w, 3m, 1y; or none to opt out)"),
        ("---\nbirthday: 14 June\n---\n", "P.md:2:11: 'birthday': expected YYYY-MM-DD or --MM-DD, got '14 June'"),
        ("---\ngive: {a: b}\n---\n", "P.md:2:7: 'give' must be a list of entries, one per line starting with '- '"),
        ("---\nemail: a\nemail: b\n---\n", "P.md:3:1: duplicate key 'email' (first on line 2); this one is ignored"),
        (b"---\nname: Caf\xe9\n---\n", "P.md:2:10: not UTF-8 text: byte 0xe9 cannot be decoded (save the file as UTF-8)"),
    ],
)
def test_file_level_problems_carry_path_and_line(text: str | bytes, problem: str) -> None:
    data = text if isinstance(text, bytes) else text.encode()
    r = parse_contact(data, "P.md")
    assert [p.format() for p in r.problems] == [problem]


def test_lines_count_from_the_file_even_with_blank_lines_before_front_matter() -> None:
    r = parse_contact(b"\n\n---\nname: A\nmet: 2024-02-30\n---\n", "P.md")
    assert [p.format() for p in r.problems] == [
        "P.md:3: warning: front matter should start on line 1 (Obsidian and GitHub ignore it otherwise)",
        "P.md:5:6: 'met': no such date: 2024-02-30",
    ]
