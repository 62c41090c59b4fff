"""The one stable digest of plain data, for telling "the same as before" across runs.

What the store's per-person inputs and the calendar's per-person events are
compared by. ``repr`` of plain data (str, int, float, None, lists, tuples,
dicts) is exact — floats round-trip — and the same in every run, unlike
``hash``; BLAKE2b with 16 bytes makes an accidental match negligible.
"""

from __future__ import annotations

import hashlib
from typing import Any


def data_digest(value: Any) -> bytes:
    """16 bytes that differ whenever plain ``value`` differs."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).digest()
