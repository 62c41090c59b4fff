"""The whole-vault pages after an edit: skipped when what they read is unchanged, else rendered from
the store's per-person inputs where they can be, and always the bytes a fresh index writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.read.vault import load_vault
from notebook_tool.render import introductions, network
from notebook_tool.store import cache as cache_mod
from tests.conftest import EXAMPLE_VAULT, run_cli

TODAY = "2025-06-01"
Make = Callable[[dict[str, str | bytes]], Path]

PERSON = """\
    ---
    tags: [{tag}]
    needs: [{need}]
    offers: [{offer}]
    give:
      - 2025-0{m}-02 Coffee{link}
    ---
    """
TOPICS = ["sre candidates", "design review", "seed funding", "a lawyer", "kubernetes help"]


def people() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for i in range(12):
        link = f" with [[P{(i + 1) % 12:02d}]]" if i % 4 == 0 else ""
        files[f"people/P{i:02d}.md"] = PERSON.format(tag="ops" if i % 2 else "dev", need=TOPICS[i % 5],
                                                     offer=TOPICS[(i + 2) % 5], m=i % 5 + 1, link=link)
    files["people/Quiet.md"] = "---\ntake:\n  - 2025-01-01 Lunch\n---\n"
    return files


def edit(root: Path, rel: str, old: str, new: str) -> None:
    p = root / rel
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(p, (time.time() - 60,) * 2)  # out of the racy window, as a save a minute ago


def fresh_pages(root: Path) -> dict[str, bytes]:
    """What an index with no store writes for the same files."""
    scratch = root.parent / f"fresh{time.monotonic_ns()}"
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("_index"))
    r = run_cli("--vault", str(scratch), "index", "--today", TODAY, env={"GUANXI_CACHE": "0"})
    assert r.exit_code == 0, r.output
    return {q.name: q.read_bytes() for q in (scratch / "_index").iterdir()}


def test_the_whole_vault_pages_follow_only_what_they_read(vault: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    root = vault(people())
    for p in [root, *root.rglob("*")]:
        os.utime(p, (time.time() - 3600,) * 2)
    calls: list[str] = []
    decoded: list[str] = []
    for module, name in ((network, "page"), (network, "page_of"), (introductions, "page"),
                         (introductions, "page_and_cutoff")):
        real = getattr(module, name)

        def counting(*args: object, _real: Callable[..., str] = real, _tag: str = f"{module.__name__}.{name}") -> str:
            calls.append(_tag)
            return _real(*args)

        monkeypatch.setattr(module, name, counting)
    real_result = cache_mod.Cache.result

    def result(self: cache_mod.Cache, rel: str) -> object:
        decoded.append(rel)
        return real_result(self, rel)

    monkeypatch.setattr(cache_mod.Cache, "result", result)

    def index() -> tuple[dict[str, bytes], list[str], list[str]]:
        """The pages, the page functions called and the results decoded."""
        calls.clear()
        decoded.clear()
        r = run_cli("--vault", str(root), "index", "--today", TODAY)
        assert r.exit_code == 0, r.output
        got = {q.name: q.read_bytes() for q in (root / "_index").iterdir()}
        seen = (got, list(calls), list(decoded))
        assert got == fresh_pages(root)
        return seen

    first, called, _ = index()  # every contact read, in memory: the network page from them
    assert "notebook_tool.render.network.page" in called and "notebook_tool.render.network.page_of" not in called
    assert b"P00" in first["network.md"] and first["introductions.md"].count(b"\n1. ") == 1

    # A new entry that links no one: neither page reads anything that changed (the
    # introductions page reads how well you know someone only of people with needs or offers).
    edit(root, "people/Quiet.md", "take:\n", "take:\n  - 2025-05-30 Call\n")
    _, called, read = index()
    assert called == [] and read == ["people/Quiet.md"]

    # How well you know someone with needs changes: the introductions page is made again
    # from the stored inputs, with no contact read back; the network page reads nothing of it.
    edit(root, "people/P03.md", "give:\n", "give:\n  - 2025-05-31 Dinner +5\n")
    _, called, read = index()
    assert called == ["notebook_tool.render.introductions.page_and_cutoff"] and read == ["people/P03.md"]

    # A link: the network page is made again, from everyone's stored inputs (no contact read back).
    edit(root, "people/P05.md", "Coffee", "Coffee with [[P09]]")
    _, called, read = index()
    assert "notebook_tool.render.network.page_of" in called and "notebook_tool.render.network.page" not in called
    assert read == ["people/P05.md"]

    # A page edited by hand is written again, though nothing it reads changed.
    (root / "_index/network.md").write_text("mine\n", encoding="utf-8")
    got, called, read = index()
    assert got["network.md"] != b"mine\n" and called == ["notebook_tool.render.network.page_of"] and read == []


def test_page_of_the_inputs_is_the_page(tmp_path: Path) -> None:
    """The introductions page from everyone's inputs (as the store keeps them) is the page from the vault."""
    root = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns("_index", ".guanxi"))
    v = load_vault(root)
    for day in (dt.date(2025, 6, 1), dt.date(2026, 12, 1)):
        stored = [json.loads(json.dumps(x)) for c in v.contacts
                  if (x := introductions.inputs(c, day, v.config)) is not None]
        assert stored, "the example vault has needs and offers"
        assert introductions.page_of(stored, day, v.config, "../") == introductions.page(v, day, "../")
    with pytest.raises(ValueError):
        introductions.page_of([["people/x.md", "X"]], dt.date(2025, 6, 1), v.config, "../")


@pytest.mark.parametrize("seed", range(6))
def test_the_network_page_of_the_inputs_is_the_page(tmp_path: Path, seed: int) -> None:
    """The network page from everyone's inputs (through JSON, as the store keeps them) is the page from
    the vault: the example vault, then random networks of via: fields, [[links]] and with:, name clashes
    and aliases included, beyond the page's bounds."""
    import random

    rng = random.Random(seed)
    root = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns("_index", ".guanxi"))
    names = [f"Person {i}" for i in range(60)] + ["Twin", "twin"]
    aliases = [f"P{i}" for i in range(len(names))]  # links by alias too
    for i, name in enumerate(names):
        lines = ["---", f"name: {name}", f"aliases: [P{i}]", f"tags: [{rng.choice(['ops', 'dev', 'Ops', 'x'])}]"]
        if rng.random() < 0.3:
            lines.append(f"via: \"[[{rng.choice(names)}]]\"")
        lines.append("give:")
        for d in range(rng.randrange(4)):
            who = " and ".join(f"[[{rng.choice(names + aliases + ['Nobody', 'Alice Chen'])}]]"
                               for _ in range(rng.randrange(1, 4)))
            lines.append(f"  - 2025-0{d + 1}-0{d + 1} Met {who} +{d + 1}")
        lines.append("  - 2025-05-05 Lunch")
        (root / "people" / f"f{i:02d}.md").write_text("\n".join(lines + ["---", ""]), encoding="utf-8")
    v = load_vault(root)
    assert not [p for p in v.all_problems() if p.severity == "error"]
    day = dt.date(2025, 6, 1)
    stored = [json.loads(json.dumps(network.inputs(c, day, v.config))) for c in v.contacts]
    page = network.page(v, day, "../")
    assert page.count(" --- ") > (40 if seed else 0)  # edges drawn (past the page's bounds but the first)
    assert network.page_of(stored, day, v.config, "../") == page
    with pytest.raises((ValueError, TypeError)):
        network.page_of([["people/x.md", 3, [], [], None, []]], day, v.config, "../")


def test_the_network_page_ranks_ties_by_strength_not_by_entries() -> None:
    """Of people with as many connections, the one with more evidence on them is shown first; an
    entry that links no one changes nothing."""
    from notebook_tool.compute.graph import build
    from notebook_tool.core.model import Entry
    from tests.test_network import person

    def met(who: str, day: int) -> Entry:
        return Entry("touch", dt.date(2025, 1, day), f"met [[{who}]]", links=(who,), line=day)

    a = person("Ann", entries=(met("Bo", 1), met("Bo", 2)))
    calls = tuple(Entry("touch", dt.date(2025, 3, d), "call", line=10 + d) for d in range(1, 9))
    z = person("Zed", entries=(met("Cy", 1), *calls))  # the most entries, one evidence
    bo, cy = person("Bo"), person("Cy")
    shown = network.most_active(build([a, z, bo, cy], with_you=False), max_nodes=2)
    assert sorted(c.name for c in shown.contacts.values()) == ["Ann", "Bo"]


def test_a_change_unmoved_calls_unchanged_truly_leaves_the_first_suggestions_as_they_were() -> None:
    """Random networks, one person's closeness changed at random: whenever ``unmoved`` says the first
    51 cannot move, computing them again gives exactly the same; and it does say so, often."""
    import random

    from notebook_tool.compute.introductions import Party, suggest_among, unmoved

    rng = random.Random(7)
    vocab = ["sre", "design", "funding", "lawyer", "kubernetes", "hiring", "sales", "data", "rust", "go"]
    said = {True: 0, False: 0}
    for _ in range(30):
        people = []
        for i in range(rng.randrange(60, 160)):
            needs = tuple(" ".join(rng.sample(vocab, rng.randrange(1, 3))) for _ in range(rng.randrange(0, 3)))
            offers = tuple(" ".join(rng.sample(vocab, rng.randrange(1, 3))) for _ in range(rng.randrange(0, 3)))
            people.append(Party(f"people/P{i:03d}.md", f"P{i:03d}", frozenset({f"p{i:03d}"}),
                                frozenset(rng.sample(["a", "b", "c"], rng.randrange(0, 3))), needs, offers,
                                frozenset(), rng.choice([0.05, 0.1, 0.2, rng.random() * 2])))
        cutoff: dict[str, object] = {}
        first = suggest_among(people, limit=51, cutoff=cutoff)
        for _ in range(10):
            j = rng.randrange(len(people))
            old = people[j]
            new = Party(old.path, old.name, old.keys, old.tags, old.needs, old.offers, old.linked,
                        rng.choice([old.know * 1.1, old.know / 2, rng.random() * 2, 0.05]))
            state = json.loads(json.dumps(cutoff))  # as the store keeps it
            ok = unmoved(state, old, new)
            said[ok] += 1
            if ok:
                people[j] = new
                again = suggest_among(people, limit=51)
                assert [(s.seeker.path, s.need, s.helper.path, s.offer, s.score) for s in again] == \
                    [(s.seeker.path, s.need, s.helper.path, s.offer, s.score) for s in first]
                cutoff = state
    assert said[True] > 20 and said[False] > 20, said


def test_a_small_change_far_from_the_introductions_page_does_not_render_it(
        vault: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many suggestions; someone known little, on none of the first 51, logs an old favour: their
    closeness moves, the page provably cannot, and it is not computed again (the bytes are a fresh
    index's all the same)."""
    vocab = ["sre", "design", "funding", "lawyer", "kubernetes", "hiring", "sales", "data"]
    files: dict[str, str | bytes] = {}
    for i in range(80):
        day = dt.date(2025, 5, 1) - dt.timedelta(days=9 * i)
        files[f"people/P{i:02d}.md"] = (
            f"---\nneeds: [{vocab[i % 8]} help, {vocab[(i + 3) % 8]}]\noffers: [{vocab[(i + 1) % 8]}, "
            f"{vocab[(i + 5) % 8]} intros]\ngive:\n  - {day.isoformat()} Coffee\n---\n")
    root = vault(files)
    for p in [root, *root.rglob("*")]:
        os.utime(p, (time.time() - 3600,) * 2)
    calls: list[str] = []
    real = introductions.page_and_cutoff

    def counting(*args: object) -> tuple[str, object]:
        calls.append("page_and_cutoff")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(introductions, "page_and_cutoff", counting)
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    assert calls == ["page_and_cutoff"]
    page = (root / "_index/introductions.md").read_text(encoding="utf-8")
    assert "The best 50 suggestions" in page and "P79" not in page
    edit(root, "people/P79.md", "give:\n", "give:\n  - 2020-01-01 An old favour +2\n")
    calls.clear()
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    assert calls == []
    got = {q.name: q.read_bytes() for q in (root / "_index").iterdir()}
    assert got == fresh_pages(root)
    edit(root, "people/P00.md", "give:\n", "give:\n  - 2025-05-30 Dinner +5\n")  # someone on the page
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0
    assert calls == ["page_and_cutoff"]
    assert {q.name: q.read_bytes() for q in (root / "_index").iterdir()} == fresh_pages(root)
