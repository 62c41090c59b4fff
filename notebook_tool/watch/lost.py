"""Lost notifications: turn watchdog's "events were dropped" into "rescan now".

When the kernel's inotify queue overflows (``IN_Q_OVERFLOW``: a big ``git
checkout`` can queue more than ``fs.inotify.max_queued_events``), watchdog
rebuilds its watches but delivers no event to any handler; it only logs a
warning (``watchdog.observers.inotify_c``: "Inotify queue overflowed;
filesystem events were lost"). Likewise a watch it could not add or rebuild
is only logged. Either way some changes were never reported, so the pages
could stay wrong until the periodic rescan. This module owns the one hook
into that: a logging handler on watchdog's logger that calls back, so the
watcher rescans at once and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

# What watchdog's log says when events are gone (7.x: "Inotify queue overflowed; ...",
# "Unable to rebuild recursive inotify watches ..."). Lower-cased substrings.
LOST_MARKERS = ("overflow", "unable to", "events were lost", "could not add watch")
WATCHDOG_LOGGER = "watchdog"


class LostEvents(logging.Handler):
    """Calls ``on_lost(message)`` for each watchdog warning that means events were lost."""

    def __init__(self, on_lost: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_lost = on_lost

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            return
        if any(marker in message.lower() for marker in LOST_MARKERS):
            self.on_lost(message)


def listen(on_lost: Callable[[str], None]) -> Callable[[], None]:
    """Start listening; returns the function that stops it."""
    handler = LostEvents(on_lost)
    logger = logging.getLogger(WATCHDOG_LOGGER)
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return lambda: logger.removeHandler(handler)
