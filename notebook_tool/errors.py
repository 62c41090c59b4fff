"""The one exception type the command line turns into ``message`` + exit 1."""

from __future__ import annotations


class GuanxiError(Exception):
    """A user error: printed to stderr as is, exit status 1."""
