"""A person's name → a safe file name that stays the contact's name.

The file name is the name (so ``[[Alice Chen]]`` resolves in Obsidian too),
NFC-normalised, with characters that Windows, macOS or Linux refuse replaced
by ``-``, Windows' reserved device names avoided, and the length kept within
what every file system takes. Non-ASCII names (``王伟``) stay as they are.
"""

from __future__ import annotations

import re
import unicodedata

_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_BYTES = 200  # leaves room for ".md" and a temp-file prefix under 255


class NameError_(ValueError):
    """A name that cannot become a file name."""


def clean_name(name: str) -> str:
    """The name as stored: NFC, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def file_stem(name: str) -> str:
    """The file name (without ``.md``) for a contact called ``name``."""
    stem = _ILLEGAL.sub("-", clean_name(name)).strip(" .")
    if not stem or set(stem) <= {"-", "."}:
        raise NameError_(f"{name!r} cannot be used as a file name")
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"{stem}_"
    while len(stem.encode("utf-8")) > MAX_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .")


def same_name_key(stem: str) -> str:
    """Two file names with the same key are one contact (case and normalisation)."""
    return unicodedata.normalize("NFC", stem).casefold()
