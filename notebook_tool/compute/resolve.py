"""NAME on the command line → one contact, or a clear error listing candidates.

First the name exactly as typed (NFC), or the file's path (``people/Zoe
Angstrom.md``): these always reach their contact, even when folding makes
two contacts look alike. Then, each case- and accent-insensitive (``zoe``
finds ``Zoë``): the exact name, file name or alias; then a unique prefix of one of those;
then a unique prefix of a word in the name (``chen`` → ``Alice Chen``).
The first stage that matches decides: one contact wins, several are an
ambiguity that lists them.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from notebook_tool.core.errors import GuanxiError, ResolveError
from notebook_tool.core.model import Contact, Entry, Vault, path_stem
from notebook_tool.core.text import fold
from notebook_tool.read.entries import format_line, links_in

__all__ = ["ResolveError", "backlinks", "fold", "path_for", "pick_promise", "prefix_candidates", "resolve", "resolve_in", "unknown_links", "weak_match"]


def _keys(c: Contact) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fold(k) for k in (c.name, c.stem, *c.aliases) if k))


def _unique(matches: Iterable[Contact]) -> list[Contact]:
    seen: dict[str, Contact] = {}
    for c in matches:
        seen.setdefault(c.path, c)
    return sorted(seen.values(), key=lambda c: (fold(c.name), c.path))


def resolve(contacts: Sequence[Contact], query: str) -> Contact:
    q = fold(query)
    if not q:
        raise ResolveError("empty name")
    exact = unicodedata.normalize("NFC", query.strip())
    path = exact.replace("\\", "/").removeprefix("./")
    stages: tuple[Callable[[Contact], bool], ...] = (
        lambda c: exact in (c.name, c.stem, *c.aliases) or path in (c.path, c.path[:-3] if c.path.lower().endswith(".md") else c.path),
        lambda c: q in _keys(c),
        lambda c: any(k.startswith(q) for k in _keys(c)),
        lambda c: any(w.startswith(q) for k in _keys(c) for w in k.split()),
    )
    for stage in stages:
        found = _unique(c for c in contacts if stage(c))
        if len(found) == 1:
            return found[0]
        if found:
            raise ResolveError(f"{query!r} is ambiguous; it could be:", found, ambiguous=True)
    names = {fold(k): c for c in contacts for k in (c.name, *c.aliases)}
    close = difflib.get_close_matches(q, list(names), n=5, cutoff=0.6)
    raise ResolveError(f"no contact named {query!r}" + ("; did you mean:" if close else ""),
                       _unique(names[k] for k in close))


def weak_match(contact: Contact, query: str) -> bool:
    """True when ``query`` reaches ``contact`` only as a prefix of one or two letters (``a``, ``al``).

    Reading with such a prefix is harmless; writing with it is a slip waiting
    to log an entry with the wrong person, so the writing commands refuse it.
    """
    q = fold(query)
    return len(q) <= 2 and q not in _keys(contact) and not any(q == w for k in _keys(contact) for w in k.split())


def prefix_candidates(contacts: Sequence[Contact], query: str, limit: int = 10) -> list[Contact]:
    """Contacts with a name, file name, alias or word of one starting with ``query`` (sorted, at most ``limit``)."""
    q = fold(query)
    return _unique(c for c in contacts if any(w.startswith(q) for k in _keys(c) for w in (k, *k.split())))[:limit]


def resolve_in(vault: Vault, query: str) -> Contact:
    """:func:`resolve` over a vault; an unknown NAME that matches a file which
    cannot be read says that file's problem instead of "no contact named".

    ``alice`` when ``people/Alice Chen.md`` fails to parse is not a typo: the
    user must see why the file is not a contact (and that nothing is written
    to it until it reads cleanly).
    """
    try:
        return resolve(vault.contacts, query)
    except ResolveError as exc:
        if exc.ambiguous:
            raise
        q = fold(query)
        for r in vault.results:
            stem = path_stem(r.path)
            if r.contact is None and r.problems and q and (
                    fold(stem).startswith(q) or any(w.startswith(q) for w in fold(stem).split())):
                first = next((p for p in r.problems if p.severity == "error"), r.problems[0])
                raise GuanxiError(f"{first.format()}\n({r.path} cannot be shown or written to until it reads "
                                  "cleanly; guanxi check lists every problem)") from None
        raise


def path_for(vault: Vault, query: str) -> str:
    """The file NAME means, even when it does not parse (``guanxi edit`` opens it to be fixed)."""
    try:
        return resolve_in(vault, query).path
    except ResolveError:
        raise
    except GuanxiError:  # a file that cannot be read: resolve_in named it; find it again
        q = fold(query)
        broken = [r.path for r in vault.results if r.contact is None and q and any(
            w.startswith(q) for k in (fold(path_stem(r.path)),) for w in (k, *k.split()))]
        if len(broken) == 1:
            return broken[0]
        raise


def pick_promise(contact: Contact, which: str) -> Entry:
    """TEXT-OR-INDEX → one open promise of ``contact`` (for ``guanxi done``).

    Words the promise contains (case- and accent-insensitive), or its number
    in the date-ordered list of open promises that errors print.
    """
    promises = sorted((e for e in contact.entries if e.is_open), key=lambda e: (e.date, e.line))
    if not promises:
        raise GuanxiError(f"{contact.name} has no open promise ({contact.path})")

    def numbered(chosen: Sequence[Entry]) -> str:
        return "\n".join(f"  {promises.index(e) + 1}. {e.kind} {format_line(e)}" for e in chosen)

    if which.strip().isdigit():
        n = int(which)
        if not 1 <= n <= len(promises):
            raise GuanxiError(f"there is no open promise number {n}; {contact.name} has:\n{numbered(promises)}")
        return promises[n - 1]
    q = fold(which)
    chosen = [e for e in promises if q and q in fold(e.text)]
    if not chosen:
        raise GuanxiError(f"no open promise of {contact.name} matches {which!r}; open promises:\n{numbered(promises)}")
    if len(chosen) > 1:
        raise GuanxiError(f"{which!r} matches several open promises; say which by number:\n{numbered(chosen)}")
    return chosen[0]


def backlinks(contacts: Sequence[Contact], target: Contact) -> list[tuple[Contact, str]]:
    """Who names ``target`` in their ``via`` or in an entry's ``[[link]]``: (contact, where), sorted."""
    keys = set(_keys(target))
    out: list[tuple[Contact, str]] = []
    for c in contacts:
        if c.path == target.path:
            continue
        where = []
        if c.via and any(fold(n) in keys for n in (links_in(c.via) or (c.via,))):
            where.append("via")
        lines = sorted({e.line for e in c.entries if any(fold(n) in keys for n in e.links)})
        where += [f"line {n}" for n in lines]
        if where:
            out.append((c, ", ".join(where)))
    return sorted(out, key=lambda cw: (fold(cw[0].name), cw[0].path))


def unknown_links(contacts: Sequence[Contact], text: str) -> list[str]:
    """The ``[[Name]]`` links in ``text`` that name no contact (by name, file name or alias)."""
    known = {fold(k) for c in contacts for k in (c.name, c.stem, *c.aliases)}
    return [name for name in links_in(text) if fold(name) not in known]
