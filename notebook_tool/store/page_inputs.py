"""What each person gives the whole-vault pages that say what they read (``inputs`` in render/extra.py).

This module owns :class:`PageInputs`: for each such page, every person's
digest of their inputs (in path order) and the sum of the digests, which is
what decides whether the page must be rendered again (an early cutoff); for
a page that can be rendered from its inputs (``page_of``), the inputs
themselves, each kept as its JSON text (decoded only when the page is
rendered from them, or to compare one person's before and after); and the
changes since the page was last rendered. A change of one person costs a
bisection, not a pass over everyone.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from notebook_tool.core.digest import data_digest

# A page's input of one person: [digest, the input itself or None where the page has no page_of].
PersonInputs = dict[str, list[Any]]
_MOD = 1 << 128


def digest(value: Any) -> int:
    """One person's input to a page as a 128-bit number (summed over everyone: order-free)."""
    return int.from_bytes(data_digest(value), "big")


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class PageInputs:
    """Per page: sorted paths, their digests (hex), the sum of the digests; maybe the inputs (as JSON)."""

    def __init__(self, pages: Iterable[str], keeps_values: Iterable[str]) -> None:
        self.paths: dict[str, list[str]] = {p: [] for p in pages}
        self.digests: dict[str, list[str]] = {p: [] for p in self.paths}
        self.totals: dict[str, int] = dict.fromkeys(self.paths, 0)
        self.keeps = {p for p in keeps_values if p in self.paths}  # the pages with page_of
        self.texts: dict[str, list[str]] = {p: [] for p in self.keeps}
        # Restored texts not decoded yet (a save whose inputs did not change never needs them).
        self._undecoded: dict[str, Callable[[], list[str]]] = {}
        # Per page with inputs kept: (rel, before, after) as JSON text (None: none) since seen(), and
        # the key() the inputs had then (the page last rendered matched it).
        self.changes: dict[str, list[tuple[str, str | None, str | None]]] = {p: [] for p in self.keeps}
        self.seen_key: dict[str, tuple[int, int]] = {}

    @classmethod
    def of(cls, pages: Iterable[str], keeps_values: Iterable[str], people: dict[str, PersonInputs]) -> PageInputs:
        """From every person's inputs at once (a full render)."""
        out = cls(pages, keeps_values)
        for page in out.paths:
            rels = sorted(rel for rel, inputs in people.items() if page in inputs)
            out.paths[page] = rels
            digests = [people[rel][page][0] for rel in rels]
            out.digests[page] = [format(d, "032x") for d in digests]
            out.totals[page] = sum(digests) % _MOD
            if page in out.keeps:
                out.texts[page] = [_text(people[rel][page][1]) for rel in rels]
            out.seen(page)
        return out

    def set(self, rel: str, inputs: PersonInputs | None) -> None:
        """``rel``'s inputs now (None or {}: it reads as nothing, or is gone)."""
        inputs = inputs or {}
        for page, paths in self.paths.items():
            digests = self.digests[page]
            i = bisect.bisect_left(paths, rel)
            here = i < len(paths) and paths[i] == rel
            got = inputs.get(page)
            if here and got is not None and digests[i] == format(got[0], "032x"):
                continue  # the same inputs as before (so the same text): nothing moves
            texts = self._texts_of(page)
            before = texts[i] if here and texts is not None else None
            if here:
                self.totals[page] = (self.totals[page] - int(digests[i], 16)) % _MOD
            after = None if got is None or texts is None else _text(got[1])
            if got is None:
                if here:
                    del paths[i], digests[i]
                    if texts is not None:
                        del texts[i]
            else:
                if here:
                    digests[i] = format(got[0], "032x")
                    if texts is not None and after is not None:
                        texts[i] = after
                else:
                    paths.insert(i, rel)
                    digests.insert(i, format(got[0], "032x"))
                    if texts is not None and after is not None:
                        texts.insert(i, after)
                self.totals[page] = (self.totals[page] + got[0]) % _MOD
            if texts is not None and before != after:
                self.changes[page].append((rel, before, after))

    def key(self, page: str) -> tuple[int, int]:
        """What the page is rendered from, as far as people go: the sum of the digests and their count."""
        return self.totals[page], len(self.paths[page])

    def values(self, page: str) -> list[Any]:
        """Everyone's inputs to ``page``, in path order (decoded in one go)."""
        values = json.loads("[" + ",".join(self._texts_of(page) or ()) + "]")
        if len(values) != len(self.paths[page]):
            raise ValueError("inputs of another shape")
        return list(values)

    def changed(self, page: str) -> list[tuple[Any, Any]]:
        """Each person's inputs to ``page`` before and after, for the changes since :meth:`seen`."""
        return [(None if a is None else json.loads(a), None if b is None else json.loads(b))
                for _, a, b in self.changes[page]]

    def seen(self, page: str) -> None:
        """The page is now up to date with the changes so far."""
        if page in self.changes:
            self.changes[page] = []
        self.seen_key[page] = self.key(page)

    # -- the snapshot ------------------------------------------------------------------
    def columns(self) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
        """``(meta, columns)`` for :mod:`notebook_tool.store.snapshot`."""
        cols: list[tuple[str, str, Any]] = []
        for i, page in enumerate(self.paths):
            cols += [(f"in{i}_path", "s", self.paths[page]), (f"in{i}_digest", "s", self.digests[page])]
            if page in self.keeps:
                cols.append((f"in{i}_values", "s", self._texts_of(page)))
        meta = {"pages": list(self.paths), "totals": [self.totals[p] for p in self.paths],
                "values": [p for p in self.paths if p in self.keeps]}
        return meta, cols

    @classmethod
    def restore(cls, meta: dict[str, Any], cols: Any) -> PageInputs:
        """From :meth:`columns` read back; ``ValueError``, ``KeyError`` or ``TypeError`` if they are of
        another shape."""
        pages, totals, keeps = meta["pages"], meta["totals"], meta["values"]
        if not (isinstance(pages, list) and isinstance(totals, list) and len(pages) == len(totals)):
            raise ValueError("bad inputs meta")
        out = cls(pages, keeps)
        for i, page in enumerate(pages):
            paths, digests = cols[f"in{i}_path"], cols[f"in{i}_digest"]
            # Lengths checked, not the order (a pass over everyone): the snapshot is private and
            # written whole or not at all, as for the pages' columns.
            if len(paths) != len(digests):
                raise ValueError("bad inputs columns")
            if not isinstance(totals[i], int) or not 0 <= totals[i] < _MOD:
                raise ValueError("bad inputs total")
            out.paths[page], out.digests[page], out.totals[page] = paths, digests, totals[i]
            if page in out.keeps:
                name = f"in{i}_values"
                if cols.count(name) != len(paths):  # from the header: the texts are decoded when first used
                    raise ValueError("bad inputs columns")
                out._undecoded[page] = partial(cols.__getitem__, name)
        return out

    def _texts_of(self, page: str) -> list[str] | None:
        """``page``'s kept texts (None if it keeps none), decoded now if restored undecoded; ``ValueError``
        if they do not decode."""
        if page in self._undecoded:
            texts = self._undecoded.pop(page)()
            if not isinstance(texts, list) or len(texts) != len(self.paths[page]):
                raise ValueError("bad inputs columns")
            self.texts[page] = texts
        return self.texts.get(page)
