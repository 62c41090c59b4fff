"""The rebuild: read the vault, compute the report, write the pages that changed.

``guanxi index`` runs :func:`rebuild` once; ``guanxi watch`` runs it again
whenever files change. Rendering is pure (:mod:`notebook_tool.render`); this
module is the seam where the result meets the disk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .fsio import write_if_changed
from .render import Report, build, pages
from .vault import Vault


@dataclass(frozen=True, slots=True)
class IndexResult:
    report: Report
    written: tuple[str, ...]  # vault-relative paths of pages whose bytes changed


def write_pages(vault: Vault, report: Report) -> tuple[str, ...]:
    """Write the generated pages into the output folder; only changed bytes are written."""
    out = vault.config.output
    written = []
    for name, text in pages(report, out).items():
        if write_if_changed(vault.root / out / name, text):
            written.append(f"{out}/{name}")
    return tuple(written)


def rebuild(vault: Vault, today: dt.date) -> IndexResult:
    report = build(vault, today)
    return IndexResult(report, write_pages(vault, report))


def output_dir(vault: Vault) -> Path:
    return vault.root / vault.config.output
