"""The two pages of a vault rendered person by person, from pieces (``guanxi watch`` and ``index``).

This module owns :class:`LivePages` and the :data:`Piece` of the pages one
person contributes. A piece depends only on the person's file, the day and
the settings, so it can be kept (in memory by ``watch``, in the store by
``index``) and the pages rebuilt from the pieces after a change renders just
the people whose files changed. Pure: no I/O; the page text comes from
:mod:`notebook_tool.render.pages`' own functions, and the tests hold the
result byte-equal to :func:`notebook_tool.render.pages.pages`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from notebook_tool.core.config import Config
from notebook_tool.core.model import FileResult, Problem

# What one person puts on the pages (see LivePages.piece); plain values only.
Piece = tuple[Any, ...]


def piece_context(today: dt.date, config: Config) -> str:
    """What every piece depends on besides its file and the code: the day and the settings."""
    from notebook_tool.render.pages import link_base_for

    return repr((today.isoformat(), repr(config), link_base_for(config.output)))


class _Tag:
    """One tag's members in name order, with their weights (summed in that order, as ``render`` does)."""

    __slots__ = ("given", "names", "spellings", "taken")

    def __init__(self) -> None:
        self.names: list[tuple[str, str]] = []
        self.spellings: list[str] = []
        self.given: list[float] = []
        self.taken: list[float] = []


class LivePages:
    """The two pages of a vault that changes a file at a time (``guanxi watch``).

    A person's summary, attention reasons and the text of their rows depend
    only on their contact, the day and the config, so each person's rows are
    rendered once and kept, in two lists sorted by the keys ``render.build``
    and ``attention.attention`` sort by (insertions and removals by bisect).
    A save re-renders that person only; the pages are then the kept rows
    joined under headers, totals and per-tag sums recomputed from per-person
    weights *in name order* (so floating-point sums match ``render``'s to the
    bit). The page functions are ``render``'s own (``attention_page``,
    ``reciprocity_row``…), and the watch tests hold the result byte-equal to
    a fresh ``guanxi index``.
    """

    def __init__(self, today: dt.date, config: Config) -> None:
        from notebook_tool.compute.attention import Context
        from notebook_tool.render.pages import link_base_for

        self.today = today
        self.config = config
        self.context = (today, repr(config))
        self.ctx = Context(today, config)
        self.base = link_base_for(config.output)
        self.people: dict[str, Any] = {}  # path -> what put() recorded, to take it out again
        self.errors: dict[str, tuple[Problem, ...]] = {}  # path -> its error problems, if any
        # The reciprocity table, in name order: keys and parallel columns.
        self.names: list[tuple[str, str]] = []
        self.rows: list[str] = []
        self.given: list[float] = []
        self.taken: list[float] = []
        self.entries: list[int] = []
        self.give_first: list[bool | None] = []
        # The attention list, most urgent first.
        self.ranks: list[tuple[Any, ...]] = []
        self.items: list[str] = []
        self.tags: dict[str, _Tag] = {}
        self.tag_rows: dict[str, str] = {}
        self._dirty_tags: set[str] = set()
        self.untriaged: set[str] = set()  # imported people who are only a name: one line on the page
        self._found_later = False  # restored: ``people`` is filled only as people are put
        # Restored: path -> name key, path -> rank, of the people not yet taken off (see _take).
        self._restored: tuple[dict[str, tuple[str, str]], dict[str, tuple[Any, ...]]] | None = None

    def piece(self, path: str, result: FileResult) -> Piece:
        """What ``result``'s person puts on the pages: plain data, so the store can keep it.

        ``(name key, reciprocity row, given, taken, entries, give_first,
        urgency or None, attention item or None, tags, error problems, untriaged)``;
        untriaged: an imported person who is only a name (counted in one line, see compute.triage).
        """
        from notebook_tool.compute.attention import attention, sort_key_name, urgency
        from notebook_tool.compute.ledger import summarize
        from notebook_tool.render.pages import attention_item, reciprocity_row

        errors = tuple((p.path, p.line, p.message, p.col, p.severity)
                       for p in result.problems if p.severity == "error") if result.problems else ()
        c = result.contact
        if c is None:
            return (None, "", 0.0, 0.0, 0, None, None, None, (), errors, False)
        s = summarize(c, self.today, self.config.half_life_days)
        rank: tuple[Any, ...] | None = None
        item = None
        people = attention([s], self.ctx)
        if people:
            rank = urgency(people[0])
            item = attention_item(people[0], self.base)
        tags: dict[str, str] = {}  # casefolded -> as written first (render.by_tag)
        for tag in c.tags:
            tags.setdefault(tag.casefold(), tag)
        from notebook_tool.compute.triage import untouched

        untriaged = untouched(c) and not (c.snooze is not None and c.snooze > self.today)
        return ((sort_key_name(c.name), c.path), reciprocity_row(s, self.base), s.given, s.taken,
                len(c.entries), s.give_first, rank, item, tuple(tags.items()), errors, untriaged)

    def put(self, path: str, result: FileResult | None) -> Piece | None:
        """Take ``path``'s person off the pages and put ``result``'s on (``None``: the file is gone)."""
        piece = None if result is None else self.piece(path, result)
        self._replace(path, piece)
        return piece

    def put_piece(self, path: str, piece: Piece | None) -> None:
        """As :meth:`put`, with the piece made before (maybe back from JSON); None: the file is gone.
        Raises (``ValueError``, ``TypeError``…) on a piece of another shape."""
        if piece is not None:  # checked and made tuples again before anything is taken off
            name, row, given, taken, entries, give_first, rank, item, tags, errors, untriaged = piece
            piece = (None if name is None else (str(name[0]), str(name[1])), str(row), float(given), float(taken),
                     int(entries), give_first, None if rank is None else tuple(rank), item,
                     tuple((str(k), str(sp)) for k, sp in tags), tuple(tuple(e) for e in errors), bool(untriaged))
        self._replace(path, piece)

    def _replace(self, path: str, piece: Piece | None) -> None:
        """Take ``path``'s person off the pages and put ``piece`` on (None: no one)."""
        old = self._take(path)
        if old is not None:
            self._remove(*old)
        self.errors.pop(path, None)
        self.untriaged.discard(path)
        if piece is not None:
            self._insert(path, piece)

    def _insert(self, path: str, piece: Piece) -> None:
        name, row, given, taken, entries, give_first, rank, item, tags, errors, untriaged = piece
        if untriaged:
            self.untriaged.add(path)
        if errors:
            self.errors[path] = tuple(Problem(*e) for e in errors)
        if name is None:
            return
        i = bisect.bisect_left(self.names, name)
        self.names.insert(i, name)
        self.rows.insert(i, row)
        self.given.insert(i, given)
        self.taken.insert(i, taken)
        self.entries.insert(i, entries)
        self.give_first.insert(i, give_first)
        if rank is not None:
            j = bisect.bisect_left(self.ranks, rank)
            self.ranks.insert(j, rank)
            self.items.insert(j, item)
        for key, spelling in tags:
            t = self.tags.get(key)
            if t is None:
                t = self.tags[key] = _Tag()
            k = bisect.bisect_left(t.names, name)
            t.names.insert(k, name)
            t.spellings.insert(k, spelling)
            t.given.insert(k, given)
            t.taken.insert(k, taken)
            self._dirty_tags.add(key)
        self.people[path] = (name, rank, tuple(key for key, _ in tags))

    def load(self, pieces: dict[str, Piece]) -> None:
        """Every person at once (a start, or a new day): sorted once, not inserted one by one."""
        assert not self.people, "load() fills empty pages"
        by_name = []
        by_rank = []
        tag_members: dict[str, list[tuple[tuple[str, str], str, float, float]]] = {}
        # Pieces may come back from the store as JSON (lists for tuples): the
        # keys compared are made tuples again; a piece of another shape raises.
        for path, (name, row, given, taken, entries, give_first, rank, item, tags, errors, untriaged) in pieces.items():
            if untriaged:
                self.untriaged.add(path)
            if errors:
                self.errors[path] = tuple(Problem(*e) for e in errors)
            if name is None:
                continue
            name = (name[0], name[1])
            if rank is not None:
                rank = tuple(rank)
            tags = [(k, sp) for k, sp in tags]
            by_name.append((name, row, given, taken, entries, give_first))
            if rank is not None:
                by_rank.append((rank, item))
            for key, spelling in tags:
                tag_members.setdefault(key, []).append((name, spelling, given, taken))
            self.people[path] = (name, rank, tuple(key for key, _ in tags))
        by_name.sort(key=lambda x: x[0])
        by_rank.sort(key=lambda x: x[0])
        self.names = [x[0] for x in by_name]
        self.rows = [x[1] for x in by_name]
        self.given = [x[2] for x in by_name]
        self.taken = [x[3] for x in by_name]
        self.entries = [x[4] for x in by_name]
        self.give_first = [x[5] for x in by_name]
        self.ranks = [x[0] for x in by_rank]
        self.items = [x[1] for x in by_rank]
        for key, members in tag_members.items():
            members.sort(key=lambda x: x[0])
            t = self.tags[key] = _Tag()
            t.names = [m[0] for m in members]
            t.spellings = [m[1] for m in members]
            t.given = [m[2] for m in members]
            t.taken = [m[3] for m in members]
            self._dirty_tags.add(key)

    def columns(self) -> list[tuple[str, str, Any]]:
        """The pages' state as plain columns (:mod:`notebook_tool.store.snapshot`), for :meth:`restore`."""
        index = {name: i for i, name in enumerate(self.names)}
        tags = {key: [[index[n] for n in t.names], t.spellings] for key, t in self.tags.items()}
        errors = {path: [[p.path, p.line, p.message, p.col, p.severity] for p in probs]
                  for path, probs in self.errors.items()}
        return [
            ("name_key", "s", [n[0] for n in self.names]), ("name_path", "s", [n[1] for n in self.names]),
            ("rows", "s", self.rows), ("given", "d", self.given), ("taken", "d", self.taken),
            ("entries", "q", self.entries),
            ("give_first", "q", [-1 if g is None else int(g) for g in self.give_first]),
            ("rank_rule", "q", [r[0] for r in self.ranks]), ("rank_severity", "d", [r[1] for r in self.ranks]),
            ("rank_name", "s", [r[2] for r in self.ranks]), ("rank_path", "s", [r[3] for r in self.ranks]),
            ("items", "s", self.items),
            ("people_extra", "j", json.dumps({"tags": tags, "tag_rows": self._tag_rows(), "errors": errors,
                                              "untriaged": sorted(self.untriaged)},
                                             ensure_ascii=False, allow_nan=False)),
        ]

    @classmethod
    def restore(cls, today: dt.date, config: Config, cols: Any) -> LivePages:
        """The pages whose :meth:`columns` ``cols`` are (a :class:`~notebook_tool.store.snapshot.Columns`);
        ``ValueError`` (or ``KeyError``, ``TypeError``, ``IndexError``) if they are of another shape."""
        live = cls(today, config)
        keys, paths = cols["name_key"], cols["name_path"]
        given, taken, entries = cols["given"], cols["taken"], cols["entries"]
        flags = cols["give_first"]
        n = len(keys)
        if not (len(paths) == len(given) == len(taken) == len(entries) == len(flags) == len(cols["rows"]) == n):
            raise ValueError("columns of different lengths")
        live.names = list(zip(keys, paths))
        live.rows = cols["rows"]
        live.given, live.taken, live.entries = given, taken, entries
        live.give_first = [None if g < 0 else bool(g) for g in flags]
        ranks = list(zip(cols["rank_rule"], cols["rank_severity"], cols["rank_name"], cols["rank_path"]))
        if len(ranks) != len(cols["items"]) or len(ranks) != len(cols["rank_path"]):
            raise ValueError("attention columns of different lengths")
        live.ranks, live.items = ranks, cols["items"]
        extra = cols.json("people_extra")
        for key, (members, spellings) in extra["tags"].items():
            if len(members) != len(spellings) or not isinstance(key, str):
                raise ValueError("bad tag column")
            t = live.tags[key] = _Tag()
            t.names = [live.names[i] for i in members]
            t.spellings = [str(sp) for sp in spellings]
            t.given = [given[i] for i in members]
            t.taken = [taken[i] for i in members]
        live.tag_rows = {str(k): str(row) for k, row in extra["tag_rows"].items()}
        if live.tag_rows.keys() != live.tags.keys():
            raise ValueError("bad tag rows")
        live.errors = {path: tuple(Problem(*p) for p in probs) for path, probs in extra["errors"].items()}
        live.untriaged = {str(p) for p in extra["untriaged"]}
        # The order is not checked (a pass over everyone): the snapshot is private to the user
        # and written whole or not at all; its shape is checked, and a path listed twice.
        if len(set(paths)) != n:
            raise ValueError("a person listed twice")
        live._found_later = True  # what put() takes off is looked up then, for the few put
        return live

    def _take(self, path: str) -> tuple[Any, ...] | None:
        """What was recorded for ``path``'s person (to take them off), removed from the record."""
        old: tuple[Any, ...] | None = self.people.pop(path, None)
        if old is None and self._found_later:
            # Restored pages: found where it is, rather than recorded for everyone up front. The
            # maps are made at the first take (a pass over everyone, not one per person put) and
            # hold only the restored people not taken off since: those put on are in ``people``.
            if self._restored is None:
                self._restored = ({n[1]: n for n in self.names}, {r[3]: r for r in self.ranks})
            name = self._restored[0].pop(path, None)
            if name is None:
                return None
            rank = self._restored[1].pop(path, None)
            tags = []
            for key, t in self.tags.items():
                i = bisect.bisect_left(t.names, name)
                if i < len(t.names) and t.names[i] == name:
                    tags.append(key)
            old = (name, rank, tuple(tags))
        return old

    def _remove(self, name: tuple[str, str], rank: tuple[Any, ...] | None, tags: tuple[str, ...]) -> None:
        i = bisect.bisect_left(self.names, name)
        for column in (self.names, self.rows, self.given, self.taken, self.entries, self.give_first):
            del column[i]
        if rank is not None:
            j = bisect.bisect_left(self.ranks, rank)
            for column in (self.ranks, self.items):
                del column[j]
        for key in tags:
            t = self.tags[key]
            k = bisect.bisect_left(t.names, name)
            for column in (t.names, t.spellings, t.given, t.taken):
                del column[k]
            if not t.names:
                del self.tags[key]
            self._dirty_tags.add(key)

    def _tag_rows(self) -> dict[str, str]:
        """Each tag's row of the "By tag" table, made again for the tags whose members changed."""
        from notebook_tool.render.pages import tag_row

        for key in self._dirty_tags:
            t = self.tags.get(key)
            if t is None:
                self.tag_rows.pop(key, None)
            else:
                self.tag_rows[key] = tag_row(t.spellings[0], len(t.names), sum(t.given), sum(t.taken))
        self._dirty_tags.clear()
        return self.tag_rows

    def pages(self, vault_problems: Iterable[Problem]) -> tuple[dict[str, str], tuple[Problem, ...]]:
        """Both pages' text by file name, and the error problems they list."""
        from notebook_tool.render.pages import (
            TODAY_COUNT,
            Totals,
            attention_page,
            reciprocity_page,
            today_from_item,
        )

        problems = list(vault_problems)
        for errs in self.errors.values():
            problems.extend(errs)
        errors = tuple(p for p in sorted(problems, key=lambda p: (p.path, p.line, p.col or 0, p.message))
                       if p.severity == "error")
        self._tag_rows()
        totals = Totals(people=len(self.names), entries=sum(self.entries), given=sum(self.given),
                        taken=sum(self.taken), give_first=self.give_first.count(True),
                        exchanged=len(self.give_first) - self.give_first.count(None))
        return {
            "attention.md": attention_page(self.today, errors, len(self.ranks), [today_from_item(item) for item in self.items[:TODAY_COUNT]],
                                           self.items, self.base, len(self.untriaged)),
            "reciprocity.md": reciprocity_page(self.today, totals, self.rows,
                                               [self.tag_rows[k] for k in sorted(self.tag_rows)]),
        }, errors
