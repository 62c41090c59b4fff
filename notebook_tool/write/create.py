"""Creating things: a new vault (``init``) and a new contact file (``add``).

Neither ever overwrites: ``init`` only adds what is missing (it is safe to run
again in an existing vault or clone) and ``add`` refuses a name that already
has a file, including one differing only by case or Unicode normalisation.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import path_stem
from notebook_tool.core.names import NameError_, clean_name, file_stem, same_name_key
from notebook_tool.read.vault import STATE_DIR
from notebook_tool.read.yamltext import flow_list, scalar
from notebook_tool.write.fsio import (
    TMP_IGNORE,
    add_missing_lines,
    atomic_file,
    atomic_write,
    fsync_dir,
    safe_target,
)

DEFAULT_CONFIG = """\
# Guanxi settings: see docs/format.md for every key.
contacts = ["people"]
output = "_index"
cadence = "90d"

[attention]
owe_band = 0
promise_grace = "7d"
new_connection = "30d"
birthday_window = "14d"
"""


# vim's swap files and its write probe, Emacs' backups and lock files.
EDITOR_DROPPINGS = ("*.swp", "*.swo", "*~", ".#*", "4913")


def _output(folder: Path) -> str:
    """The vault's output folder (from its guanxi.toml when there is one)."""
    from notebook_tool.read.config import load_config

    config, _ = load_config(folder)
    return config.output.strip("/") or "_index"


def init_vault(folder: Path) -> list[str]:
    """Create what a vault needs and is missing; returns what was created or changed.

    Also sets up git collaboration (SPEC §9): ``.gitattributes`` routes contact
    files to ``guanxi merge-driver``, and the driver is registered in this
    clone's git config (git never shares config, so every clone runs
    ``guanxi init`` once; running it again only fills what is missing).
    """
    done: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / CONFIG_NAME
    if not cfg.exists():
        atomic_write(cfg, DEFAULT_CONFIG.encode())
        done.append(CONFIG_NAME)
    people = folder / "people"
    if not people.exists():
        people.mkdir()
        done.append("people/")
    # ".guanxi" and ".guanxi/" both ignore it: either counts as present.
    # Also Guanxi's temporary files: a run killed mid-write may leave one beside
    # a contact file, and `git add -A` must never commit it.
    ignore = folder / ".gitignore"
    changed = add_missing_lines(ignore, [f"{STATE_DIR}/", TMP_IGNORE],
                                "# Guanxi's machine-local cache and temporary files",
                                key=lambda line: line.strip().rstrip("/"))
    # Generated pages change with the date alone ("no contact for 91 days"): tracked, they would
    # dirty the repository every day and block `git checkout` while watch rewrites them.
    changed |= add_missing_lines(ignore, [f"/{_output(folder)}/"],
                                 "# Guanxi's generated pages: rebuilt by guanxi index/watch (docs/git.md)",
                                 key=lambda line: line.strip().strip("/"))
    changed |= add_missing_lines(ignore, list(EDITOR_DROPPINGS), "# Editors' swap and backup files")
    if changed:
        done.append(".gitignore")
    from notebook_tool.write.gitsetup import register_merge_driver, write_gitattributes

    if write_gitattributes(folder):
        done.append(".gitattributes")
    if register_merge_driver(folder):
        done.append("git merge driver")
    return done


@dataclass(frozen=True)
class NewContact:
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    met: dt.date | None = None
    via: str | None = None
    why: str | None = None
    company: str | None = None
    role: str | None = None
    # Also what import brings (add sets aliases, links and birthday too): written after the fields above.
    aliases: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    birthday: str | None = None  # "1985-06-14" or "--06-14"
    extra: tuple[tuple[str, str | dt.date], ...] = ()  # e.g. ("source", "linkedin"), ("imported", a date)
    body: str | None = None


def contact_text(new: NewContact, stem: str) -> str:
    """The new file: front matter with what was given, empty entry lists, no body."""
    lines = ["---"]
    if clean_name(new.name) != stem:
        lines.append(f"name: {scalar(clean_name(new.name))}")
    for key, values in (("email", new.emails), ("phone", new.phones)):
        if len(values) == 1:
            lines.append(f"{key}: {scalar(values[0])}")
        elif values:
            lines.append(f"{key}: {flow_list(list(values))}")
    for key, value in (("company", new.company), ("role", new.role)):
        if value:
            lines.append(f"{key}: {scalar(value)}")
    if new.tags:
        lines.append(f"tags: {flow_list(list(new.tags))}")
    if new.met:
        lines.append(f"met: {new.met.isoformat()}")
    if new.via:
        via = new.via if new.via.startswith("[[") else f"[[{new.via}]]"
        lines.append(f"via: {scalar(via)}")
    if new.why:
        lines.append(f"why: {scalar(new.why)}")
    for key, values in (("aliases", new.aliases), ("links", new.links)):
        if values:
            lines.append(f"{key}: {flow_list(list(values))}")
    if new.birthday:
        lines.append(f"birthday: {new.birthday}")  # ISO or --MM-DD, checked by the parse below
    lines += [f"{key}: {value.isoformat() if isinstance(value, dt.date) else scalar(value)}"
              for key, value in new.extra]
    # Empty (null) lists: the user types "  - 2025-01-10 ..." under them.
    lines += ["give:", "take:", "touch:", "---", ""]
    if new.body:
        lines += [line.rstrip() for line in new.body.strip().splitlines()] + [""]
    return "\n".join(lines)


def add_contact(root: Path, config: Config, new: NewContact) -> Path:
    """Create the contact's file in the first contacts folder; never overwrite.

    A name that is already a contact file anywhere in the vault, ignoring case
    and Unicode normalisation, is refused. The new file is parsed before it
    is created, so what ``add`` writes always reads back as what was asked.
    """
    from notebook_tool.write.writer import refuse_bad_config, vault_lock

    try:
        stem = file_stem(new.name)
    except NameError_ as exc:
        raise GuanxiError(str(exc)) from None
    refuse_bad_config(root)
    # The collision check and the creation run under the vault lock, so twelve
    # concurrent `add`s of case variants of one name make exactly one file.
    with vault_lock(root):
        return _add_locked(root, config, new, stem)


def _add_locked(root: Path, config: Config, new: NewContact, stem: str) -> Path:
    from notebook_tool.read.parse import parse_contact
    from notebook_tool.read.vault import contact_paths

    key = same_name_key(stem)
    paths, _ = contact_paths(root, config)
    for rel in paths:
        if same_name_key(path_stem(rel)) == key:
            raise GuanxiError(f"{rel} already exists: {new.name!r} is already a contact")
    folder = root / (config.contacts[0] if config.contacts else ".")
    safe_target(root, folder).mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.md"
    data = contact_text(new, stem).encode("utf-8")
    rel = path.relative_to(root).as_posix()
    check = parse_contact(data, rel, config.max_front_matter)
    bad = [p for p in check.problems if p.severity == "error"]
    if bad:  # e.g. --birthday 'June 14': say what, not just "would not read back"
        raise GuanxiError(f"cannot add {new.name!r}: " + "; ".join(p.message for p in bad))
    if check.contact is None or check.contact.name != clean_name(new.name):
        raise GuanxiError(f"cannot write {rel}: the new file would not read back as {new.name!r}")
    _create_new(safe_target(root, path), data)
    return path


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def add_warnings(root: Path, new: NewContact) -> list[str]:
    """What ``add`` should point out without refusing: an unknown ``--via``, an email that is not one."""
    from notebook_tool.core.text import fold
    from notebook_tool.read.entries import links_in
    from notebook_tool.read.names import completion_names

    out = [f"{e!r} does not look like an email address" for e in new.emails if not _EMAIL.match(e.strip())]
    if new.via:
        known = {fold(c.value) for c in completion_names(root, "")}
        for name in links_in(new.via) or (new.via.strip(),):
            if fold(name) not in known:
                out.append(f"--via {name!r} is not a contact yet (guanxi add {shlex.quote(name)})")
    return out


def add_contacts(root: Path, config: Config, news: list[NewContact],
                 progress: Callable[[int], None] | None = None) -> list[tuple[NewContact, Path | str]]:
    """Create many contact files (an import) with one walk of the vault, never overwriting.

    Each result is the new file's path, or the reason it was not created (a
    name that is already a contact, a name that cannot be a file name, a file
    that would not read back as asked): one refused person never stops the rest.
    """
    from notebook_tool.read.parse import parse_contact
    from notebook_tool.read.vault import contact_paths
    from notebook_tool.write.writer import refuse_bad_config

    refuse_bad_config(root)  # as add: never write under settings that could point outside the vault
    paths, _ = contact_paths(root, config)
    taken = {same_name_key(path_stem(rel)): rel for rel in paths}
    folder = root / (config.contacts[0] if config.contacts else ".")
    safe_target(root, folder).mkdir(parents=True, exist_ok=True)
    out: list[tuple[NewContact, Path | str]] = []
    for i, new in enumerate(news, 1):
        if progress is not None:
            progress(i)
        try:
            stem = file_stem(new.name)
        except NameError_ as exc:
            out.append((new, str(exc)))
            continue
        key = same_name_key(stem)
        if key in taken:
            out.append((new, f"{taken[key]} already exists: {new.name!r} is already a contact"))
            continue
        path = folder / f"{stem}.md"
        rel = path.relative_to(root).as_posix()
        data = contact_text(new, stem).encode("utf-8")
        check = parse_contact(data, rel, config.max_front_matter)
        if check.contact is None or check.contact.name != clean_name(new.name) or any(
            p.severity == "error" for p in check.problems
        ):
            out.append((new, f"cannot write {rel}: the new file would not read back as {new.name!r}"))
            continue
        try:
            _create_new(safe_target(root, path), data, sync=False)
        except (GuanxiError, OSError) as exc:
            out.append((new, str(exc)))
            continue
        taken[key] = rel
        out.append((new, path))
    # One flush for the batch instead of one fsync per file (20,000 fsyncs take a minute).
    if hasattr(os, "sync"):
        os.sync()
    fsync_dir(folder)
    return out


def _create_new(path: Path, data: bytes, sync: bool = True) -> None:
    """Create ``path`` whole, and never over a file that appeared since the check."""
    try:
        with atomic_file(path, exclusive=True, sync=sync) as f:
            f.write(data)
    except FileExistsError:
        raise GuanxiError(f"{path.name} already exists") from None
