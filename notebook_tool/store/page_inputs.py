"""What each person gives the whole-vault pages that say what they read (``inputs`` in render/extra.py).

This module owns :class:`PageInputs`: for each such page, every person's
digest of their inputs (in path order) and the sum of the digests, which is
what decides whether the page must be rendered again (an early cutoff); and,
for a page that can be rendered from its inputs (``page_of``), the inputs
themselves. A change of one person costs a bisection, not a pass over
everyone; the inputs, kept as JSON text in the snapshot, are decoded only
when a page is actually rendered from them.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

# A page's input of one person: [digest, the input itself or None where the page has no page_of].
PersonInputs = dict[str, list[Any]]
_MOD = 1 << 128


def digest(value: Any) -> int:
    """A stable 128-bit digest of plain data: repr is exact for it (floats round-trip) and the same
    in every run, and cheaper than JSON."""
    return int.from_bytes(hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).digest(),
                          "big")


class PageInputs:
    """Per page: sorted paths, their digests (hex), the sum of the digests; maybe the inputs."""

    def __init__(self, pages: Iterable[str], keeps_values: Iterable[str]) -> None:
        self.paths: dict[str, list[str]] = {p: [] for p in pages}
        self.digests: dict[str, list[str]] = {p: [] for p in self.paths}
        self.totals: dict[str, int] = dict.fromkeys(self.paths, 0)
        self._values: dict[str, dict[str, Any] | None] = {p: {} for p in keeps_values if p in self.paths}
        self._raw: dict[str, str] = {}  # page -> its inputs as JSON text, not decoded yet
        self._pending: dict[str, dict[str, Any]] = {p: {} for p in self._values}  # changes while undecoded

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
            if page in out._values:
                out._values[page] = {rel: people[rel][page][1] for rel in rels}
        return out

    def set(self, rel: str, inputs: PersonInputs | None) -> None:
        """``rel``'s inputs now (None or {}: it reads as nothing, or is gone)."""
        inputs = inputs or {}
        for page, paths in self.paths.items():
            digests = self.digests[page]
            i = bisect.bisect_left(paths, rel)
            here = i < len(paths) and paths[i] == rel
            if here:
                self.totals[page] = (self.totals[page] - int(digests[i], 16)) % _MOD
            got = inputs.get(page)
            if got is None:
                if here:
                    del paths[i], digests[i]
            else:
                if here:
                    digests[i] = format(got[0], "032x")
                else:
                    paths.insert(i, rel)
                    digests.insert(i, format(got[0], "032x"))
                self.totals[page] = (self.totals[page] + got[0]) % _MOD
            if page in self._values:
                values = self._values[page]
                value = None if got is None else got[1]
                if values is None:
                    self._pending[page][rel] = value
                elif value is None:
                    values.pop(rel, None)
                else:
                    values[rel] = value

    def key(self, page: str) -> tuple[int, int]:
        """What the page is rendered from, as far as people go: the sum of the digests and their count."""
        return self.totals[page], len(self.paths[page])

    def values(self, page: str) -> list[Any]:
        """Everyone's inputs to ``page``, in path order (decoded now if they were kept as text)."""
        values = self._values[page]
        if values is None:
            values = json.loads(self._raw.pop(page))
            if not isinstance(values, dict):
                raise ValueError("inputs are not a mapping")
            for rel, value in self._pending[page].items():
                if value is None:
                    values.pop(rel, None)
                else:
                    values[rel] = value
            self._pending[page] = {}
            self._values[page] = values
        return [values[rel] for rel in self.paths[page]]

    # -- the snapshot ------------------------------------------------------------------
    def columns(self) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
        """``(meta, columns)`` for :mod:`notebook_tool.store.snapshot`."""
        cols: list[tuple[str, str, Any]] = []
        for i, page in enumerate(self.paths):
            cols += [(f"in{i}_path", "s", self.paths[page]), (f"in{i}_digest", "s", self.digests[page])]
            if page in self._values:
                values = self._values[page]
                if values is None and not self._pending[page]:
                    text = self._raw[page]  # never decoded, nothing changed: as it was
                else:
                    text = json.dumps({rel: v for rel, v in zip(self.paths[page], self.values(page))},
                                      ensure_ascii=False, allow_nan=False)
                cols.append((f"in{i}_values", "j", text))
        meta = {"pages": list(self.paths), "totals": [self.totals[p] for p in self.paths],
                "values": [p for p in self.paths if p in self._values]}
        return meta, cols

    @classmethod
    def restore(cls, meta: dict[str, Any], cols: Any, raw: Callable[[str], str]) -> PageInputs:
        """From :meth:`columns` read back (``raw(name)`` gives a JSON column's text); ``ValueError``,
        ``KeyError`` or ``TypeError`` if they are of another shape."""
        pages, totals, keeps = meta["pages"], meta["totals"], meta["values"]
        if not (isinstance(pages, list) and isinstance(totals, list) and len(pages) == len(totals)):
            raise ValueError("bad inputs meta")
        out = cls(pages, keeps)
        for i, page in enumerate(pages):
            paths, digests = cols[f"in{i}_path"], cols[f"in{i}_digest"]
            if len(paths) != len(digests) or any(a >= b for a, b in itertools.pairwise(paths)):
                raise ValueError("bad inputs columns")
            if not isinstance(totals[i], int) or not 0 <= totals[i] < _MOD:
                raise ValueError("bad inputs total")
            out.paths[page], out.digests[page], out.totals[page] = paths, digests, totals[i]
            if page in out._values:
                out._values[page] = None
                out._raw[page] = raw(f"in{i}_values")
        return out
