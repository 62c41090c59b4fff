"""A person's name → a safe file name that stays the contact's name.

The file name is the name (so ``[[Alice Chen]]`` resolves in Obsidian too),
NFC-normalised, with characters that Windows, macOS or Linux refuse replaced
by ``-``, Windows' reserved device names avoided, and the length kept within
what every file system takes. Non-ASCII names (``王伟``) stay as they are.

Whatever is typed, the result is one plain path component: no separator, no
``..``, no leading dot (hidden files are never read as contacts), so a file
created from a name can never land outside its folder.
"""

from __future__ import annotations

import re
import unicodedata

from notebook_tool.core.text import fold

# Illegal on Windows (<>:"/\|?*), on macOS (:), control characters anywhere;
# plus characters that make a file name lie about itself: bidi overrides and
# isolates (a name that displays backwards) and YAML/Unicode line breaks.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]')
_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")),
}
MAX_BYTES = 200  # leaves room for ".md" and a temp-file prefix under 255


class NameError_(ValueError):
    """A name that cannot become a file name."""


def clean_name(name: str) -> str:
    """The name as stored: NFC, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _truncate(stem: str, limit: int) -> str:
    """Cut to ``limit`` UTF-8 bytes without splitting a character or its accents."""
    if len(stem.encode("utf-8")) <= limit:
        return stem
    cut = stem.encode("utf-8")[:limit].decode("utf-8", "ignore")
    # Do not leave a base letter without the combining marks that followed it.
    while cut and len(cut) < len(stem) and unicodedata.combining(stem[len(cut)]):
        cut = cut[:-1]
    return cut


def file_stem(name: str) -> str:
    """The file name (without ``.md``) for a contact called ``name``."""
    stem = _ILLEGAL.sub("-", clean_name(name)).strip(" .")
    if not stem or set(stem) <= {"-", "."}:
        raise NameError_(f"{name!r} cannot be used as a file name")
    stem = _truncate(stem, MAX_BYTES).rstrip(" .")
    # Windows treats "con", "CON.txt" and "con .x" alike: the part before the
    # first dot, trailing spaces ignored, any case.
    head, dot, tail = stem.partition(".")
    if head.rstrip(" ").upper() in _RESERVED:
        stem = f"{head}_{dot}{tail}"  # CON.txt → CON_.txt: the reserved part itself must change
    return stem


def same_name_key(stem: str) -> str:
    """Two file names with the same key are one contact to ``add``: equal after :func:`fold`.

    Folding (case, accents, width, spaces) is what NAME lookup compares, so
    ``Zoe Angstrom`` beside ``Zoë Ångström`` would make both reachable only
    by their exact names: ``add`` refuses the second.
    """
    return fold(stem)
