"""Introductions you could make: one person's ``needs`` matched to another's ``offers``.

Owns the matching and the ranking; pure (no I/O). Matching survives real
wording: every need and offer is folded (:func:`notebook_tool.core.text.fold`:
case, accents, width), split into words at anything that is not a letter or
digit (punctuation, word order do not matter), stripped of stop words, and
each word reduced by a small plural stemmer (:func:`stem`). Configured
synonym groups (``[introductions] synonyms``) map every phrase of a group to
one term, so ``site reliability engineers`` and ``SRE`` meet. A need and an
offer match when they share at least one such term; stop words alone never
match because they are never terms.

To stay far from O(n²) in people, offers are indexed by term once
(:class:`OfferIndex`); each need looks up only the offers that share a term,
and of a term offered by many, only the people you know best.

A pair is ranked by how well the match covers the need (rare shared terms
weigh more, by inverse document frequency over all offers), by how well
you know both people (recency of last contact and how much has passed between
you) and by tags they share. A pair already introduced — an entry in either
file that links the other — is never suggested. ``docs/network.md`` states
the formula.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from notebook_tool.compute.ledger import summarize
from notebook_tool.core.model import Contact
from notebook_tool.core.text import fold

# Function words that carry no meaning for a need or offer. Kept short on
# purpose: a word here can never make a match.
STOP_WORDS = frozenset({
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "by", "can", "for", "from",
    "get", "good", "have", "help", "i", "in", "into", "is", "it", "its", "just", "like", "looking",
    "me", "more", "most", "my", "need", "needs", "new", "of", "on", "or", "other", "our", "some",
    "someone", "the", "their", "them", "they", "this", "to", "us", "very", "want", "wants", "we",
    "who", "with", "you", "your",
})

_WORD = re.compile(r"\w+")
# Words ending in s that are not plurals (or whose singular is the same word).
_NOT_PLURAL = frozenset({"sales", "analytics", "news", "series", "species", "devops", "ops", "aws", "kubernetes",
                         "physics", "economics", "mathematics", "logistics", "statistics", "ethics", "gas",
                         "bus", "status", "campus", "corpus", "bias", "canvas", "atlas", "chaos", "lens",
                         "always", "has", "is", "was", "this", "yes", "thus", "plus", "us", "less"})


def stem(word: str) -> str:
    """Plural → singular, conservatively: ``candidates`` → ``candidate``, ``companies`` →
    ``company``, ``boxes`` → ``box``, ``classes`` → ``class``; ``sales``, ``devops``,
    ``status`` and words of three letters or fewer are left alone.

    A stemmer of our own rather than a library: needs and offers are short
    phrases, the only variation that matters is number, and a stemmer that
    also strips ``-ing``/``-er`` would make ``engineering`` meet ``engineer``
    in ways a user cannot predict. Both sides go through the same function,
    so a mistake here is made the same way on both sides.
    """
    if len(word) <= 3 or not word.endswith("s") or word in _NOT_PLURAL or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def words(text: str) -> list[str]:
    """Folded, stemmed words of ``text`` with stop words removed, in order."""
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOP_WORDS and not w.isdigit()]


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Synonym groups as word tuples, each mapped to the group's term (its first phrase)."""

    phrases: tuple[tuple[tuple[str, ...], str], ...] = ()  # longest phrase first

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        found: dict[tuple[str, ...], str] = {}
        for group in groups:
            keyed = [tuple(words(p)) for p in group]
            keyed = [k for k in keyed if k]
            if len(keyed) < 2:
                continue
            term = "_".join(keyed[0])
            for k in keyed:
                found.setdefault(k, term)
        return cls(tuple(sorted(found.items(), key=lambda kv: (-len(kv[0]), kv[0]))))

    def terms(self, text: str) -> frozenset[str]:
        """The terms of ``text``: its words, with every synonym phrase replaced by its group's term."""
        ws = words(text)
        if not self.phrases:
            return frozenset(ws)
        out: set[str] = set()
        i = 0
        while i < len(ws):
            for phrase, term in self.phrases:
                if tuple(ws[i : i + len(phrase)]) == phrase:
                    out.add(term)
                    i += len(phrase)
                    break
            else:
                out.add(ws[i])
                i += 1
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class Party:
    """What matching reads of one person: a contact with needs or offers, reduced.

    Small and plain on purpose: the store keeps one per person (as
    :meth:`to_json`), so the introductions page is computed again after an
    edit without reading every contact back (``know`` is :func:`closeness`
    on the day it was made, which is why the store keeps it per day).
    """

    path: str
    name: str
    keys: frozenset[str]  # folded name, file name and aliases: what a link to this person says
    tags: frozenset[str]  # folded
    needs: tuple[str, ...]
    offers: tuple[str, ...]
    linked: frozenset[str]  # folded links in this person's entries
    know: float

    @classmethod
    def of(cls, c: Contact, today: dt.date, half_life_days: int | None = None) -> Party:
        return cls(c.path, c.name, _link_keys(c), frozenset(fold(t) for t in c.tags), c.needs, c.offers,
                   frozenset(fold(n) for e in c.entries for n in e.links), closeness(c, today, half_life_days))

    def to_json(self) -> list[Any]:
        return [self.path, self.name, sorted(self.keys), sorted(self.tags), list(self.needs), list(self.offers),
                sorted(self.linked), self.know]

    @classmethod
    def from_json(cls, v: list[Any]) -> Party:
        """The inverse of :meth:`to_json`; ``ValueError`` for anything of another shape."""
        try:
            path, name, keys, tags, needs, offers, linked, know = v
            party = cls(path, name, frozenset(keys), frozenset(tags), tuple(needs), tuple(offers),
                        frozenset(linked), float(know))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a party: {exc}") from None
        if not (isinstance(path, str) and isinstance(name, str)
                and all(isinstance(x, str) for group in (keys, tags, needs, offers, linked) for x in group)):
            raise ValueError("not a party")
        return party


def parties(contacts: Iterable[Contact], today: dt.date, half_life_days: int | None = None) -> list[Party]:
    """The people matching can use (those with needs or offers), in the order given."""
    return [Party.of(c, today, half_life_days) for c in contacts if c.needs or c.offers]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One introduction worth making: ``seeker`` needs what ``helper`` offers."""

    seeker: Party
    need: str
    helper: Party
    offer: str
    shared: tuple[str, ...]  # the terms need and offer share
    shared_tags: tuple[str, ...]
    score: float

    def why(self) -> str:
        """``Carol Diaz needs senior SRE candidates; Dan Okafor offers SRE referrals``."""
        text = f"{self.seeker.name} needs {self.need}; {self.helper.name} offers {self.offer}"
        if self.shared_tags:
            text += f" (both tagged {', '.join(self.shared_tags)})"
        return text


def _link_keys(c: Contact) -> frozenset[str]:
    return frozenset(fold(k) for k in (c.name, c.stem, *c.aliases) if k)


def introduced(a: Contact, b: Contact) -> bool:
    """True when an entry in either file links the other (``[[B]]`` or ``with:``)."""
    ka, kb = _link_keys(a), _link_keys(b)
    return (any(fold(link) in kb for e in a.entries for link in e.links)
            or any(fold(link) in ka for e in b.entries for link in e.links))


def closeness(c: Contact, today: dt.date, half_life_days: int | None = None) -> float:
    """How well you know ``c``, in (0, 2]: recency of last contact times the weight of what passed.

    recency = 1 / (1 + days since last contact / 90) (never in contact: 0.05);
    volume = 1 + min(given + taken, 10) / 10.
    """
    s = summarize(c, today, half_life_days)
    if s.last_contact is None:
        recency = 0.05
    else:
        recency = 1.0 / (1.0 + max(0, (today - s.last_contact).days) / 90.0)
    return recency * (1.0 + min(s.given + s.taken, 10.0) / 10.0)


@dataclass(frozen=True, slots=True)
class _Offer:
    person: int
    text: str
    terms: frozenset[str]


CANDIDATES_PER_TERM = 20


class OfferIndex:
    """Every offer, indexed by term, with each term's inverse document frequency.

    Each term's list holds its offers best-known person first (``know``) and
    is cut at :data:`CANDIDATES_PER_TERM`: a need is matched against the
    people you know best among those offering each of its terms, so a term
    that thousands offer costs no more than a rare one (matching stays
    linear in people, not quadratic).
    """

    def __init__(self, contacts: Sequence[Party], synonyms: Synonyms, know: Callable[[int], float],
                 per_term: int = CANDIDATES_PER_TERM) -> None:
        self.offers: list[_Offer] = []
        by_term: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(contacts):
            for text in c.offers:
                terms = synonyms.terms(text)
                if not terms:
                    continue
                for t in terms:
                    by_term[t].append(len(self.offers))
                self.offers.append(_Offer(i, text, terms))
        n = max(1, len(self.offers))
        self.idf = {t: math.log(1.0 + n / len(ids)) for t, ids in by_term.items()}
        self.by_term: dict[str, list[int]] = {}
        for t, ids in by_term.items():
            if len(ids) > per_term:
                ids = sorted(ids, key=lambda oi: (-know(self.offers[oi].person), oi))[:per_term]
            self.by_term[t] = ids

    def weight(self, term: str) -> float:
        return self.idf.get(term, math.log(1.0 + max(1, len(self.offers))))


MAX_TAG_BONUS = 1.5  # (1 + 0.25 × min(shared tags, 2)): the most a score can gain from tags


def suggest(contacts: Sequence[Contact], today: dt.date, synonym_groups: Iterable[Sequence[str]] = (),
            half_life_days: int | None = None, per_need: int = 3, limit: int | None = None) -> list[Suggestion]:
    """:func:`suggest_among` the :func:`parties` of ``contacts``."""
    return suggest_among(parties(contacts, today, half_life_days), synonym_groups, per_need, limit)


def suggest_among(contacts: Sequence[Party], synonym_groups: Iterable[Sequence[str]] = (), per_need: int = 3,
                  limit: int | None = None, cutoff: dict[str, Any] | None = None) -> list[Suggestion]:
    """Every introduction worth suggesting (or the best ``limit``), most useful first.

    For each need, at most ``per_need`` helpers (the best matches); a person
    is never matched with themself, and a pair already introduced is left out.
    Ties break by names and paths, so the order is deterministic.

    With ``limit`` (the page's 50), seekers are taken best-known first and
    the walk stops once no later seeker could score above the ``limit``-th
    suggestion so far (a score is at most ``MAX_TAG_BONUS × √(know(seeker) ×
    best know(helper))``): the same first ``limit`` as the full list, for a
    fraction of the work.

    ``cutoff`` (with a ``limit``), if given, is filled with what
    :func:`unmoved` needs to tell, later, that a change of one person's
    closeness cannot move these first ``limit``.
    """
    synonyms = Synonyms.from_groups(synonym_groups)

    def know(i: int) -> float:
        return contacts[i].know

    index = OfferIndex(contacts, synonyms, know)
    if not index.offers:
        return []
    folded: dict[int, str] = {}  # names, folded once

    def keys(i: int) -> tuple[str, frozenset[str], frozenset[str]]:
        if i not in folded:
            folded[i] = fold(contacts[i].name)
        return folded[i], contacts[i].tags, contacts[i].keys

    def linked(i: int) -> frozenset[str]:
        return contacts[i].linked

    default = math.log(1.0 + len(index.offers))
    idf = index.idf
    out: list[Suggestion] = []
    seekers = [i for i, c in enumerate(contacts) if c.needs]
    best_helper = 0.0
    if limit is not None:
        seekers.sort(key=lambda i: (-know(i), i))
        best_helper = max(know(o.person) for o in index.offers)
    scores: list[float] = []  # with a limit: the best `limit` scores so far, a min-heap
    for si in seekers:
        seeker = contacts[si]
        if (limit is not None and len(scores) >= limit
                and MAX_TAG_BONUS * math.sqrt(know(si) * best_helper) < scores[0]):
            break  # seekers are in falling know(): no one after this can enter the first `limit`
        seeker_tags = keys(si)[1]
        for need in seeker.needs:
            terms = synonyms.terms(need)
            if not terms:
                continue
            total = sum(idf.get(t, default) for t in terms)
            hits: dict[int, set[str]] = defaultdict(set)
            for t in terms:
                for oi in index.by_term.get(t, ()):
                    hits[oi].add(t)
            best: dict[int, tuple[float, int]] = {}  # helper -> (coverage, offer)
            for oi, shared in hits.items():
                offer = index.offers[oi]
                if offer.person == si:
                    continue
                coverage = sum(idf.get(t, default) for t in shared) / total
                prev = best.get(offer.person)
                if prev is None or coverage > prev[0] or (coverage == prev[0] and oi < prev[1]):
                    best[offer.person] = (coverage, oi)
            ranked: list[tuple[float, str, str, int, int, tuple[str, ...]]] = []
            for hi, (coverage, oi) in best.items():
                name, helper_tags, _ = keys(hi)
                tags = tuple(sorted(seeker_tags & helper_tags)) if seeker_tags and helper_tags else ()
                score = coverage * coverage * math.sqrt(know(si) * know(hi)) * (1.0 + 0.25 * min(len(tags), 2))
                ranked.append((-round(score, 9), name, contacts[hi].path, hi, oi, tags))
            ranked.sort()
            kept = 0
            for neg, _, _, hi, oi, tags in ranked:  # the already-introduced check only as far as needed
                if kept == per_need:
                    break
                if keys(hi)[2] & linked(si) or keys(si)[2] & linked(hi):
                    continue  # already introduced: an entry in either file links the other
                offer = index.offers[oi]
                out.append(Suggestion(seeker, need, contacts[hi], offer.text, tuple(sorted(terms & offer.terms)),
                                      tags, -neg))
                kept += 1
                if limit is not None:
                    if len(scores) < limit:
                        heapq.heappush(scores, -neg)
                    elif -neg > scores[0]:
                        heapq.heapreplace(scores, -neg)
    out.sort(key=_order)
    if limit is not None:
        out = out[:limit]
    if cutoff is not None:
        cutoff.clear()
        cutoff.update({"theta": out[-1].score if limit is not None and len(out) >= limit else None,
                       "k_top": max(c.know for c in contacts),
                       "people": sorted({p for s in out for p in (s.seeker.path, s.helper.path)})})
    return out


def unmoved(cutoff: dict[str, Any], old: Party, new: Party) -> bool:
    """True when ``old`` becoming ``new`` cannot change the first ``limit`` suggestions that left
    ``cutoff`` (see :func:`suggest_among`); then ``cutoff`` is brought up to date for them.

    Only a change of closeness alone qualifies (anything else may move term weights or pairs),
    of someone in none of those suggestions whose suggestions score below the last of them
    before and after: a score is at most ``B = MAX_TAG_BONUS × √(know × the best know)``.
    That also covers the candidates of each term (:class:`OfferIndex`): if the person enters a
    term's list they push out someone known less, whose suggestions score below ``B``; if they
    leave it, whoever comes in is known less still. Either way only suggestions below the last
    one move. Conservative: False whenever it cannot be sure.
    """
    theta = cutoff.get("theta")
    if theta is None or old.path != new.path or old.path in cutoff["people"]:
        return False
    if (old.name, old.keys, old.tags, old.needs, old.offers, old.linked) != \
            (new.name, new.keys, new.tags, new.needs, new.offers, new.linked):
        return False
    k = max(old.know, new.know)
    top = max(float(cutoff["k_top"]), new.know)
    # A margin for the rounding of scores to 9 places: a tie with the last would be decided by name.
    if MAX_TAG_BONUS * math.sqrt(k * top) >= float(theta) - 1e-8:
        return False
    cutoff["k_top"] = top
    return True


def _order(s: Suggestion) -> tuple[float, str, str, str, str, str, str]:
    return (-round(s.score, 9), fold(s.seeker.name), s.seeker.path, fold(s.helper.name), s.helper.path,
            s.need, s.offer)
