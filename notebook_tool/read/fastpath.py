"""A line-oriented reader for the common shape of a contact file, or ``None``.

This module owns one function, :func:`parse_fast`, called by
``vault.read_file`` before the full parser. Most contact files are written
by Guanxi or by hand in one simple shape: ``key: value`` lines, lists as
``  - item`` lines or ``[a, b]``, entries as ``YYYY-MM-DD text`` or ``{date: …, what: …, weight: …}``. For those,
composing YAML nodes (which :func:`parse.parse_contact` does to keep a line
number for every problem) costs more than the whole rest of an index.

The rule is: return a result only when it is certain to be exactly what
:func:`parse.parse_contact` returns — and that the file has no problem at all
— else ``None``, and the full, hardened parser reads it. Anything unusual
(a BOM, CR line ends, tabs, comments, blank lines, any YAML feature beyond
the plain shape, an unknown key, a value YAML 1.1 might read as something
other than text, a value the full parser would warn about) falls back. The
equality is checked by a differential property test
(``tests/test_incremental_fastpath.py``) over generated files, tricky
values included.
"""

from __future__ import annotations

import datetime as dt
import os
import re

from notebook_tool.core.durations import DurationError, parse_days
from notebook_tool.core.model import Birthday, Contact, Entry, FileResult, path_stem
from notebook_tool.read import entries as E
from notebook_tool.read.fields import COMMA_LISTS, KNOWN, nfc

# Only printable text is read here (str.isprintable, per line): it refuses
# what YAML's reader refuses, what YAML takes for a line break (NEL, U+2028,
# U+2029), tabs, control and format characters (aliases refuse those) and
# more (a no-break space, private use): stricter than needed, never looser.
_KEY = re.compile(r"([a-z]+):(?: (.*))?\Z")
_ITEM = "  - "
# A plain scalar that starts with a letter is text to YAML 1.1, except these.
_NOT_TEXT = frozenset(["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"])
_ENTRY = re.compile(r"\d{4}-\d{2}-\d{2} [^\d\s]")
# Most entry lines: "2025-01-10 [x] text +2" in one match (any other goes to parse_line). An
# ASCII date, one space, maybe a mark and one space, then text that starts with none of
# digit, space, "[" or "+" (so _ENTRY matches too) and holds no "+", then maybe " +N".
_SIMPLE_ENTRY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) (?:\[([ xX])\] )?([^\d\s\[+][^+]*)(?: \+([0-9]+(?:\.[0-9]+)?))?\Z")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_BIRTHDAY = re.compile(r"(?:--|(\d{4})-)(\d{2})-(\d{2})\Z")
_CADENCE = re.compile(r"[1-9]\d{0,3}[dwmy]\Z")
_TEXT_LISTS = {"aliases": "aliases", "email": "emails", "phone": "phones", "links": "links", "tags": "tags",
               "needs": "needs", "offers": "offers"}
_TEXTS = ("company", "role", "via", "why")
_KINDS = ("give", "take", "touch")


# GUANXI_FASTPATH=0 sends every file through the full parser (to rule this out).
ENABLED = os.environ.get("GUANXI_FASTPATH", "1") not in ("0", "no", "off", "false")


class _Fallback(Exception):
    """Not the simple shape: the full parser decides."""


def _plain_ok(s: str, flow: bool) -> bool:
    """A plain scalar YAML reads back as exactly this text (conservatively)."""
    if not s or s != s.strip() or ": " in s or " #" in s or s.endswith(":"):
        return False
    if flow and any(c in s for c in ",[]{}"):
        return False
    return True


def _text(raw: str, flow: bool = False) -> str:
    """A text value: plain starting with a letter, or double-quoted without escapes."""
    if raw[:1] == '"':
        inner = raw[1:-1]
        if len(raw) < 2 or raw[-1] != '"' or '"' in inner or "\\" in inner or (flow and "," in inner):
            raise _Fallback
        if not inner.strip():
            raise _Fallback  # empty text: the full parser decides what that means
        return inner.strip()
    if not (raw[:1].isalpha() and raw not in _NOT_TEXT and _plain_ok(raw, flow)):
        raise _Fallback
    return raw


def _flow(raw: str) -> list[str]:
    if not (raw.startswith("[") and raw.endswith("]")):
        raise _Fallback
    inner = raw[1:-1].strip()
    if not inner:
        return []
    items = [item.strip() for item in inner.split(",")]
    if any(not item for item in items):
        raise _Fallback
    return items


_INT = re.compile(r"[1-9]\d{0,8}\Z")  # no leading 0: YAML 1.1 reads 010 as octal
_FLOAT = re.compile(r"(?:0|[1-9]\d{0,8})\.\d{1,6}\Z")


def _mapping_entry(kind: str, raw: str, line: int) -> Entry:
    """``{date: YYYY-MM-DD, what: text, weight: N}`` (keys in any order; ``what``/``weight`` optional)."""
    if not raw.endswith("}"):
        raise _Fallback
    data: dict[str, object] = {}
    for part in raw[1:-1].split(","):
        key, sep, value = part.strip().partition(": ")
        value = value.strip()
        if not sep or key not in ("date", "what", "weight") or key in data or not value:
            raise _Fallback
        if key == "date":
            data[key] = _date(value)
        elif key == "what":
            if ":" in value and value[:1] != '"':
                raise _Fallback
            data[key] = _text(value, flow=True)
        elif _INT.match(value):
            data[key] = int(value)
        elif _FLOAT.match(value):
            data[key] = float(value)
        else:
            raise _Fallback
    if "date" not in data:
        raise _Fallback
    try:
        entry, warnings = E.parse_mapping(kind, data, line)  # type: ignore[arg-type]
    except (E.EntryError, ValueError):
        raise _Fallback from None
    if warnings:
        raise _Fallback
    return entry


# Each day one date object: 570,000 entries at 30,000 people fall on a few thousand days, and a
# date apiece was 17 MB of a cold index's memory. Dates are immutable: sharing them is safe.
_DAYS: dict[str, dt.date] = {}


def _simple_entry(kind: str, m: re.Match[str], line: int) -> Entry:
    """The entry a :data:`_SIMPLE_ENTRY` match is, as ``E.parse_line`` reads that line.

    ``parse_line`` splits off the date at the one space after it; its status
    pattern takes the mark and the one space after (the text starts with no
    space); its weight pattern finds the " +N" at the end, the text holding no
    other "+"; the text is what is left, stripped. Read here from the match
    groups instead, without the calls and the scans.
    """
    day, mark, text, weight = m.group(1, 2, 3, 4)
    date = _DAYS.get(day)
    if date is None:
        try:
            date = _DAYS[day] = dt.date.fromisoformat(day)
        except ValueError:  # 2025-02-30: parse_line's error, so the full parser's
            raise _Fallback from None
    w = 1.0
    if weight is not None:
        w = float(weight)
        if w <= 0:  # "+0": parse_line's error
            raise _Fallback
    text = text.strip()  # "x  +3": the spaces before the weight are not the text's
    status = None if mark is None else ("open" if mark == " " else "kept")
    return Entry(kind, date, text, w, status, E.links_in(text), (), line)  # type: ignore[arg-type]


def _entry(kind: str, raw: str, line: int) -> Entry:
    if raw[:1] == "{":
        return _mapping_entry(kind, raw, line)
    if raw[:1] == '"':
        value = _text(raw)
    elif (m := _SIMPLE_ENTRY.match(raw)) and _plain_ok(raw, False):  # "&*!" were refused for the whole text
        return _simple_entry(kind, m, line)
    elif _ENTRY.match(raw) and _plain_ok(raw, False):
        value = raw
    else:
        raise _Fallback
    try:
        return E.parse_line(kind, value, line)  # type: ignore[arg-type]
    except (E.EntryError, ValueError):
        raise _Fallback from None


def _date(raw: str) -> dt.date:
    m = _DATE.match(raw)
    if not m:
        raise _Fallback
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _Fallback from None


def _birthday(raw: str) -> Birthday:
    m = _BIRTHDAY.match(raw)
    if not m:
        raise _Fallback
    year = int(m.group(1)) if m.group(1) else None
    month, day = int(m.group(2)), int(m.group(3))
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000: a leap year
    except ValueError:
        raise _Fallback from None
    return Birthday(month, day, year)


def _cadence(raw: str) -> int:
    if raw.lower() in ("none", "never", "off"):
        return 0
    if not _CADENCE.match(raw):
        raise _Fallback
    try:
        days = parse_days(raw)
    except DurationError:
        raise _Fallback from None
    if days <= 0:
        raise _Fallback
    return days


def parse_fast(data: bytes, path: str, max_front_matter: int = 65536) -> FileResult | None:
    """The file read exactly as :func:`parse.parse_contact` reads it, or ``None`` to ask it."""
    try:
        return _parse(data, path, max_front_matter)
    except (_Fallback, UnicodeDecodeError):
        return None


def _parse(data: bytes, path: str, max_front_matter: int) -> FileResult:
    # CR and tab matter only inside the front matter, where isprintable() refuses them.
    if not data.startswith(b"---\n") or b"\x00" in data:
        raise _Fallback
    if len(data) > 4 * max_front_matter:  # the full parser reads only the head of huge files
        raise _Fallback
    text = data.decode("utf-8")
    # The front matter ends at the first line that is exactly "---" (found without splitting
    # the notes below it). A line before it that the full parser would end on instead ("...",
    # "--- ") is neither a key nor an item line, so the loop below refuses it.
    end = text.find("\n---\n", 3)
    if end < 0:
        if not text.endswith("\n---"):
            raise _Fallback
        end = len(text) - 4
    yaml_text = text[4:end]  # "" when end is 3: the opening "---" then the closing one
    # Give up early, before any per-line work, on what it never reads: mapping
    # entries, comments, anchors, aliases and tags (the full parser's pre-scan
    # judges those).
    if " #" in yaml_text or "&" in yaml_text or "*" in yaml_text or "!" in yaml_text:
        raise _Fallback
    if ("{" in yaml_text or "}" in yaml_text) and not (
            yaml_text.count("{") == yaml_text.count("}") == yaml_text.count("\n  - {") + yaml_text.startswith("  - {")):
        raise _Fallback  # braces anywhere but one mapping entry per item line
    # Every line printable is the front matter printable once its line breaks are taken out.
    if not yaml_text.replace("\n", "").isprintable() or len(yaml_text.encode()) + 1 > max_front_matter:
        raise _Fallback
    stem = nfc(path_stem(path))
    if end == 3:  # "---" then "---": front matter with nothing in it
        return FileResult(path, Contact(name=stem, path=path), ())

    # One pass over the lines: entries are read as their lines come; every other key is kept
    # with its inline value or its "  - item" lines, and read after.
    groups: list[tuple[str, str | None, list[str]]] = []
    seen: set[str] = set()
    entries: list[Entry] = []
    kind: str | None = None  # the give/take/touch key whose entry lines these are, if any
    items: list[str] | None = None  # else the list the item lines go to, if any
    for n, line in enumerate(yaml_text.split("\n"), start=2):
        if line.startswith(_ITEM):
            if kind is not None:
                entries.append(_entry(kind, line[4:], n))
            elif items is not None:
                items.append(line[4:])
            else:
                raise _Fallback  # an item after "key: value", or before any key
            continue
        m = _KEY.match(line)
        if not m:
            raise _Fallback
        key, rest = m.group(1, 2)
        if key not in KNOWN or key in seen:
            raise _Fallback
        seen.add(key)
        if rest is not None and (not rest or rest != rest.strip()):
            raise _Fallback  # "key: " with nothing, or stray spaces: let YAML decide
        kind = items = None
        if key in _KINDS:
            if rest is None:
                kind = key  # "give:" then its entries, or none yet (YAML null: no entries)
            elif _flow(rest):
                raise _Fallback  # entries in a flow list: rare, the full parser reads them
        else:
            values: list[str] = []
            groups.append((key, rest, values))
            if rest is None:
                items = values

    name = stem
    fields: dict[str, object] = {}
    aliases: tuple[str, ...] = ()
    for key, rest, raws in groups:
        if key in _TEXT_LISTS:
            if rest is None:
                if not raws:
                    raise _Fallback  # "tags:" with nothing: YAML null, the full parser decides
                texts = tuple(_text(raw) for raw in raws)
            elif rest.startswith("["):
                texts = tuple(_text(raw, flow=True) for raw in _flow(rest))
            elif "," in rest and key in COMMA_LISTS:
                raise _Fallback  # 'tags: a, b': the full parser reads the list and warns
            else:
                texts = (_text(rest),)
            if key == "aliases":
                aliases = tuple(nfc(a) for a in texts)
            else:
                fields[_TEXT_LISTS[key]] = texts
        elif rest is None:
            raise _Fallback  # a list where one value belongs (or nothing): the full parser words the error
        elif key == "name":
            name = nfc(_text(rest))
        elif key in _TEXTS:
            fields[key] = _text(rest)
        elif key in ("met", "snooze"):
            fields[key] = _date(rest)
        elif key == "birthday":
            fields[key] = _birthday(rest)
        elif key == "cadence":
            fields["cadence_days"] = _cadence(rest)
        else:
            raise _Fallback
    return FileResult(path, Contact(name=name, path=path, aliases=aliases, entries=tuple(entries), extra=(),
                                    **fields), ())  # type: ignore[arg-type]
