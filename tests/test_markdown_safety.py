"""Generated pages render user text literally: through Python-Markdown and a CommonMark/GFM parser.

The hostile_names golden case holds names, aliases, tags and entry texts made
of Markdown and HTML; its pages are rendered here as GitHub (markdown-it-py
with tables, CommonMark plus GFM tables) and as Python-Markdown would, and the
HTML must hold no tag, link, image or heading that came from user text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import markdown
import pytest
from markdown_it import MarkdownIt

from notebook_tool.render.markdown_text import escape_inline
from tests.conftest import run_cli

CASE = Path(__file__).parent / "golden" / "hostile_names"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hostile") / "vault"
    shutil.copytree(CASE / "vault", root)
    r = run_cli("--vault", str(root), "index", "--today", (CASE / "today").read_text().strip())
    assert r.exit_code == 0, r.output
    return {p.name: p.read_text("utf-8") for p in (root / "_index").glob("*.md")}


def python_markdown(text: str) -> str:
    return markdown.markdown(text, extensions=["tables"])


def gfm(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


RENDERERS = [python_markdown, gfm]


def assert_no_user_markup(html: str) -> None:
    low = html.lower()
    assert "<script" not in low
    assert "<img" not in low
    assert "<b>" not in low
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', low))
    assert "<h2>" not in low.replace("<h2>today</h2>", "").replace("<h2>everyone else</h2>", "").replace(
        "<h2>people</h2>", "").replace("<h2>by tag</h2>", "")
    assert "<h1>" not in low.replace("<h1>who needs attention</h1>", "").replace("<h1>reciprocity</h1>", "")
    for tag in ("<em>", "<strong>", "<code>", "<del>", "<blockquote>", "<ol", "<hr"):
        if tag == "<ol":
            continue  # the Today list is an ordered list of our own; checked below
        assert tag not in low, tag


@pytest.mark.parametrize("render", RENDERERS)
def test_pages_render_user_text_literally(pages: dict[str, str], render) -> None:  # type: ignore[no-untyped-def]
    for name, text in pages.items():
        html = render(text)
        assert_no_user_markup(html)
        # Only links we made: one per person per list/table, all relative to the vault.
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs and all(h.startswith("../people/") for h in hrefs), (name, hrefs)
        # The literal text of the hostile name comes through.
        assert "&lt;script&gt;alert('name')&lt;/script&gt;" in html.replace("&#x27;", "'") or \
            "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html, name


@pytest.mark.parametrize("render", RENDERERS)
def test_table_columns_intact(pages: dict[str, str], render) -> None:  # type: ignore[no-untyped-def]
    html = render(pages["reciprocity.md"])
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == 1 + 1 + 1 + 6 + 1 + 5  # totals head+row, people head+6, tags head+5
    for row in rows:
        cells = re.findall(r"<t[hd][^>]*>", row)
        assert len(cells) in (5, 7), row


@pytest.mark.parametrize("render", RENDERERS)
def test_ordered_list_is_only_ours(pages: dict[str, str], render) -> None:  # type: ignore[no-untyped-def]
    html = render(pages["attention.md"])
    assert html.count("<ol") == 1  # "Today", and no list made from "1. Numbered" or "1. ==hi=="
    if render is gfm:  # Python-Markdown nests sub-items only at 4 spaces (the attention page's own layout)
        assert html.count("<ul>") == 1 + 6  # "Everyone" and each person's reasons, nothing nested deeper


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "a | b", "# h", "* s", "_e_", "`c`", "[[Wiki]]", "- d", "+ p", "1. n", "2) n", "> q",
    "&amp;", "==hi==", "$x$", "%%c%%", "~~s~~", "  indented", "line\nbreak", "back\\slash", "!\\[x]",
])
@pytest.mark.parametrize("render", RENDERERS)
def test_escape_inline_round_trips_as_text(text: str, render) -> None:  # type: ignore[no-untyped-def]
    """Escaped, rendered and stripped of the paragraph, the text is what it was (line breaks → spaces)."""
    html = render(f"- {escape_inline(text)}\n").strip()
    assert html.startswith("<ul>\n<li>") and html.endswith("</li>\n</ul>"), html
    inner = html[len("<ul>\n<li>"):-len("</li>\n</ul>")]
    assert "<" not in inner, html
    import html as h
    want = text.replace("\n", " ")
    if want.startswith("  "):
        want = want.lstrip(" ") if render is python_markdown else want  # renderers trim a leading space
    assert h.unescape(inner).strip() == want.strip()


def test_plain_text_is_unchanged() -> None:
    for text in ("Ann Lee", "Chloé Martin", "陈静", "O'Brien (work)", "Jean-Luc Picard", "Dr. Who 2.0"):
        assert escape_inline(text) == text
