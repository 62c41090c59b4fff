"""Durations (``30d``, ``2w``, ``3m``, ``1y``) and ISO dates, as users type them.

One place decides what ``3m`` means so that cadences in files, thresholds in
``guanxi.toml`` and ``guanxi snooze frank 2w`` all agree: a month is 30 days
and a year 365 (a cadence is a rhythm, not a calendar appointment).
"""

from __future__ import annotations

import datetime as dt
import re

UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
# Longer than any calendar can count (0001-01-01 to 9999-12-31): refused with a
# message, not an OverflowError deep in date arithmetic.
MAX_DAYS = (dt.date.max - dt.date.min).days
_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DurationError(ValueError):
    """A duration that is not ``N``, ``Nd``, ``Nw``, ``Nm`` or ``Ny``."""


def parse_days(value: object) -> int:
    """Days in a duration: ``30d`` → 30, ``2w`` → 14, ``45`` → 45.

    Raises :class:`DurationError` with a message meant for the user.
    """
    if isinstance(value, bool):
        raise DurationError(f"expected a duration like 30d, 2w, 3m or 1y, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise DurationError(f"a duration cannot be negative: {value}")
        if value > MAX_DAYS:
            raise DurationError(f"a duration of {value} days is longer than the calendar (at most {MAX_DAYS})")
        return value
    if not isinstance(value, str):
        raise DurationError(f"expected a duration like 30d, 2w, 3m or 1y, got {value!r}")
    m = _DURATION.match(value)
    if not m:
        raise DurationError(f"expected a duration like 30d, 2w, 3m or 1y, got {value!r}")
    days = int(m.group(1)) * UNIT_DAYS[(m.group(2) or "d").lower()]
    if days > MAX_DAYS:
        raise DurationError(f"{value.strip()!r} is longer than the calendar (at most {MAX_DAYS} days)")
    return days


def parse_iso_date(value: str) -> dt.date:
    """A strict ``YYYY-MM-DD`` date; raises ``ValueError`` with a clear message."""
    if not _ISO_DATE.match(value.strip()):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"no such date: {value.strip()}") from None


_LOOSE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def loose_iso_date(value: str) -> dt.date | None:
    """``2025-6-1`` → 2025-06-01: a real date typed without zero padding, else None.

    Only the padding is forgiven (the order is still year-month-day), so the
    reader can take the date meant and warn, rather than drop it.
    """
    m = _LOOSE_DATE.match(value.strip())
    if not m or _ISO_DATE.match(value.strip()):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_until(value: str, start: dt.date) -> dt.date:
    """``2025-05-01`` as given, or a duration (``2w``) counted from ``start`` (``guanxi snooze``)."""
    if _ISO_DATE.match(value.strip()):
        return parse_iso_date(value)
    days = parse_days(value)
    try:
        return start + dt.timedelta(days=days)
    except OverflowError:
        raise DurationError(f"{value.strip()!r} from {start.isoformat()} is after {dt.date.max.isoformat()}, "
                            "the last day Guanxi can write") from None
