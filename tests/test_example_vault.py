"""The committed example vault: its pages are current, its links work, every rule fires."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import markdown

from notebook_tool.render.extra import extra_page_functions
from tests.conftest import EXAMPLE_VAULT, run_cli

TODAY = "2025-06-01"  # the date the example vault documents (example-vault/README.md)


def test_regenerating_the_example_index_gives_the_committed_bytes(tmp_path: Path) -> None:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE_VAULT, copy, ignore=shutil.ignore_patterns(".guanxi"))
    committed = {p.name: p.read_bytes() for p in (EXAMPLE_VAULT / "_index").iterdir()}
    assert sorted(committed) == sorted(["attention.md", "reciprocity.md", *extra_page_functions()])
    r = run_cli("--vault", str(copy), "index", "--today", TODAY)
    assert r.exit_code == 0
    assert r.stderr == "Indexed 14 people: pages unchanged\n"
    assert {p.name: p.read_bytes() for p in (copy / "_index").iterdir()} == committed


def test_every_link_on_the_generated_pages_resolves_to_a_file() -> None:
    """Render with the markdown package (as a viewer would) and follow each href."""
    for page in (EXAMPLE_VAULT / "_index").glob("*.md"):
        html = markdown.markdown(page.read_text(encoding="utf-8"), extensions=["tables"])
        hrefs = re.findall(r'href="([^"]+)"', html)
        assert hrefs, page
        for href in hrefs:
            target = (page.parent / unquote(href)).resolve()
            assert target.is_file(), f"{page.name}: {href}"
            assert target.is_relative_to(EXAMPLE_VAULT.resolve())


def test_the_example_vault_is_clean_and_fires_every_rule() -> None:
    assert run_cli("--vault", str(EXAMPLE_VAULT), "check", "--today", TODAY).exit_code == 0
    people = list((EXAMPLE_VAULT / "people").glob("*.md"))
    assert len(people) >= 12
    assert any(re.search(r"[\u4e00-\u9fff]", p.name) for p in people)
    assert any(re.search(r"[À-ÿ]", p.name) for p in people)
    page = (EXAMPLE_VAULT / "_index" / "attention.md").read_text(encoding="utf-8")
    for phrase in ("you promised", "you owe them", "birthday in", "say hello, say why", "no contact for",
                   "no way to reach them"):
        assert phrase in page, phrase
    assert "Frank Müller" not in page  # snoozed
    assert "Carol Diaz" not in page  # owes *you*: never a reason
