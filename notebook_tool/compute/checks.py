"""Vault-wide checks for ``guanxi check``, each a small function returning problems.

Per-file problems come from the parser; these look across files or need the
day (an entry dated in the future is a warning, not an error).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from notebook_tool.core.model import Problem, Vault
from notebook_tool.core.text import fold
from notebook_tool.read.fields import nfc


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
        # Files whose names differ only by case or normalisation are already
        # reported by the walk (vault.contact_paths): say it once.
        if len(paths) > 1 and len({nfc(p).casefold() for p in paths}) > 1:
            for p in paths:
                others = ", ".join(q for q in paths if q != p)
                out.append(Problem(p, 1, f"name or alias {key!r} is also used by {others}", None, "warning"))
    return out


def check_conflict_markers(vault: Vault, today: dt.date) -> list[Problem]:
    """Leftover ``<<<<<<<``/``>>>>>>>`` lines from a git merge, in any contact file."""
    out = []
    for r in vault.results:
        # Most files hold no marker: look for one without holding the file in memory
        # (a 50 MB notes file cost four copies here).
        if not _has_marker(vault.root / r.path):
            continue
        try:
            data = (vault.root / r.path).read_bytes()
        except OSError:
            continue
        lines = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        start: int | None = None
        for i, line in enumerate(lines, 1):
            if line.startswith("<<<<<<<"):
                start = i
            elif line.startswith(">>>>>>>") and start is not None:
                out.append(Problem(r.path, start, f"unresolved git merge conflict (lines {start}-{i}): keep the "
                                   "right version and delete the <<<<<<< ======= >>>>>>> lines"))
                start = None
        if start is not None:
            out.append(Problem(r.path, start, "leftover git conflict marker '<<<<<<<'; delete it"))
    return out


def _has_marker(path: Path) -> bool:
    import mmap

    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return False
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                return m.find(b"<<<<<<<") != -1 or m.find(b">>>>>>>") != -1
    except (OSError, ValueError):
        return True  # cannot tell cheaply: let the full read decide (and skip it if unreadable)


GITATTRIBUTES = ".gitattributes"  # where check_merge_driver's problems are


def check_merge_driver(vault: Vault, today: dt.date) -> list[Problem]:
    """``.gitattributes`` names the guanxi merge driver but this clone has not registered it."""
    from notebook_tool.read.gitrepo import DRIVER, driver_missing_program, driver_registered, in_git_work_tree

    path = vault.root / GITATTRIBUTES
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    named = next((i for i, line in enumerate(lines, 1)
                  if not line.lstrip().startswith("#") and f"merge={DRIVER}" in line.split()), None)
    if named is None or not in_git_work_tree(vault.root):
        return []
    if driver_registered(vault.root):
        missing = driver_missing_program(vault.root)
        if missing is None:
            return []
        return [Problem(GITATTRIBUTES, named, f"the guanxi merge driver registered in this clone runs {missing}, "
                        "which no longer exists; run `guanxi init` again to update it", None, "warning")]
    return [Problem(GITATTRIBUTES, named, "the guanxi merge driver is named here but not registered in this "
                    "clone, so git merges contact files as plain text; run `guanxi init` once in this clone",
                    None, "warning")]


CHECKS: tuple[Callable[[Vault, dt.date], list[Problem]], ...] = (
    check_future_entries,
    check_duplicate_names,
    check_conflict_markers,
    check_merge_driver,
)

# What ``check`` runs from the rows the store keeps (compute/rows.py): the checks that look at one
# file at a time, kept per file, and those that compare files, run over the rows' names. Every
# check but the merge driver's (its registration is in git's config, no file) is in one of them.
PER_FILE: tuple[Callable[[Vault, dt.date], list[Problem]], ...] = (check_future_entries, check_conflict_markers)
ACROSS_FILES: tuple[Callable[[Vault, dt.date], list[Problem]], ...] = (check_duplicate_names,)


def problem_order(p: Problem) -> tuple[str, int, int, str, str]:
    """The order ``guanxi check`` prints problems in: by path, then line."""
    return (p.path, p.line, p.col or 0, p.severity, p.message)


def run_checks(vault: Vault, today: dt.date,
               skip: tuple[Callable[[Vault, dt.date], list[Problem]], ...] = ()) -> list[Problem]:
    """Every problem in the vault: parse problems and these checks (but ``skip``), in path/line order."""
    out = list(vault.all_problems())
    for check in CHECKS:
        if check not in skip:
            out.extend(check(vault, today))
    return sorted(set(out), key=problem_order)
