"""The fast path is the full parser, only faster: a differential property test.

Whenever :func:`fastpath.parse_fast` returns a result, it must equal
:func:`parse.parse_contact`'s for the same bytes — contact, entries, line
numbers and (no) problems. Files are generated line by line from pools that
mix the common shape with every trap the full parser handles (YAML 1.1
booleans and nulls, comments, mapping traps, bad dates, quoting, control and
line-break characters, anchors and tags, odd indentation, CRLF, BOM, …).
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks.genvault import contact_text
from notebook_tool.read.fastpath import parse_fast
from notebook_tool.read.parse import parse_contact
from tests.conftest import EXAMPLE_VAULT

TEXTS = [
    "Alice", "Alice Chen", "alice@example.com", "ACME Recruiting", "王伟", "Zoë Ångström", "O'Brien", "C#",
    "R&D", "a:b", "https://x.y/z", "x:", "x :", "a: b", "a #b", "a#b", "yes", "No", "on", "OFF", "null", "Null",
    "~", "", " ", "y", "n", "true", "0123", "12:30", "1e3", ".inf", "+1 555", "-x", "?x", "@x", "`x", "%x",
    "&a x", "*a", "!t x", "|", ">", "[x]", "{a: b}", "'single'", "\"double\"", "\"with \\\" escape\"",
    "\"\"", "\" padded \"", "\"a, b\"", "x\u2028y", "x\x85y", "x\u0301", "e\u0301", "a\tb", "a\x7fb", "x\ufeffy",
    "=", "<<", "- x", "--", "---", "...", "a  b", "Zo\u00eb", "Zoe\u0308",
]
LISTS = ["[a, b]", "[]", "[a,]", "[a, , b]", "[https://x.y/z, a@b.c]", "[\"a, b\", c]", "[yes, no]", "[a:b]",
         "[C#, x]", "[[x]]", "[a b, c]", "[ a ]", "[\"q\"]", "[王伟, Zoë]"]
DATES = ["2024-03-02", "2024-02-29", "2023-02-29", "2024-02-30", "2024-3-2", "2024-03-02 10:00:00",
         "2024-03-02T10:00:00", "\"2024-03-02\"", "0000-01-01", "9999-12-31", "--06-14", "--02-29", "--02-30",
         "1985-06-14", "06-14", "-06-14"]
CADENCES = ["30d", "2w", "3m", "1y", "none", "None", "never", "off", "0d", "90", "1.5m", "30 d", "30D", "9999y",
            "10000d", "-1d"]
ENTRIES = [
    "2025-01-10 Coffee", "2025-01-10 [ ] Promise", "2025-01-10 [x] Done +2", "2025-01-10 [X] Done",
    "2025-01-10 Lunch: talked", "2025-01-10: Coffee", "2025-01-10 12:30:00", "2025-01-10 9am", "2025-13-01 Bad",
    "2025-01-10 text #comment", "2025-01-10 text+1", "2025-01-10 text +0", "2025-01-10 text +1.5",
    "2025-01-10 text +-1", "\"2025-01-10 quoted\"", "\"2025-01-10 quoted +3\"", "{date: 2025-01-10, what: x}",
    "2025-01-10 Intro to [[Bob Smith]] and [[Carol|C]]", "2025-01-10 R&D *bold*", "2025-01-10", "not a date",
    "2025-01-10 O'Brien", "2025-01-10 trailing ", "2025-01-10  two spaces", "2025-1-10 short", "2025-01-10 [ ]",
    "2025-01-10 [] empty", "2025-01-10 [[", "2025-01-10 a: b: c", "2025-01-10 x:", "2025-01-10 ~", "2025-01-10 王伟",
    "2025-01-10 a\u2028b", "2025-01-10 tab\there", "2025-02-30 Bad day", "2025-01-10 - dash", "2025-01-10 #1 fan",
    "2025-01-10 ! bang", "2025-01-10 +3", "2025-01-10 [ ] +2", "2025-01-10 a, b, c", "0000-01-01 Zero",
    "{date: 2025-01-10, what: x, weight: 0}", "{what: x}", "{date: 2025-01-10, what: \"a, b\"}",
    "{date: 2025-01-10, what: yes}", "{date: 2025-01-10, what: 12}", "{date: 2025-01-10, done: false}",
    "{date: 2025-01-10, weight: 010}", "{date: 2025-01-10, weight: 1e3}", "{date: 2025-01-10, weight: .5}",
    "{date: 2025-01-10, date: 2025-01-11}", "{date: 2025-02-30}", "{date: 2025-01-10, what: a:b}",
    "{date: 2025-01-10, what: \"\"}", "{date: 2025-01-10, what: x, with: [Bob]}", "{date: 2025-01-10, x: y}",
    "{date: 2025-01-10, what: {a: b}}", "{date: 2025-01-10 what: x}", "{date:2025-01-10}", "{}",
    "{date: 2025-01-10, what: x,}", "{date: 2025-01-10, weight: 99999999999}",
]
# The common shape, drawn most of the time so that the fast path is taken
# often and the equality is tested on what it accepts, not just on refusals.
GOOD_TEXTS = ["Alice", "Alice Chen", "alice@example.com", "ACME Recruiting", "王伟", "Zoë Ångström", "O'Brien",
              "C#", "R&D", "a:b", "https://x.y/z", "Why: not", "Ω", "\"quoted text\"", "\"[[Bob Smith]]\"",
              "\"+1 555 0100\"", "Yesterday", "Nobody", "nothing", "Trueman", "onwards", "été"]
GOOD_LISTS = ["[a, b]", "[]", "[https://x.y/z, a@b.c]", "[王伟, Zoë]", "[recruiting, mentor]", "[\"q\", r]",
              "[C#, x]", "[ a ]", "[a:b]"]
GOOD_DATES = ["2024-03-02", "2024-02-29", "1985-06-14", "--06-14", "--02-29", "2000-01-01"]
GOOD_CADENCES = ["30d", "2w", "3m", "1y", "none", "never", "off", "7d", "90d"]
GOOD_ENTRIES = ["2025-01-10 Coffee", "2025-01-10 [ ] Promise", "2025-01-10 [x] Done +2", "2025-01-10 [X] Done",
                "2025-01-10 Intro to [[Bob Smith]] and [[Carol|C]]", "2025-01-10 O'Brien +1.5",
                "2025-02-28 Lunch, then a walk", "\"2025-01-10 quoted +3\"", "2025-01-10 王伟 +2",
                "2025-01-10 a:b", "2025-01-10 R&D", "2025-01-10 [ ] +2", "2025-01-10 Sent #1 report",
                "{date: 2025-01-10, what: \"Shared benchmarks\", weight: 2}", "{date: 2025-01-10}",
                "{what: Lunch with [[Bob]], date: 2025-02-28}", "{date: 2025-01-10, weight: 1.5}",
                "{date: 2025-01-10, what: Coffee}", "{ date: 2025-01-10 , what: x }"]

KEYS = ["name", "aliases", "email", "phone", "links", "company", "role", "tags", "met", "via", "why", "cadence",
        "birthday", "snooze", "needs", "offers", "give", "take", "touch", "custom", "Name"]


def value_for(key: str, rnd: random.Random, trap: float) -> str:
    if key == "name" and rnd.random() >= trap:
        return rnd.choice(["Alice Chen", "王伟", "\"Zoë\"", "Bob"])
    if key in ("company", "role", "via", "why") and rnd.random() >= trap:
        return rnd.choice(GOOD_TEXTS)
    if rnd.random() < trap:
        pools = {"met": DATES, "snooze": DATES, "birthday": DATES, "cadence": CADENCES}
        return rnd.choice(pools.get(key, TEXTS + LISTS) + (TEXTS if rnd.random() < 0.1 else []))
    good = {"met": GOOD_DATES, "snooze": GOOD_DATES, "birthday": GOOD_DATES, "cadence": GOOD_CADENCES}
    return rnd.choice(good.get(key, GOOD_TEXTS + GOOD_LISTS))


@st.composite
def contact_files(draw: st.DrawFn) -> bytes:
    rnd = random.Random(draw(st.integers(0, 2**32)))
    trap = draw(st.sampled_from([0.0, 0.02, 0.1, 0.5]))  # how often a value or line is a trap
    lines = ["---"]
    keys = list(KEYS)
    rnd.shuffle(keys)
    lists = ("aliases", "email", "phone", "links", "tags", "needs", "offers")
    for key in keys[: draw(st.integers(0, 9))]:
        if key in ("custom", "Name") and rnd.random() >= trap:
            continue  # an unknown key, a duplicate: traps
        shape = rnd.random()
        if key in ("give", "take", "touch") or (shape < 0.3 and (key in lists or rnd.random() < trap)):
            lines.append(f"{key}:")
            indent = rnd.choice(["- ", "    - ", "  -  ", "\t- "]) if rnd.random() < trap else "  - "
            kinds = key in ("give", "take", "touch")
            for _ in range(rnd.randrange(0, 6)):
                bad = rnd.random() < trap
                pool = (ENTRIES if bad else GOOD_ENTRIES) if kinds else (TEXTS if bad else GOOD_TEXTS)
                lines.append(indent + rnd.choice(pool))
        elif shape < 0.35 and rnd.random() < trap:
            lines.append(f"{key}:")
        else:
            lines.append(f"{key}: {value_for(key, rnd, trap)}")
        r = rnd.random() / max(trap, 0.01)
        if r < 0.03:
            lines.append("")
        elif r < 0.06:
            lines.append("# a comment")
        elif r < 0.08:
            lines.append("  continued")
    lines.append(rnd.choice(["...", "--- ", "---x", ""]) if rnd.random() < trap / 5 else "---")
    lines.append(rnd.choice(["Notes.", "", "---", "key: not front matter", "\t tab in body"]))
    text = "\n".join(lines)
    if rnd.random() < trap / 10:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if rnd.random() < trap / 10:
        data = b"\xef\xbb\xbf" + data
    if rnd.random() < trap / 10:
        data = data.replace(b"e", b"\xe9", 1)  # Latin-1 byte: not UTF-8
    return data


def same(data: bytes, path: str = "people/Zoë Test.md", mfm: int = 65536) -> bool:
    fast = parse_fast(data, path, mfm)
    if fast is None:
        return False
    assert fast == parse_contact(data, path, mfm), data.decode("utf-8", "replace")
    return True


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact_files())
@example(b"---\nname: yes\n---\n")
@example(b"---\ngive:\n  - 2025-01-10 Lunch: talked\n---\n")
@example(b"---\nphone: 0123\n---\n")
@example(b"---\nmet: 2024-02-30\n---\n")
def test_fast_path_equals_the_full_parser(data: bytes) -> None:
    same(data)


def test_fast_path_takes_the_common_shape() -> None:
    """It is actually used: every generated benchmark file takes it."""
    rnd = random.Random(7)
    names = [f"Person {i}" for i in range(600)]
    taken = total = 0
    for i in range(600):
        text = contact_text(rnd, i, names)
        total += 1
        taken += same(text.encode("utf-8"), f"people/{names[i]}.md")
    assert total > 200 and taken == total


def test_fast_path_on_the_example_vault() -> None:
    for path in sorted(EXAMPLE_VAULT.rglob("*.md")):
        same(path.read_bytes(), path.relative_to(EXAMPLE_VAULT).as_posix())


def test_small_front_matter_limit_falls_back() -> None:
    data = b"---\nname: Alice\ncompany: ACME\n---\n"
    assert parse_fast(data, "people/A.md", 10) is None
    assert same(data, "people/A.md", 65536)


def test_golden_and_hostile_files_agree() -> None:
    here = Path(__file__).parent
    for folder in ("golden", "hostile"):
        for path in sorted((here / folder).rglob("*.md")) if (here / folder).is_dir() else []:
            same(path.read_bytes(), "people/" + path.name)


def test_fast_path_refuses_every_hostile_file() -> None:
    """Each file of the hostile corpus is a trap for a reader (encodings, YAML tricks, huge or
    deep front matter): the fast path must hand every one to the full parser, not answer itself."""
    hostile = sorted((Path(__file__).parent / "hostile").glob("*.md"))
    assert len(hostile) > 50
    taken = [p.name for p in hostile if parse_fast(p.read_bytes(), "people/" + p.name) is not None]
    assert taken == []
