"""Writing the static HTML site (``guanxi html OUT``): where it may go, and nothing else touched.

The site never goes into a contacts folder (with no ``contacts`` setting the
whole vault is one, so inside the vault only the output folder is allowed),
nor into or under a ``.git`` folder, nor onto the vault itself. A folder that
already holds files and is not a site Guanxi wrote (no ``.guanxi-site``
manifest) is refused rather than mixed into. The manifest lists the files
written; on the next run the ones no longer in the site (a person removed)
are deleted, and only those: a manifest entry that would leave OUT is
ignored. Each file is written atomically and only when its bytes change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from notebook_tool.core.config import Config
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Vault
from notebook_tool.read.notes import notes_of
from notebook_tool.render.html import site
from notebook_tool.write.fsio import atomic_write, write_if_changed

MANIFEST = ".guanxi-site"
_HEADER = "# Written by guanxi html: the files of this site (deleted when no longer part of it)."


def _within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def check_target(root: Path, config: Config, out: Path) -> Path:
    """OUT resolved, or a :class:`GuanxiError` saying why the site may not go there."""
    root = root.resolve()
    target = out.resolve()
    if ".git" in target.parts:
        raise GuanxiError(f"refusing to write the site into a .git folder: {out}")
    if target == root:
        raise GuanxiError(f"refusing to write the site over the vault itself: {out} (pick a new folder)")
    if _within(root, target):
        raise GuanxiError(f"refusing to write the site into a folder that holds the vault: {out}")
    if config.contacts is None:
        if _within(target, root) and not _within(target, root / config.output):
            raise GuanxiError(f"refusing to write the site among the contact files: {out} "
                              f"(the whole vault holds contacts; use a folder outside it or under {config.output}/)")
    else:
        for folder in config.contacts:
            if _within(target, (root / folder).resolve()):
                raise GuanxiError(f"refusing to write the site into the contacts folder {folder}/: {out}")
    if target.exists() and not target.is_dir():
        raise GuanxiError(f"{out} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise GuanxiError(f"{out} already holds files that guanxi did not write; pick an empty or new folder")
    return target


def _previous(target: Path) -> set[str]:
    try:
        lines = (target / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {ln for ln in lines if ln and not ln.startswith("#")}


def write_site(root: Path, config: Config, out: Path, files: Mapping[str, bytes]) -> tuple[str, ...]:
    """Write ``files`` into OUT (checked first); returns the site paths whose bytes changed."""
    target = check_target(root, config, out)
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for rel in sorted(files):
        path = target / rel
        if not path.resolve().is_relative_to(target):  # a page path never leaves the site
            raise GuanxiError(f"internal: page path {rel!r} leaves the site folder")
        if write_if_changed(path, files[rel]):  # its folder made as needed
            changed.append(rel)
    for rel in sorted(_previous(target) - set(files)):
        stale = (target / rel)
        if stale.resolve().is_relative_to(target) and stale.is_file():
            stale.unlink()
            changed.append(rel)
    atomic_write(target / MANIFEST, ("\n".join([_HEADER, *sorted(files)]) + "\n").encode("utf-8"))
    return tuple(changed)


def site_files(vault: Vault, today: dt.date) -> dict[str, bytes]:
    """The site's pages for a read vault, contact-file bodies included (read here, never written)."""
    return site(vault, today, {c.path: notes_of(vault.root, c.path) for c in vault.contacts})


def export_site(vault: Vault, today: dt.date, out: Path) -> tuple[str, ...]:
    """``guanxi html OUT``: check OUT, render the site and write it; the site paths that changed."""
    check_target(vault.root, vault.config, out)  # before any rendering: a refusal comes at once
    return write_site(vault.root, vault.config, out, site_files(vault, today))
