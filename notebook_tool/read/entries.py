"""One give/take/touch entry: the line syntax and the mapping syntax.

Line form: ``YYYY-MM-DD [status] text [+weight]`` where status is ``[ ]``
(an open promise) or ``[x]`` (kept), and ``+N`` (N > 0, decimals allowed) at
the very end is the favour's weight. ``[[Name]]`` links in the text name the
other people involved.

Mapping form: ``{date: 2025-01-10, what: "...", weight: 3, done: false,
with: ["Carol Diaz"], tags: [intro]}``.

The hand-typing traps of YAML are read as the person meant them:
``- 2025-01-10: Coffee`` (a mapping keyed by a date) and
``- 2025-01-10 Lunch: talked hiring`` (a mapping because of ``: ``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from notebook_tool.core.durations import parse_iso_date
from notebook_tool.core.model import Entry, Kind, Status

_STATUS = re.compile(r"^\[(?P<mark>[ xX])\](?:\s+|$)")
_WEIGHT = re.compile(r"(?:^|\s)\+(?P<w>\d+(?:\.\d+)?)$")
_STARTS_WITH_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:\s|$)")
# parse_iso_date's pattern, for a token without white space (so \Z, not $).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_LINK = re.compile(r"\[\[([^\[\]|#^]+)(?:[#^|][^\[\]]*)?\]\]")

MAPPING_KEYS = frozenset({"date", "what", "weight", "done", "with", "tags"})


SHOWN = 40  # characters of a user's value quoted in a message


def short(s: str) -> str:
    """A value as quoted in a message: a hostile 60 KB value must not flood the terminal."""
    return s if len(s) <= SHOWN else s[: SHOWN - 1] + "…"


def _r(value: Any) -> str:
    """``repr`` of a user's value for a message, cut short (it may be a pasted page)."""
    return short(repr(value))


class EntryError(ValueError):
    """An entry that cannot be read; the message is for the user."""


def links_in(text: str) -> tuple[str, ...]:
    """Names in ``[[Name]]``, ``[[Name|shown]]`` and ``[[Name#heading]]`` links."""
    if "[[" not in text:  # most texts link no one: no scan, no dict
        return ()
    seen: dict[str, None] = {}
    for m in _LINK.finditer(text):
        name = m.group(1).strip()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def looks_like_entry_line(text: str) -> bool:
    """True when a string starts with something shaped like a date."""
    return bool(_STARTS_WITH_DATE.match(text))


def _weight(raw: str) -> float:
    w = float(raw)
    if w <= 0:
        raise EntryError(f"weight must be greater than 0, got +{raw}")
    return w


def parse_line(kind: Kind, line: str, lineno: int = 0) -> Entry:
    """Read ``YYYY-MM-DD [status] text [+weight]``."""
    parts = line.strip().split(None, 1)
    if not parts:
        raise EntryError("empty entry: expected 'YYYY-MM-DD text'")
    head = parts[0]
    # The common case read here (parse_iso_date's own test, without its strips: ``head`` has
    # no white space); anything else goes through parse_iso_date, for its message.
    date = None
    if _ISO_DATE.match(head):
        try:
            date = dt.date.fromisoformat(head)
        except ValueError:
            pass
    if date is None:
        try:
            date = parse_iso_date(head)
        except ValueError as exc:
            why = str(exc)
            if len(head) > 40:  # quote a short piece, not a pasted paragraph
                why = f"expected a date as YYYY-MM-DD, got {head[:39] + '…'!r}"
            raise EntryError(f"{why} (an entry starts with its date: 'YYYY-MM-DD text')") from None
    rest = parts[1] if len(parts) > 1 else ""
    status: Status = None
    if rest[:1] == "[":  # the regexes only run where they can match: most entries have neither
        m = _STATUS.match(rest)
        if m:
            status = "open" if m.group("mark") == " " else "kept"
            rest = rest[m.end() :]
    weight = 1.0
    if "+" in rest:
        m = _WEIGHT.search(rest)
        if m:
            weight = _weight(m.group("w"))
            rest = rest[: m.start()]
    text = rest.strip()
    return Entry(kind, date, text, weight, status, links_in(text), (), lineno)


def format_weight(weight: float) -> str:
    """A weight as the line form spells it: ``3``, ``2.5``, ``0.0000001`` (never ``1e-07``)."""
    if weight == int(weight):
        return str(int(weight))
    return format(Decimal(repr(weight)), "f")


def format_line(e: Entry) -> str:
    """The entry in the line form people type: ``2025-01-10 [ ] text +3``."""
    status = {"open": "[ ] ", "kept": "[x] ", None: ""}[e.status]
    weight = f" +{format_weight(e.weight)}" if e.weight != 1 else ""
    return f"{e.date.isoformat()} {status}{e.text}{weight}".rstrip()


def _as_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise EntryError(f"{what} must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            raise EntryError(f"{what}: {exc}") from None
    raise EntryError(f"{what} must be a date as YYYY-MM-DD, got {_r(value)}")


def _as_text_list(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EntryError(f"{what} must be a list of names")
    return tuple(v.strip() for v in value if v.strip())


def parse_mapping(kind: Kind, data: dict[Any, Any], lineno: int = 0) -> tuple[Entry, list[str]]:
    """Read the mapping form; returns the entry and warnings (unknown keys)."""
    if "date" not in data:
        raise EntryError("entry mapping has no 'date' key")
    date = _as_date(data["date"], "'date'")
    what = data.get("what", "")
    if what is None:
        what = ""
    if not isinstance(what, str):
        if isinstance(what, (int, float)) and not isinstance(what, bool):
            what = str(what)
        else:
            raise EntryError(f"'what' must be text, got {type(what).__name__}")
    weight = 1.0
    if "weight" in data:
        w = data["weight"]
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
            raise EntryError(f"'weight' must be a number greater than 0, got {_r(w)}")
        if w <= 0:
            raise EntryError(f"weight must be greater than 0, got {_r(w)}")
        weight = float(w)
    status: Status = None
    if "done" in data:
        done = data["done"]
        if not isinstance(done, bool):
            raise EntryError(f"'done' must be true or false, got {_r(done)}")
        status = "kept" if done else "open"
    with_ = _as_text_list(data.get("with"), "'with'")
    tags = _as_text_list(data.get("tags"), "'tags'")
    links = tuple(dict.fromkeys(with_ + links_in(what)))
    warnings = [f"unknown key {k!r} in entry (ignored)" for k in data if k not in MAPPING_KEYS]
    return Entry(kind, date, what.strip(), weight, status, links, tags, lineno), warnings


def trap_line(key: str, value: Any) -> str:
    """The line a person meant by ``- KEY: VALUE`` (see module docstring)."""
    if value is None:
        return key
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise EntryError(
            "entry has ': ' followed by a list or mapping; quote the whole entry "
            "(\"...\") or use the mapping form {date: ..., what: ...}"
        )
    if _STARTS_WITH_DATE.match(key) and key.strip() == key.split()[0]:
        # `- 2025-01-10: Coffee` — the date was the key, the value is the text.
        return f"{key} {value}"
    return f"{key}: {value}"
