"""The exceptions the command line turns into a message on stderr and exit 1.

Kept free of imports so that every command can catch them without paying
for the modules that raise them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class GuanxiError(Exception):
    """A user error: printed to stderr as is, exit status 1."""


class ResolveError(GuanxiError):
    """Unknown or ambiguous NAME; ``candidates`` are the contacts to suggest."""

    def __init__(self, message: str, candidates: Sequence[Any] = (), ambiguous: bool = False) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)
        self.ambiguous = ambiguous
