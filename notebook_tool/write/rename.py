"""Renaming a person: the file, and every ``[[link]]`` and ``via`` that names them.

Owns :func:`rename_contact` (``guanxi rename OLD NEW``). Every file that
changes is planned and verified by :mod:`notebook_tool.write.writer` before
the first is written (one minimal edit per file: only link targets change),
then the person's file is moved to its new name, never over another file.
Links in the notes (the Markdown body) are listed, not changed: the body is
the user's and Guanxi never rewrites it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Vault, path_stem
from notebook_tool.core.names import NameError_, clean_name, file_stem, same_name_key
from notebook_tool.core.text import fold
from notebook_tool.read.notes import notes_of
from notebook_tool.write.writer import Change, RenameLinks, apply_changes, vault_lock

_LINK = re.compile(r"\[\[([^\]|#\n]+)")


@dataclass(frozen=True)
class Renamed:
    old_path: str
    new_path: str
    rewritten: tuple[str, ...]  # files whose links or via now name the new name
    in_notes: tuple[str, ...]  # "path: [[Old]]" mentions in notes, left as they are


def mentions(c: Contact, keys: frozenset[str]) -> bool:
    """True when a field or entry of ``c`` links (``[[…]]``) to one of the folded ``keys``."""
    texts = [c.via or "", c.why or "", c.company or "", c.role or "", *c.links, *c.needs, *c.offers,
             *(e.text for e in c.entries), *(str(v) for _, v in c.extra)]
    return any(fold(m.group(1)) in keys for t in texts for m in _LINK.finditer(t)) or any(
        fold(n) in keys for e in c.entries for n in e.links)


def rename_contact(vault: Vault, contact: Contact, new_name: str) -> Renamed:
    try:
        stem = file_stem(new_name)
    except NameError_ as exc:
        raise GuanxiError(str(exc)) from None
    name = clean_name(new_name)
    folder, _, _ = contact.path.rpartition("/")
    new_rel = f"{folder}/{stem}.md" if folder else f"{stem}.md"
    for r in vault.results:
        other = path_stem(r.path)
        if r.path != contact.path and same_name_key(other) == same_name_key(stem):
            raise GuanxiError(f"{r.path} already exists: {new_name!r} is already a contact")
    keys = frozenset(fold(k) for k in (contact.name, contact.stem))
    # The file keeps an explicit `name:` only if it had one; else the file name is the name.
    own = RenameLinks(keys, name, name if contact.name != contact.stem else None)
    changes: list[tuple[str, Change]] = [(contact.path, own)]
    changes += [(c.path, RenameLinks(keys, name)) for c in vault.contacts
                if c.path != contact.path and mentions(c, keys)]
    done = apply_changes(vault.root, changes, vault.config.max_front_matter)
    rewritten = tuple(w.rel for w in done if w.before != w.after and w.rel != contact.path)
    if contact.path != new_rel:
        _move(vault.root, contact.path, new_rel)
    notes = []
    for c in vault.contacts:
        for line in notes_of(vault.root, c.path if c.path != contact.path else new_rel).splitlines():
            if any(fold(m.group(1)) in keys for m in _LINK.finditer(line)):
                notes.append(f"{c.path if c.path != contact.path else new_rel}: {line.strip()}")
    return Renamed(contact.path, new_rel, rewritten, tuple(notes))


def _move(root: Path, old: str, new: str) -> None:
    """Rename without ever replacing a file: a hard link to the new name, then drop the old one."""
    src, dst = root / old, root / new
    with vault_lock(root):
        if same_name_key(path_stem(old)) == same_name_key(path_stem(new)) and src.name != dst.name:
            os.replace(src, dst)  # only the case or accents change: the same file on macOS/Windows
            return
        try:
            os.link(src, dst)
        except FileExistsError:
            raise GuanxiError(f"{new} already exists; nothing renamed (links were updated: run guanxi rename "
                              "again once the name is free)") from None
        except OSError:
            if dst.exists():
                raise GuanxiError(f"{new} already exists") from None
            os.rename(src, dst)  # a file system without hard links
            return
        os.unlink(src)
