"""The snapshot of the pages that ``index`` leaves beside the store: used after an edit, never trusted
further than it can be checked, and always giving the bytes of a fresh index."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.store import cache as cache_mod
from notebook_tool.store import incremental, snapshot
from notebook_tool.store.cache import store_path
from tests.conftest import run_cli

TODAY = "2025-06-01"
Make = Callable[[dict[str, str | bytes]], Path]

PERSON = """\
    ---
    tags: [{tag}]
    birthday: 1990-0{m}-1{d}
    needs: [{need}]
    offers: [{offer}]
    give:
      - 2025-0{m}-02 Coffee{link} +{w}
      - 2025-0{m}-03 [ ] Send the deck
    take:
      - 2025-0{m}-04 Advice
    ---
    """
TOPICS = ["sre candidates", "design review", "seed funding", "a lawyer"]


def people(n: int = 16) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for i in range(n):
        files[f"people/P{i:02d}.md"] = PERSON.format(
            tag="ops" if i % 2 else "dev", m=i % 5 + 1, d=i % 9, need=TOPICS[i % 4], offer=TOPICS[(i + 1) % 4],
            link=f" with [[P{(i + 3) % n:02d}]]" if i % 5 == 0 else "", w=i % 4 + 1)
    files["people/broken.md"] = "---\ngive: [\n---\n"
    return files


def age(p: Path, seconds: float = 60) -> None:
    os.utime(p, (time.time() - seconds,) * 2)  # out of the racy window, as a save a minute ago


def edit(root: Path, rel: str, old: str, new: str) -> None:
    p = root / rel
    text = p.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    age(p)


class Vault:
    """A vault, its pages after each index, and how each index placed its people."""

    def __init__(self, make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = make(people())
        for p in [self.root, *self.root.rglob("*")]:
            age(p, 3600)
        self.loaded: list[str] = []  # "pieces" when every stored piece was loaded
        real = cache_mod.Cache.pieces

        def pieces(cache: cache_mod.Cache, context: str) -> object:
            self.loaded.append("pieces")
            return real(cache, context)

        monkeypatch.setattr(cache_mod.Cache, "pieces", pieces)

    @property
    def base(self) -> Path:
        return store_path(self.root).with_suffix(".live")

    @property
    def delta(self) -> Path:
        return store_path(self.root).with_suffix(".livedelta")

    def index(self) -> list[str]:
        """Index; assert the pages are a fresh index's; how the people were placed."""
        self.loaded.clear()
        r = run_cli("--vault", str(self.root), "index", "--today", TODAY)
        assert r.exit_code == 0, r.output
        got = {q.name: q.read_bytes() for q in (self.root / "_index").iterdir()}
        scratch = self.root.parent / f"fresh{time.monotonic_ns()}"
        shutil.copytree(self.root, scratch, ignore=shutil.ignore_patterns("_index"))
        r = run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
        assert r.exit_code == 0, r.output
        assert got == {q.name: q.read_bytes() for q in (scratch / "_index").iterdir()}
        shutil.rmtree(scratch)
        return list(self.loaded)


@pytest.fixture
def v(vault: Make, monkeypatch: pytest.MonkeyPatch) -> Vault:
    out = Vault(vault, monkeypatch)
    assert out.index() == ["pieces"]  # the first index places everyone, and leaves a base
    assert out.base.is_file() and not out.delta.exists()
    assert out.base.stat().st_mode & 0o777 == 0o600
    return out


def test_edits_are_put_on_the_snapshot_not_on_every_stored_piece(v: Vault) -> None:
    edit(v.root, "people/P03.md", "Advice", "Advice +4")
    assert v.index() == [] and v.delta.is_file()  # restored: no piece loaded
    edit(v.root, "people/P04.md", "Coffee", "Coffee with [[P09]]")  # a new link: the network page too
    edit(v.root, "people/P05.md", "[ ] Send the deck", "[x] Send the deck")
    assert v.index() == []
    (v.root / "people/P06.md").unlink()
    (v.root / "people/New.md").write_text("---\ntags: [dev]\ntake:\n  - 2025-05-01 Tea\n---\n", encoding="utf-8")
    age(v.root / "people/New.md")
    assert v.index() == []
    edit(v.root, "people/P03.md", "Advice +4", "Advice")  # back as the base has it
    assert v.index() == []
    feed = v.root / "_index/guanxi.ics"
    stamp = feed.stat().st_mtime_ns
    edit(v.root, "people/P10.md", "Advice", "Advice +3")  # no one's events change: the feed is left
    assert v.index() == [] and feed.stat().st_mtime_ns == stamp
    feed.unlink()  # the feed deleted by hand: written again though no one's events changed
    edit(v.root, "people/P11.md", "Advice", "Advice +3")
    assert v.index() == [] and feed.is_file()
    edit(v.root, "people/P12.md", "birthday: 1990-03-13", "birthday: 1990-03-14")  # events change
    assert v.index() == []


def test_a_file_another_command_read_since_is_seen_as_changed(v: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """``list`` stores the new version; the index after it must still see that the snapshot shows the old one
    (it looks at every member's stamp then, and only then)."""
    looked: list[int] = []
    real = incremental.State._changed_since

    def counting(self: incremental.State, cols: object, delta: dict[str, list[object]]) -> set[str]:
        looked.append(1)
        return real(self, cols, delta)

    monkeypatch.setattr(incremental.State, "_changed_since", counting)
    edit(v.root, "people/P06.md", "Advice", "Advice +7")
    assert v.index() == [] and looked == []  # only this run read a file: no stamp looked at
    for new in ("Advice +6", "Advice +8"):  # from the base, then from the delta
        before = (v.root / "_index/reciprocity.md").read_bytes()
        edit(v.root, "people/P07.md", "Advice", new)
        assert run_cli("--vault", str(v.root), "list", "--today", TODAY).exit_code == 0
        looked.clear()
        assert v.index() == [] and looked == [1]
        assert (v.root / "_index/reciprocity.md").read_bytes() != before
        edit(v.root, "people/P07.md", new, "Advice")
        assert v.index() == []


def test_a_racy_file_is_put_again_even_if_its_stamp_comes_back(v: Vault) -> None:
    p = v.root / "people/P08.md"
    st = p.stat()
    p.write_text(p.read_text(encoding="utf-8").replace("Coffee +1", "Coffee +9"), encoding="utf-8")  # same size
    mtime = time.time_ns()
    os.utime(p, ns=(st.st_atime_ns, mtime))  # now: racy when read
    before = (v.root / "_index/reciprocity.md").read_bytes()
    assert v.index() == []
    assert (v.root / "_index/reciprocity.md").read_bytes() != before
    # The same size and mtime again, other bytes: only the stored hash can tell.
    p.write_text(p.read_text(encoding="utf-8").replace("Coffee +9", "Coffee +7"), encoding="utf-8")
    os.utime(p, ns=(st.st_atime_ns, mtime))
    before = (v.root / "_index/reciprocity.md").read_bytes()
    v.index()
    assert (v.root / "_index/reciprocity.md").read_bytes() != before


def test_the_base_is_written_again_once_the_delta_outgrows_it(v: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "DELTA_MAX", 2)
    first = v.base.read_bytes()
    for i in range(4):
        edit(v.root, f"people/P{i:02d}.md", "Advice", f"Advice +{i + 2}")
        assert v.index() == []
    assert v.base.read_bytes() != first  # written again, from the restored pages
    assert v.delta.stat().st_size < v.base.stat().st_size


@pytest.mark.parametrize("damage", ["truncate", "random", "other-base", "flip", "empty", "not-ours"])
def test_a_damaged_snapshot_costs_a_full_placement_never_a_wrong_page(v: Vault, damage: str) -> None:
    edit(v.root, "people/P02.md", "Advice", "Advice +2")
    v.index()  # a delta now
    data = v.base.read_bytes()
    if damage == "truncate":
        v.base.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        v.base.write_bytes(os.urandom(len(data)))
    elif damage == "other-base":  # a delta of another base: the base alone is right, the delta ignored
        d = v.delta.read_bytes()
        v.delta.write_bytes(d.replace(b'"base": "', b'"base": "x', 1))
    elif damage == "flip":  # a header that announces other columns
        v.base.write_bytes(data.replace(b'"rows"', b'"rowz"', 1))
    elif damage == "empty":
        v.base.write_bytes(b"")
    else:
        v.base.chmod(0o666)
    edit(v.root, "people/P09.md", "Advice", "Advice +9")
    placed = v.index()
    assert placed == ([] if damage == "other-base" else ["pieces"])


def test_unpack_refuses_what_pack_did_not_make() -> None:
    data = snapshot.pack({"a": 1}, [("s", "s", ["x", "", "naïve\x00nul"]), ("z", "s", ["a", "b"]),
                                    ("q", "q", [1, -2]), ("d", "d", [0.1, 2.5]), ("j", "j", "[1]")])
    cols = snapshot.unpack(data)
    assert cols["s"] == ["x", "", "naïve\x00nul"] and cols["z"] == ["a", "b"] and cols["q"] == [1, -2]
    assert cols["d"] == [0.1, 2.5] and cols.json("j") == [1] and cols.meta == {"a": 1}
    for bad in (data[:-1], data + b"x", b"GXLIVE1\n" + b"\xff" * 8, data[:20], b"", b"x" * 40):
        with pytest.raises(ValueError):
            snapshot.unpack(bad)


def test_the_feed_is_patched_event_by_event_and_stays_a_fresh_index(v: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random edits that move, add and drop people's events (birthdays, promises, renames, files
    gone and new): the feed on disk is patched, not joined again, and equals a fresh index's."""
    import random

    from notebook_tool.render.calendar import LiveCalendar

    patched: list[bool] = []
    real = LiveCalendar.patched

    def counting(self: LiveCalendar, page: bytes) -> bytes | None:
        out = real(self, page)
        patched.append(out is not None)
        return out

    monkeypatch.setattr(LiveCalendar, "patched", counting)
    rng = random.Random(3)
    for step in range(12):
        for _ in range(rng.randrange(1, 4)):
            rel = f"people/P{rng.randrange(16):02d}.md"
            p = v.root / rel
            if not p.exists():
                p.write_text(f"---\nbirthday: 1991-0{rng.randrange(1, 10)}-1{rng.randrange(10)}\n---\n",
                             encoding="utf-8")
                age(p)
                continue
            text = p.read_text(encoding="utf-8")
            what = rng.choice(["birthday", "promise", "kept", "rename", "gone"])
            if what == "birthday" and "birthday: " in text:
                old = text.split("birthday: ", 1)[1][:10]
                text = text.replace(old, f"19{rng.randrange(50, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}")
            elif what == "promise":
                text = text.replace("give:\n", f"give:\n  - 2025-0{rng.randrange(1, 6)}-0{rng.randrange(1, 9)} [ ] Step {step}\n", 1)
            elif what == "kept":
                text = text.replace("[ ]", "[x]", 1)
            elif what == "rename":
                text = text.replace("---\n", f"---\nname: {rng.choice(['Aa', 'Mm', 'Zz'])} {step}\n", 1)
            else:
                p.unlink()
                continue
            p.write_text(text, encoding="utf-8")
            age(p)
        v.index()
    assert patched.count(True) >= 4, patched



def test_watch_leaves_the_feed_alone_when_no_ones_events_change(vault: Make) -> None:
    import datetime as dt

    from notebook_tool.store.incremental import State

    root = vault(people())
    for p in [root, *root.rglob("*")]:
        age(p, 3600)
    w = State(root, keep_last_good=True)
    w.rescan()
    day = dt.date(2025, 6, 1)
    w.index(day)
    feed = root / "_index/guanxi.ics"
    stamp = feed.stat().st_mtime_ns

    def save(rel: str, old: str, new: str) -> tuple[str, ...]:
        edit(root, rel, old, new)
        assert w.update([rel]).read == (rel,)
        return w.index(day).written

    written = save("people/P01.md", "Advice", "Advice +3")
    assert "_index/reciprocity.md" in written and "_index/guanxi.ics" not in written
    assert feed.stat().st_mtime_ns == stamp
    written = save("people/P02.md", "[ ] Send the deck", "[ ] Send the long deck")
    assert "_index/guanxi.ics" in written
    scratch = root.parent / "fresh"
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("_index"))
    r = run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0
    assert feed.read_bytes() == (scratch / "_index/guanxi.ics").read_bytes()


def test_watch_starts_from_the_snapshot_and_its_saves_stay_a_fresh_index(v: Vault) -> None:
    """The pages the last index left, restored (no stored piece loaded: 400 MB at 30,000 people), then
    saves put on them; the snapshot is only read, never written, by watch."""
    import datetime as dt

    from notebook_tool.store.incremental import State

    edit(v.root, "people/P03.md", "Advice", "Advice +4")  # changed since the index: put at the start
    base = v.base.read_bytes()
    v.loaded.clear()
    w = State(v.root, keep_last_good=True)
    w.rescan()
    day = dt.date.fromisoformat(TODAY)
    w.index(day)
    w.write_extra(day)
    assert v.loaded == []
    for rel, old, new in [("people/P01.md", "Advice", "Advice +3"),
                          ("people/P02.md", "[ ] Send the deck", "[ ] Send the long deck"),  # its events too
                          ("people/P04.md", "Coffee", "Coffee with [[P09]]")]:  # and the network page
        edit(v.root, rel, old, new)
        assert w.update([rel]).read == (rel,)
        w.index(day)
        w.write_extra(day)
    w.save()
    got = {q.name: q.read_bytes() for q in (v.root / "_index").iterdir()}
    scratch = v.root.parent / "fresh-watch"
    shutil.copytree(v.root, scratch, ignore=shutil.ignore_patterns("_index"))
    r = run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0
    assert got == {q.name: q.read_bytes() for q in (scratch / "_index").iterdir()}
    assert v.base.read_bytes() == base and not v.delta.exists()
    assert v.index() == []  # and the next index still restores from it


@pytest.mark.parametrize("values", [[""], ["a"], ["", ""], ["ab", "b", "", "abab", "b"], ["x\0y", "z", "y"],
                                    ["名前", "é", "\ud800", "名前"], [f"people/P{i % 7}.md" for i in range(300)]])
def test_a_lazy_column_gives_the_values_and_finds_them(values: list[str]) -> None:
    """``Columns.lazy`` cuts values from the text (both string layouts: NUL-joined, and lengths when a
    value holds a NUL); ``indices`` finds whole values only, never a value inside another."""
    cols = snapshot.unpack(snapshot.pack({}, [("c", "s", values), ("n", "q", list(range(len(values))))]))
    lazy = cols.lazy("c")
    assert len(lazy) == len(values) and [lazy[i] for i in range(len(values))] == values
    assert lazy[-1] == values[-1] and lazy[-len(values)] == values[0]
    with pytest.raises(IndexError):
        lazy[len(values)]
    for v in {*values, "b", "a", "people/P1", "nowhere"}:
        assert lazy.indices(v) == [i for i, x in enumerate(values) if x == v]
    assert list(cols.lazy("n")) == list(range(len(values)))
    assert cols["c"] == values and cols.lazy("c") is cols["c"]  # once decoded, the list itself


def test_a_lazy_column_of_another_shape_is_refused() -> None:
    data = snapshot.pack({}, [("c", "s", ["a", "b"]), ("t", "s", ["a\0", "b"]), ("j", "j", "[]")])
    cols = snapshot.unpack(data)
    cols._parts["c"] = ("z", 3, *cols._parts["c"][2:])  # the header says 3, the text holds 2
    cols._parts["t"] = ("s", 2, cols._parts["t"][2], cols._parts["t"][3][:-1])  # the text one short
    for name in ("c", "t", "j"):
        with pytest.raises(ValueError):
            cols.lazy(name)


def test_columns_read_from_a_mapped_file_after_others_let_their_pages_go(tmp_path: Path) -> None:
    """Each decoded column's pages are handed back to the kernel (``madvise``); the columns beside it,
    on the same pages or not, still decode to exactly what was written."""
    big = [f"row {i} 名前" * 3 for i in range(20_000)]  # many pages
    columns = [("a", "s", ["x", "y"]), ("big", "s", big), ("n", "q", list(range(5000))), ("b", "s", ["z"]),
               ("j", "j", '{"k": [1]}')]
    path = tmp_path / "s.live"
    assert snapshot.write(path, {"m": 1}, columns)
    for order in (["big", "a", "b", "n", "j"], ["b", "n", "a", "j", "big"]):
        data = snapshot.read(path)
        assert data is not None
        cols = snapshot.unpack(data)
        for name in order:
            got = cols.json(name) if name == "j" else cols[name]
            assert got == ({"k": [1]} if name == "j" else dict((c[0], c[2]) for c in columns)[name]), name
        assert [cols.lazy("big")[i] for i in (0, 19_999)] == [big[0], big[19_999]]
