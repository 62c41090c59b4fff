"""The row every import parser produces, and the text helpers they share.

An :class:`ImportRow` is what one export line or card says about one person,
already cleaned (names without emoji or credentials, e-mail addresses
lower-cased for matching but kept as written, dates as dates) and with its
origin (``source``, ``source_path``, ``line``) so that a plan can say where
each change comes from.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from notebook_tool.core.model import Birthday, Problem

SOURCES = ("linkedin", "google", "vcard")


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One person as an export describes them."""

    source: str  # "linkedin", "google" or "vcard"
    source_path: str  # the export file, as given
    line: int  # 1-based line where the row or card starts
    name: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    company: str | None = None
    role: str | None = None
    tags: tuple[str, ...] = ()
    met: dt.date | None = None
    birthday: Birthday | None = None
    note: str | None = None  # becomes the body of a new file, never touches an existing one


def decode_text(data: bytes) -> str:
    """Export bytes as text: UTF-16 (BOM or NUL bytes), UTF-8 (BOM or not), else Windows-1252.

    Address books on Windows still write UTF-16 and Windows-1252; a file
    that is none of these is read as Windows-1252, which maps every byte,
    so nothing is lost silently (the worst case is a wrong accent, visible
    in the plan before anything is written).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        return data.decode("utf-16-le", errors="replace")
    if len(data) >= 4 and data[0:1] == b"\x00" and data[2:3] == b"\x00":
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_emoji(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0e\ufe0f\u20e3" or 0x1F3FB <= ord(ch) <= 0x1F3FF


# Credentials people put after their name on LinkedIn ("Jane Doe, PhD", "Li Wei MBA, CFA").
_CREDENTIAL = re.compile(
    r"^(?:PhD|Ph\.D\.?|MBA|CFA|CPA|PMP|MD|M\.D\.|MSc|M\.Sc\.?|BSc|MA|BA|MS|BS|JD|Esq\.?|PE|RN|CISSP|"
    r"SHRM-[A-Z]+|PHR|SPHR|Dr\.?|Jr\.?|Sr\.?|II|III|IV|FCA|ACCA|CIPD|MRICS|Prof\.?|LLM|LL\.M\.)$",
    re.IGNORECASE,
)


def clean_person_name(raw: str) -> str:
    """A person's name as a contact file should carry it: no emoji, no trailing credentials.

    ``"Jane Doe, PhD"`` → ``"Jane Doe"``; ``"🚀 Bob Smith 🚀"`` → ``"Bob Smith"``;
    ``"Li Wei MBA, CFA"`` → ``"Li Wei"``. Text after a comma is dropped only
    when every comma-separated part is a known credential, so ``"Smith, John"``
    style names are not mangled.
    """
    text = "".join(" " if _is_emoji(ch) else ch for ch in unicodedata.normalize("NFC", raw))
    text = " ".join(text.split())
    head, *tail = [p.strip() for p in text.split(",")]
    if tail and all(all(_CREDENTIAL.match(w) for w in part.split()) for part in tail if part):
        text = head
    words = text.split()
    while len(words) > 1 and _CREDENTIAL.match(words[-1]) and words[-1].lower() not in ("ii", "iii", "iv"):
        words.pop()
    return " ".join(words).strip(" ,;|-")


def split_multi(value: str) -> list[str]:
    """Google's several values in one cell: ``a@x.com ::: b@y.com``."""
    return [v.strip() for v in value.split(":::") if v.strip()]


_DATE_FORMATS = ("%d %b %Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                 "%m/%d/%Y", "%Y%m%d")


def parse_date(text: str) -> dt.date | None:
    """Dates as exports write them: ``15 Jan 2024``, ``15-Jan-24``, ISO, ``01/15/2024``."""
    text = " ".join(text.split())
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_BDAY = re.compile(r"^(?:(?P<y>\d{4})-?|--)(?P<m>\d{2})-?(?P<d>\d{2})(?:T.*)?$")


def parse_birthday(text: str) -> Birthday | None:
    """``1985-06-14``, ``19850614``, ``--06-14``/``--0614`` (no year), else a dated format."""
    text = text.strip()
    if not text:
        return None
    m = _BDAY.match(text)
    if m:
        year = int(m["y"]) if m["y"] else None
        month, day = int(m["m"]), int(m["d"])
        # Apple writes 1604 for "no year".
        if year == 1604:
            year = None
        try:
            dt.date(year or 2000, month, day)
        except ValueError:
            return None
        return Birthday(month, day, year)
    d = parse_date(text)
    return Birthday(d.month, d.day, d.year) if d else None


def clean_email(text: str) -> str | None:
    text = text.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text if "@" in text and " " not in text else None


def clean_phone(text: str) -> str | None:
    text = " ".join(text.split())
    if text.lower().startswith("tel:"):
        text = text[4:]
    return text if sum(c.isdigit() for c in text) >= 3 else None


def clean_url(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if "://" not in text and ("." in text and " " not in text):
        text = "https://" + text
    return text if "://" in text and " " not in text else None


def dedupe(values: list[str]) -> tuple[str, ...]:
    """Keep order, drop repeats (compared case-insensitively)."""
    seen: set[str] = set()
    out = []
    for v in values:
        k = v.casefold()
        if k not in seen:
            seen.add(k)
            out.append(v)
    return tuple(out)


def problem(path: str, line: int, message: str, severity: str = "error") -> Problem:
    return Problem(path, line, message, None, "warning" if severity == "warning" else "error")


def csv_records(text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the 1-based line each starts on (quoted newlines span lines)."""
    import csv

    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    out: list[tuple[int, list[str]]] = []
    start = 1
    for record in reader:
        out.append((start, record))
        start = reader.line_num + 1
    return out
