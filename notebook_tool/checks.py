"""Vault-wide checks for ``guanxi check``, each a small function returning problems.

Per-file problems come from the parser; these look across files or need the
day (an entry dated in the future is a warning, not an error).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from .model import Problem
from .resolve import fold
from .vault import Vault


def check_future_entries(vault: Vault, today: dt.date) -> list[Problem]:
    return [
        Problem(c.path, e.line, f"{e.kind} entry is dated in the future ({e.date.isoformat()})", None, "warning")
        for c in vault.contacts
        for e in c.entries
        if e.date > today
    ]


def check_duplicate_names(vault: Vault, today: dt.date) -> list[Problem]:
    """Two files that are one person by name (or alias) make NAME lookups ambiguous."""
    owners: dict[str, list[str]] = {}
    for c in vault.contacts:
        for key in dict.fromkeys(fold(n) for n in (c.name, *c.aliases)):
            owners.setdefault(key, []).append(c.path)
    out = []
    for key, paths in sorted(owners.items()):
        if len(paths) > 1:
            for p in paths:
                others = ", ".join(q for q in paths if q != p)
                out.append(Problem(p, 1, f"name or alias {key!r} is also used by {others}", None, "warning"))
    return out


CHECKS: tuple[Callable[[Vault, dt.date], list[Problem]], ...] = (
    check_future_entries,
    check_duplicate_names,
)


def run_checks(vault: Vault, today: dt.date) -> list[Problem]:
    """Every problem in the vault: parse problems and these checks, in path/line order."""
    out = list(vault.all_problems())
    for check in CHECKS:
        out.extend(check(vault, today))
    return sorted(set(out), key=lambda p: (p.path, p.line, p.col or 0, p.severity, p.message))
