"""The whole-vault pages after an edit: skipped when what they read is unchanged, else rendered from
the store's per-person inputs where they can be, and always the bytes a fresh index writes."""

from __future__ import annotations

import datetime as dt
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
    for module, name in ((network, "page"), (introductions, "page"), (introductions, "page_of")):
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

    first, _, _ = index()
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
    assert called == ["notebook_tool.render.introductions.page_of"] and read == ["people/P03.md"]

    # A link: the network page needs the whole graph.
    edit(root, "people/P05.md", "Coffee", "Coffee with [[P09]]")
    _, called, _ = index()
    assert "notebook_tool.render.network.page" in called

    # A page edited by hand is written again, though nothing it reads changed.
    (root / "_index/network.md").write_text("mine\n", encoding="utf-8")
    got, called, _ = index()
    assert got["network.md"] != b"mine\n" and called == ["notebook_tool.render.network.page"]


def test_page_of_the_inputs_is_the_page(tmp_path: Path) -> None:
    """The introductions page from everyone's inputs (as the store keeps them) is the page from the vault."""
    import json

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
