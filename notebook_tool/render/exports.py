"""The vault as other tools read it: vCard 4.0 (with :mod:`vobject`), CSV, and JSON.

All three are pure and deterministic: people in name order (ties by path),
no clock time (the JSON's ``as_of`` is the ``--today`` date), a vCard
``UID`` derived from the file's path so the same person keeps the same UID
from one export to the next.

vCard holds: FN and N (name), NICKNAME (aliases), EMAIL, TEL, URL (links),
ORG (company), TITLE (role), CATEGORIES (tags), BDAY (``--MMDD`` without a
year). Guanxi's own fields (met, via, why, cadence, entries…) have no vCard
property and go out as ``X-GUANXI-…`` lines only for met and why, which other
address books ignore; the CSV and JSON exports carry everything.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import vobject

from notebook_tool.compute.attention import sort_key_name
from notebook_tool.compute.ledger import summarize
from notebook_tool.core.model import Contact, Vault

EXPORT_SCHEMA = 1
_UID_NS = uuid.UUID("5b2c4c8e-6f0e-4a51-9a53-6775616e7869")


def _people(vault: Vault) -> list[Contact]:
    return sorted(vault.contacts, key=lambda c: (sort_key_name(c.name), c.path))


def vcard(c: Contact) -> str:
    """One person as a vCard 4.0 card (CRLF lines, folded as RFC 6350 says)."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("uid").value = f"urn:uuid:{uuid.uuid5(_UID_NS, c.path)}"
    card.add("fn").value = c.name
    given, _, family = c.name.rpartition(" ")
    card.add("n").value = vobject.vcard.Name(family=family, given=given) if given else vobject.vcard.Name(family=c.name)
    for alias in c.aliases:  # one NICKNAME each: an alias may hold a comma
        card.add("nickname").value = alias
    for email in c.emails:
        card.add("email").value = email
    for phone in c.phones:
        card.add("tel").value = phone
    for link in c.links:
        card.add("url").value = link
    if c.company:
        card.add("org").value = [c.company]
    if c.role:
        card.add("title").value = c.role
    if c.tags:
        card.add("categories").value = list(c.tags)
    if c.birthday:
        b = c.birthday
        card.add("bday").value = f"{b.year:04d}{b.month:02d}{b.day:02d}" if b.year else f"--{b.month:02d}{b.day:02d}"
    if c.met:
        card.add("x-guanxi-met").value = c.met.isoformat()
    if c.why:
        card.add("x-guanxi-why").value = c.why
    text: str = card.serialize()
    return text


def vcard_cards(vault: Vault) -> list[tuple[str, str]]:
    """``(file stem, card)`` for every person, in name order."""
    return [(c.stem, vcard(c)) for c in _people(vault)]


CSV_COLUMNS = ("name", "path", "aliases", "email", "phone", "links", "company", "role", "tags", "met", "via",
               "why", "cadence_days", "birthday", "snooze", "needs", "offers", "given", "taken", "balance",
               "last_contact")


def csv_text(vault: Vault, today: dt.date) -> str:
    """One row per person; several values in one cell are joined by `` ; ``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for c in _people(vault):
        s = summarize(c, today, vault.config.half_life_days)
        row = person_json(c, today, vault.config.half_life_days)
        w.writerow([
            "; ".join(v) if isinstance(v, list) else ("" if v is None else v)
            for v in (row[k] for k in CSV_COLUMNS[:17])
        ] + [_num(s.given), _num(s.taken), _num(s.balance), row["last_contact"] or ""])
    return buf.getvalue()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def person_json(c: Contact, today: dt.date, half_life_days: int | None) -> dict[str, Any]:
    s = summarize(c, today, half_life_days)
    extra: dict[str, Any] = {}
    for k, v in c.extra:
        extra[k] = v.isoformat() if isinstance(v, dt.date) else (v if isinstance(v, (str, int, float, bool, list, dict)) or v is None else str(v))
    return {
        "name": c.name, "path": c.path, "aliases": list(c.aliases), "email": list(c.emails),
        "phone": list(c.phones), "links": list(c.links), "company": c.company, "role": c.role,
        "tags": list(c.tags), "met": c.met.isoformat() if c.met else None, "via": c.via, "why": c.why,
        "cadence_days": c.cadence_days, "birthday": c.birthday.iso() if c.birthday else None,
        "snooze": c.snooze.isoformat() if c.snooze else None, "needs": list(c.needs), "offers": list(c.offers),
        "given": s.given, "taken": s.taken, "balance": s.balance,
        "last_contact": s.last_contact.isoformat() if s.last_contact else None,
        "entries": [{"kind": e.kind, "date": e.date.isoformat(), "text": e.text, "weight": e.weight,
                     "status": e.status, "links": list(e.links), "tags": list(e.tags), "line": e.line}
                    for e in c.entries],
        "extra": extra,
    }


def vault_json(vault: Vault, today: dt.date) -> dict[str, Any]:
    """The whole vault (docs/json.md, "export json")."""
    return {
        "schema": EXPORT_SCHEMA,
        "as_of": today.isoformat(),
        "people": [person_json(c, today, vault.config.half_life_days) for c in _people(vault)],
        "problems": [{"path": p.path, "line": p.line, "message": p.message, "severity": p.severity}
                     for p in vault.all_problems()],
    }
