"""Folding text for matching: the one rule every lookup, search and duplicate check uses.

``fold`` is what NAME resolution, ``find``, import matching and the
"same person?" checks compare: case-, accent- and width-insensitive, with
white space collapsed (``Zoë  Ångström`` → ``zoe angstrom``).

``fold_ascii`` goes further for searching by what a keyboard can type:
every script transliterated to ASCII with :mod:`anyascii` (``Łukasz`` →
``lukasz``, ``王伟`` → ``wang wei``: each ideograph is its own word, so
``wang`` finds 王伟). Transliteration is lossy and many-to-one (李 and 理
both read ``li``), so it only ever *finds* candidates; it never decides that
two different spellings are one name.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``Zoë Ångström`` → ``zoe angstrom``."""
    if text.isascii():
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _is_ideograph(ch: str) -> bool:
    # CJK ideographs, kana and hangul syllables each read as one syllable.
    return unicodedata.category(ch) == "Lo" and ord(ch) >= 0x2E80


def fold_ascii(text: str) -> str:
    """``fold`` then transliterate to ASCII, one word per ideograph: ``王伟`` → ``wang wei``."""
    folded = fold(text)
    if folded.isascii():
        return folded
    # Imported here: anyascii loads its tables through importlib.resources (tempfile, shutil,
    # bz2, lzma…), 5 ms of every command's start-up, and most text is ASCII.
    from anyascii import anyascii

    parts: list[str] = []
    for ch in folded:
        if ch.isascii():
            parts.append(ch)
        elif _is_ideograph(ch):
            parts.append(f" {anyascii(ch)} ")
        else:
            parts.append(anyascii(ch))
    return " ".join("".join(parts).casefold().split())
