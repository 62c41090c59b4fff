"""The front matter fields the readers know, shared by the YAML reader and its fast path.

Kept apart from :mod:`notebook_tool.read.parse` so that the fast path (most
files) can be imported without importing PyYAML (~40 ms a command that reads
a file or two).
"""

from __future__ import annotations

import unicodedata

from notebook_tool.core.model import KINDS

KNOWN = frozenset(
    {"name", "aliases", "email", "phone", "links", "company", "role", "tags", "met", "via", "why",
     "cadence", "birthday", "snooze", "needs", "offers", *KINDS}
)
# Fields whose one-line value may list several items separated by commas.
COMMA_LISTS = frozenset({"tags", "needs", "offers", "email", "links"})


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)
