"""Google Contacts CSV → import rows.

Two header layouts are in the wild: the current one (``First Name``,
``Last Name``, ``Organization Name``, ``Labels``, ``E-mail 1 - Label`` /
``- Value``…) and the older "Google CSV" (``Name``, ``Given Name``,
``Family Name``, ``Group Membership``, ``E-mail 1 - Type``,
``Organization 1 - Name``…). Both are read by column name. A cell may hold
several values joined by `` ::: ``; labels such as ``* myContacts ::: Friends``
become tags (Google's own ``* …`` system groups are dropped, except
``* starred`` → ``starred``); birthdays come with or without a year
(``--12-01``); notes may hold quoted newlines.
"""

from __future__ import annotations

import re

from notebook_tool.core.model import Problem
from notebook_tool.read.imports.rows import (
    ImportRow,
    clean_email,
    clean_person_name,
    clean_phone,
    clean_url,
    csv_records,
    decode_text,
    dedupe,
    parse_birthday,
    problem,
    split_multi,
)

_NUMBERED = re.compile(r"^(e-mail|email|phone|website|organization|organisation) (\d+) - (value|name|title)$")


def _tags(labels: str) -> list[str]:
    out = []
    for label in split_multi(labels):
        if label.startswith("*"):
            if label.lstrip("* ").casefold() == "starred":
                out.append("starred")
            continue  # "* myContacts", "* other": Google's own groups
        out.append(label)
    return out


def parse_google(data: bytes, path: str) -> tuple[list[ImportRow], list[Problem]]:
    """Rows of a Google Contacts export (either layout); problems name ``path:line``."""
    records = csv_records(decode_text(data))
    if not records:
        return [], [problem(path, 1, "the file is empty")]
    _, head = records[0]
    cols = {c.strip().casefold(): i for i, c in enumerate(head)}
    if not ({"first name", "given name", "name"} & set(cols)):
        return [], [problem(path, 1, "no 'First Name' or 'Given Name' column: is this a Google Contacts CSV?")]
    numbered: dict[str, list[int]] = {"email": [], "phone": [], "url": [], "org": [], "title": []}
    for key, i in cols.items():
        m = _NUMBERED.match(key)
        if not m:
            continue
        kind, _, part = m.groups()
        if kind in ("e-mail", "email") and part == "value":
            numbered["email"].append(i)
        elif kind == "phone" and part == "value":
            numbered["phone"].append(i)
        elif kind == "website" and part == "value":
            numbered["url"].append(i)
        elif kind.startswith("organi") and part == "name":
            numbered["org"].append(i)
        elif kind.startswith("organi") and part == "title":
            numbered["title"].append(i)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for line, record in records[1:]:
        if not any(c.strip() for c in record):
            continue

        def get(*names: str) -> str:
            for n in names:
                i = cols.get(n)
                if i is not None and i < len(record) and record[i].strip():
                    return record[i].strip()
            return ""

        def many(indexes: list[int]) -> list[str]:
            return [v for i in indexes if i < len(record) for v in split_multi(record[i])]

        given = " ".join(p for p in (get("first name", "given name"), get("middle name", "additional name"),
                                     get("last name", "family name")) if p)
        raw = given or get("name", "file as", "nickname")
        name = clean_person_name(raw)
        emails = dedupe([e for e in (clean_email(v) for v in many(numbered["email"])) if e])
        if not name:
            name = emails[0].split("@")[0] if emails else ""
        if not name:
            problems.append(problem(path, line, "contact has no name and no e-mail address; nothing to import",
                                    "warning"))
            continue
        birthday_text = get("birthday")
        birthday = parse_birthday(birthday_text)
        if birthday_text and birthday is None:
            problems.append(problem(path, line, f"birthday {birthday_text!r} is not a date; imported without it",
                                    "warning"))
        orgs, titles = many(numbered["org"]), many(numbered["title"])
        nickname = get("nickname")
        rows.append(ImportRow(
            source="google", source_path=path, line=line, name=name,
            aliases=dedupe([a for a in (nickname, raw) if a and a != name and "\n" not in a]),
            emails=emails,
            phones=dedupe([p for p in (clean_phone(v) for v in many(numbered["phone"])) if p]),
            links=dedupe([u for u in (clean_url(v) for v in many(numbered["url"])) if u]),
            company=get("organization name") or (orgs[0] if orgs else None),
            role=get("organization title") or (titles[0] if titles else None),
            tags=dedupe(_tags(get("labels", "group membership"))),
            birthday=birthday,
            note=get("notes") or None,
        ))
    return rows, problems
