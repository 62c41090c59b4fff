"""vCard files (2.1, 3.0, 4.0) → import rows, with :mod:`vobject`.

The file is decoded first (UTF-8, UTF-16 or Windows-1252, see
:func:`~.rows.decode_text`) and cut into cards at ``BEGIN:VCARD`` /
``END:VCARD`` here, so that a broken card is one problem at its own
``file:line`` and every other card still imports. vCard 2.1's
quoted-printable soft line breaks (a line ending in ``=``) are joined before
vobject sees the card, since vobject only unfolds RFC 6350 continuation
lines. ``itemN.`` groups, ``CHARSET``, ``CATEGORIES``, ``NICKNAME``, ``ORG``,
``TITLE``, ``BDAY`` with or without a year, ``URL``, ``NOTE`` are read;
``PHOTO`` is skipped with a note (the vault keeps text, not images).
"""

from __future__ import annotations

import quopri
import re
from typing import Any

import vobject

from notebook_tool.core.model import Problem
from notebook_tool.read.imports.rows import (
    ImportRow,
    clean_email,
    clean_person_name,
    clean_phone,
    clean_url,
    decode_text,
    dedupe,
    parse_birthday,
    problem,
)

_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^END:VCARD\s*$", re.IGNORECASE)


_SINGLE_TEXT = frozenset({"FN", "NOTE", "TITLE", "ROLE"})
_LIST_SEP = "\ue000"  # NICKNAME's own separators, kept apart from escaped commas (\,) inside a nickname
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def normalise_line(line: str) -> str:
    """Decode quoted-printable here, and escape commas vobject would cut text at.

    vobject keeps only the text before the first unescaped comma of a
    single-text property (``FN``, ``NOTE``, ``TITLE``; and the first
    ``NICKNAME`` only). vCard 2.1 never escapes commas, and many 3.0
    exporters forget to, so ``NOTE:Met in Oslo, at a meetup`` would lose
    half its text. Quoted-printable values are decoded first (with their
    ``CHARSET``), so an encoded comma (``=2C``) is escaped too.
    """
    head, colon, value = line.partition(":")
    if not colon:
        return line
    parts = head.split(";")
    name = parts[0].rsplit(".", 1)[-1].upper()
    params = parts[1:]
    upper = [p.upper() for p in params]
    if "ENCODING=QUOTED-PRINTABLE" in upper or "QUOTED-PRINTABLE" in upper:
        charset = next((p.split("=", 1)[1] for p in params if p.upper().startswith("CHARSET=")), "utf-8")
        raw = quopri.decodestring(value.encode("utf-8"))
        try:
            value = raw.decode(charset.strip('"'))
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("cp1252", errors="replace")
        value = value.replace("\\", "\\\\").replace("\r\n", "\\n").replace("\n", "\\n")
        if name not in ("N", "ORG", "ADR"):
            value = value.replace(";", "\\;")
        keep = [p for p, u in zip(params, upper)
                if u not in ("ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE") and not u.startswith("CHARSET=")]
        head = ";".join([parts[0], *keep])
    if name in _SINGLE_TEXT:
        value = _UNESCAPED_COMMA.sub("\\,", value)
    elif name == "NICKNAME":
        value = _UNESCAPED_COMMA.sub(_LIST_SEP, value)
    return f"{head}:{value}"


def split_cards(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """``(cards, broken)``: each card's text with its 1-based first line; unterminated cards."""
    cards: list[tuple[int, str]] = []
    broken: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    qp_open = False
    for n, line in enumerate(text.splitlines(), 1):
        if current is None:
            if _BEGIN.match(line.strip()):
                current, start, qp_open = [line.strip()], n, False
            continue
        if _BEGIN.match(line.strip()) and not qp_open:
            broken.append((start, "card has no END:VCARD before the next BEGIN:VCARD; skipped"))
            current, start = [line.strip()], n
            continue
        if qp_open:
            current[-1] = current[-1][:-1] + line.lstrip()
        elif line[:1] in (" ", "\t") and len(current) > 1:
            current[-1] += line[1:]  # RFC 6350 folding, unfolded here so each property is one line
        else:
            current.append(line)
        last = current[-1]
        qp_open = last.endswith("=") and "QUOTED-PRINTABLE" in last.split(":", 1)[0].upper()
        if _END.match(line.strip()) and not qp_open:
            cards.append((start, "\r\n".join(normalise_line(x) for x in current) + "\r\n"))
            current = None
    if current is not None:
        broken.append((start, "card has no END:VCARD; skipped"))
    return cards, broken


def _texts(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def _name(card: Any) -> str:
    fn = getattr(card, "fn", None)
    if fn is not None and str(fn.value).strip():
        return str(fn.value)
    n = getattr(card, "n", None)
    if n is not None:
        v = n.value
        parts = [getattr(v, a, "") for a in ("prefix", "given", "additional", "family")]
        return " ".join(" ".join(_texts(p)) for p in parts if _texts(p))
    return ""


def card_row(card: Any, path: str, line: int) -> tuple[ImportRow | None, list[Problem]]:
    """One parsed card → a row (or none, with why)."""
    problems: list[Problem] = []
    contents: dict[str, list[Any]] = card.contents
    raw = _name(card)
    name = clean_person_name(raw)
    emails = dedupe([e for c in contents.get("email", []) for v in _texts(c.value) if (e := clean_email(v))])
    org = None
    if "org" in contents:
        parts = _texts(contents["org"][0].value)
        org = parts[0] if parts else None
    if not name:
        name = org or (emails[0].split("@")[0] if emails else "")
    if not name:
        return None, [problem(path, line, "card has no name (FN or N), organisation or e-mail; skipped")]
    nicknames = [v.strip() for c in contents.get("nickname", []) for t in _texts(c.value)
                 for v in t.split(_LIST_SEP) if v.strip()]
    tags = [v for c in contents.get("categories", []) for t in _texts(c.value) for v in t.split(",") if v.strip()]
    title = next((t for c in contents.get("title", []) for t in _texts(c.value)), None)
    role = title or next((t for c in contents.get("role", []) for t in _texts(c.value)), None)
    birthday = None
    for c in contents.get("bday", []):
        text = str(c.value).strip()
        birthday = parse_birthday(text)
        if birthday is None and text:
            problems.append(problem(path, line, f"BDAY {text!r} is not a date; imported without it", "warning"))
    notes = [str(c.value).strip() for c in contents.get("note", []) if str(c.value).strip()]
    if "photo" in contents or "logo" in contents:
        problems.append(problem(path, line, f"{name}: PHOTO skipped (the vault keeps text, not images)", "warning"))
    return ImportRow(
        source="vcard", source_path=path, line=line, name=name,
        aliases=dedupe([a.strip() for a in nicknames if a.strip() != name]
                       + ([raw] if raw and raw != name and "\n" not in raw else [])),
        emails=emails,
        phones=dedupe([p for c in contents.get("tel", []) for v in _texts(c.value) if (p := clean_phone(v))]),
        links=dedupe([u for c in contents.get("url", []) for v in _texts(c.value) if (u := clean_url(v))]),
        company=org, role=role, tags=dedupe([t.strip() for t in tags]), birthday=birthday,
        note="\n\n".join(notes) or None,
    ), problems


def parse_vcard(data: bytes, path: str) -> tuple[list[ImportRow], list[Problem]]:
    """Rows of a ``.vcf`` file holding one or many cards; a broken card is a problem, the rest import."""
    text = decode_text(data)
    cards, broken = split_cards(text)
    problems = [problem(path, line, msg) for line, msg in broken]
    rows: list[ImportRow] = []
    for line, card_text in cards:
        try:
            card = vobject.readOne(card_text, ignoreUnreadable=False)
        except Exception as exc:  # vobject raises ParseError, ValueError, UnicodeError, binascii.Error…
            message = str(exc).split("\n")[0][:200]
            problems.append(problem(path, line, f"card cannot be read ({message}); skipped"))
            continue
        try:
            row, more = card_row(card, path, line)
        except Exception as exc:  # a value vobject accepted but cannot build (bad base64…)
            problems.append(problem(path, line, f"card cannot be read ({str(exc)[:200]}); skipped"))
            continue
        problems.extend(more)
        if row is not None:
            rows.append(row)
    if not cards and not broken:
        problems.append(problem(path, 1, "no BEGIN:VCARD in the file: is it a vCard (.vcf)?"))
    return rows, problems
