"""Carrying out an import plan: new files as ``add`` makes them, existing files by minimal edit.

New people are created with :func:`notebook_tool.write.create.add_contacts`
(one walk of the vault, never over an existing file) under one vault lock
for the whole batch. Existing people change only through the writer's batch
entry point :func:`notebook_tool.write.writer.apply_changes` with
:class:`~notebook_tool.write.writer.AddValues` — the minimal, verified,
atomic edit — so whatever that entry point guarantees for several files
(verification of every edit before the first write) holds here too. If it
refuses the batch, each file is retried alone so one odd file never stops
the others; the refusal is reported for that file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_tool.compute.importplan import Create, ImportPlan
from notebook_tool.core.config import Config
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Problem, Vault
from notebook_tool.write.create import NewContact, add_contacts
from notebook_tool.write.writer import AddValues, Change, WriteError, apply_changes, vault_lock


@dataclass(frozen=True)
class Applied:
    """What applying did: files created and edited (relative paths), and what was refused and why."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (name or path, reason)


def new_contact(c: Create, source: str, today: dt.date) -> NewContact:
    """The file ``add`` would write for this person, plus what import knows (origin, links, note)."""
    met = c.get("met")
    birthday = c.get("birthday")
    return NewContact(
        name=c.name,
        emails=tuple(c.get("email")),
        phones=tuple(c.get("phone")),
        tags=tuple(c.get("tags")),
        met=dt.date.fromisoformat(met[0]) if met else None,
        company=next(iter(c.get("company")), None),
        role=next(iter(c.get("role")), None),
        aliases=tuple(c.get("aliases")),
        links=tuple(c.get("links")),
        birthday=birthday[0] if birthday else None,
        extra=(("source", source), ("imported", today)),
        body=c.note,
    )


def apply_plan(root: Path, config: Config, plan: ImportPlan,
               progress: Callable[[int], None] | None = None) -> Applied:
    """Create and edit what ``plan`` says; every person is done or reported, none half-done."""
    created: list[str] = []
    failed: list[tuple[str, str]] = []
    news = [new_contact(c, plan.source, plan.imported_on) for c in plan.creates]
    with vault_lock(root):
        for new, result in add_contacts(root, config, news, progress):
            if isinstance(result, Path):
                created.append(result.relative_to(root).as_posix())
            else:
                failed.append((new.name, result))
    changes: list[tuple[str, Change]] = [(u.path, AddValues(u.adds)) for u in plan.updates if u.adds]
    updated: list[str] = []
    if changes:
        try:
            updated = [w.rel for w in apply_changes(root, changes, config.max_front_matter)]
        except WriteError:
            for rel, change in changes:  # one refused file: do the others, report that one
                try:
                    apply_changes(root, [(rel, change)], config.max_front_matter)
                    updated.append(rel)
                except WriteError as exc:
                    failed.append((rel, str(exc)))
    return Applied(tuple(created), tuple(updated), tuple(failed))


def read_export(kind: str, target: Path) -> tuple[list[Any], list[Problem]]:
    """Parse an export file, or every export file in a folder (sorted), into rows and problems."""
    from notebook_tool.read.imports.google import parse_google
    from notebook_tool.read.imports.linkedin import parse_linkedin
    from notebook_tool.read.imports.vcard import parse_vcard

    parser = {"linkedin": parse_linkedin, "google": parse_google, "vcard": parse_vcard}[kind]
    if target.is_dir():
        pattern = "*.vcf" if kind == "vcard" else "*.csv"
        files = sorted(p for p in target.rglob(pattern) if p.is_file())
        if kind == "linkedin" and any(p.name.casefold() == "connections.csv" for p in files):
            files = [p for p in files if p.name.casefold() == "connections.csv"]
        if not files:
            raise GuanxiError(f"{target}: no {pattern} file in this folder")
    else:
        files = [target]
    rows: list[Any] = []
    problems: list[Problem] = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise GuanxiError(f"{f}: cannot read: {exc.strerror or exc}") from None
        got, probs = parser(data, f.as_posix())
        rows += got
        problems += probs
    return rows, problems


@dataclass(frozen=True)
class ImportOutcome:
    plan: ImportPlan
    problems: tuple[Problem, ...]
    applied: Applied | None

    @property
    def clean(self) -> bool:
        """Exit 0: no row skipped or conflicted, nothing refused."""
        return (self.plan.clean and not any(p.severity == "error" for p in self.problems)
                and not (self.applied and self.applied.failed))


def run_import(root: Path, vault: Vault, kind: str, target: Path, today: dt.date, apply: bool,
               progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Read the export, plan it against the vault, and (with ``apply``) carry the plan out."""
    from notebook_tool.compute.importplan import plan_import

    rows, problems = read_export(kind, target)
    plan = plan_import(rows, vault.contacts, kind, target.as_posix(), today)
    applied = apply_plan(root, vault.config, plan, progress) if apply else None
    return ImportOutcome(plan, tuple(problems), applied)
