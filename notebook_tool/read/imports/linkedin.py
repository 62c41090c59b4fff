"""LinkedIn's ``Connections.csv`` → import rows.

Real exports vary: a ``Notes:`` preamble (a warning about missing e-mail
addresses) before the header, or none; the profile URL third or last, or
missing in old exports; ``Connected On`` as ``15 Jan 2024`` or ``15-Jan-24``;
a BOM; CRLF; quoted commas; names carrying emoji or credentials. The header
is found by its column names, wherever it is, and columns are read by name.
"""

from __future__ import annotations

from collections.abc import Callable

from notebook_tool.core.model import Problem
from notebook_tool.read.imports.rows import (
    ImportRow,
    clean_email,
    clean_person_name,
    clean_url,
    csv_records,
    decode_text,
    parse_date,
    problem,
)

_COLUMNS = {
    "first name": "first", "last name": "last", "url": "url", "profile url": "url",
    "email address": "email", "e-mail address": "email", "email": "email",
    "company": "company", "position": "position", "connected on": "connected",
}


def _getter(header: dict[str, int], cells: list[str]) -> Callable[[str], str]:
    def get(col: str) -> str:
        i = header.get(col)
        return cells[i] if i is not None and i < len(cells) else ""
    return get


def parse_linkedin(data: bytes, path: str) -> tuple[list[ImportRow], list[Problem]]:
    """Rows of a LinkedIn connections export; problems name ``path:line``."""
    records = csv_records(decode_text(data))
    header: dict[str, int] | None = None
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for line, record in records:
        cells = [c.strip() for c in record]
        if header is None:
            names = {c.casefold(): i for i, c in enumerate(cells)}
            if "first name" in names and "last name" in names:
                header = {_COLUMNS[k]: i for k, i in names.items() if k in _COLUMNS}
            continue
        if not any(cells):
            continue
        get = _getter(header, cells)
        raw = " ".join(p for p in (get("first"), get("last")) if p)
        name = clean_person_name(raw)
        if not name:
            problems.append(problem(path, line, "row has no name (LinkedIn blanks members who left); nothing to import",
                                    "warning"))
            continue
        connected = get("connected")
        met = parse_date(connected)
        if connected and met is None:
            problems.append(problem(path, line, f"'Connected On' {connected!r} is not a date; imported without 'met'",
                                    "warning"))
        url, email = clean_url(get("url")), clean_email(get("email"))
        rows.append(ImportRow(
            source="linkedin", source_path=path, line=line, name=name,
            aliases=(raw,) if raw != name and "\n" not in raw else (),
            emails=(email,) if email else (),
            links=(url,) if url else (),
            company=get("company") or None, role=get("position") or None, met=met,
        ))
    if header is None:
        problems.append(problem(path, 1, "no 'First Name,Last Name,…' header: is this LinkedIn's Connections.csv?"))
    return rows, problems
