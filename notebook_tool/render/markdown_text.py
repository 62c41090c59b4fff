"""User text made literal inside generated Markdown: the one escaping function.

Every piece of user text a generated page shows (a name or alias as a link
label, an entry's text, a tag, a reason, a problem message) goes through
:func:`escape_inline` so that it renders as the same characters on GitHub
(GFM), in Obsidian and through Python-Markdown, and never as a link, an
image, raw HTML, a heading, a nested list, emphasis, a code span, a
wikilink, a tag or a broken table cell.

Why this mix of backslashes and entities: CommonMark lets any ASCII
punctuation be backslash-escaped, but Python-Markdown only honours its own
short list (``\\ ` * _ { } [ ] ( ) > # + - . !`` and ``|`` in tables) and
prints the backslash before anything else. So the characters on that list
are backslash-escaped, and the rest that matter (``< > & ~ $ % =``) become
numeric or named character references, which all three renderers decode.

The result holds no line break, so it is safe in a table cell, a list item
or a link label. Text with none of the special characters comes back
unchanged (the common case, and the hot path at 30,000 rows).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["escape_inline"]

# Escaped wherever they stand: inline syntax of at least one renderer.
_ANYWHERE = {
    "\\": "\\\\",
    "`": "\\`",  # code spans
    "*": "\\*",  # emphasis, and a list marker at the start
    "_": "\\_",  # emphasis
    "[": "\\[",  # links, images, Obsidian [[wikilinks]]
    "]": "\\]",
    "|": "\\|",  # table cells
    "#": "\\#",  # headings at the start; Obsidian #tags anywhere
    "!": "\\!",  # images ![x](y)
    "<": "&lt;",  # raw HTML and <autolinks>
    ">": "&gt;",  # blockquotes at the start
    "&": "&amp;",  # so "&lt;" in a name stays the four characters it is
    "~": "&#126;",  # GFM strikethrough
    "$": "&#36;",  # Obsidian (and GitHub) $math$
    "%": "&#37;",  # Obsidian %%comments%%
    "=": "&#61;",  # Obsidian ==highlight==
    "\r": " ",  # no line breaks: the text lives on one line of a page
    "\n": " ",
    "\t": " ",
}
_TABLE = str.maketrans(_ANYWHERE)
_SPECIAL = re.compile(r"[\\`*_\[\]|#!<>&~$%=\r\n\t]|^[\s+\-]|^\d+[.)]")
# Block syntax that only counts at the start of the text (a list item or a
# line): "- x", "+ x" (nested lists), "1. x" / "1) x" (ordered lists).
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")


@lru_cache(maxsize=1 << 17)
def escape_inline(text: str) -> str:
    """``text`` as literal inline Markdown on one line (memoised: watch re-renders every row)."""
    if not _SPECIAL.search(text):
        return text
    out = text.translate(_TABLE)
    if out[:1] in ("-", "+"):
        out = "\\" + out
    elif out[:1].isspace():
        # Leading spaces after a list marker would make an indented code block.
        out = "&#32;" + out[1:]
    else:
        out = _LEADING_NUMBER.sub(r"\1\\\2", out, count=1)
    return out
