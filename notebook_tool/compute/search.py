"""``guanxi find QUERY``: people ranked by where the query's words occur. Pure.

Owns matching and ranking. Every field and the query are folded with
:func:`notebook_tool.core.text.fold_ascii` (case, accents, and every script
transliterated, so ``wang`` finds 王伟 and ``lukasz`` finds Łukasz) and split
into words. Each query word must start a word of some field (all words must
be found: ``find sre initech`` narrows, it does not widen). A person's score
is, per query word, the weight of the best field it is found in — doubled
when it is the whole word rather than its start — summed. Field weights
(:data:`WEIGHTS`): name 10, alias 8, company 5, role 4, tag 4, needs 3,
offers 3, why 2, body 1. Ties order by name, then path.

The body is not in the model; the caller passes a function that reads it
(``body``, :func:`notebook_tool.read.notes.notes_of`), asked once per person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from notebook_tool.core.model import Contact
from notebook_tool.core.text import fold, fold_ascii

WEIGHTS: dict[str, int] = {"name": 10, "alias": 8, "company": 5, "role": 4, "tag": 4, "needs": 3,
                           "offers": 3, "why": 2, "body": 1}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One person found: the score, and for each field where a query word was found, the text."""

    contact: Contact
    score: int
    fields: tuple[tuple[str, str], ...]  # (field, the value that matched), best field first


def query_words(query: str) -> list[str]:
    return list(dict.fromkeys(_WORD.findall(fold_ascii(query))))


def _fields(c: Contact, body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("name", c.name), ("name", c.stem)]
    out += [("alias", a) for a in c.aliases]
    out += [(k, v) for k, v in (("company", c.company), ("role", c.role), ("why", c.why)) if v]
    out += [("tag", t) for t in c.tags]
    out += [("needs", n) for n in c.needs] + [("offers", o) for o in c.offers]
    if body.strip():
        out.append(("body", body))
    return out


def match(c: Contact, words: Sequence[str], body: str = "") -> Hit | None:
    """The hit for ``c``, or ``None`` when some query word is found nowhere."""
    if not words:
        return None
    fields = [(f, v, set(_WORD.findall(fold_ascii(v)))) for f, v in _fields(c, body)]
    score = 0
    where: dict[str, tuple[int, str]] = {}
    for w in words:
        best = 0
        for f, v, ws in fields:
            if w in ws:
                s = 2 * WEIGHTS[f]
            elif any(x.startswith(w) for x in ws):
                s = WEIGHTS[f]
            else:
                continue
            if s > best:
                best = s
            if f not in where or s > where[f][0]:
                where[f] = (s, v)
        if not best:
            return None
        score += best
    shown = sorted(where.items(), key=lambda kv: (-WEIGHTS[kv[0]], kv[0]))
    return Hit(c, score, tuple((f, _snippet(v, words) if f == "body" else v) for f, (_, v) in shown))


def _snippet(body: str, words: Sequence[str]) -> str:
    """The first body line holding a query word, trimmed to 80 characters."""
    for line in body.splitlines():
        ws = _WORD.findall(fold_ascii(line))
        if any(x.startswith(w) for w in words for x in ws):
            line = " ".join(line.split())
            return line if len(line) <= 80 else line[:79] + "…"
    return ""


def find(contacts: Sequence[Contact], query: str, body: Callable[[Contact], str] | None = None,
         limit: int | None = None) -> list[Hit]:
    """People matching every word of ``query``, best first."""
    words = query_words(query)
    hits: list[Hit] = []
    for c in contacts:
        h = match(c, words, body(c) if body is not None else "")
        if h is not None:
            hits.append(h)
    hits.sort(key=lambda h: (-h.score, fold(h.contact.name), h.contact.path))
    return hits[:limit] if limit is not None else hits
