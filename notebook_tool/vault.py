"""Finding a vault, listing its contact files, and reading them all.

This is the I/O edge of reading: everything after it (summaries, attention,
pages) is a pure function of the :class:`Vault` it returns. ``read_file`` is
the one place a single contact file is read, so the index, the cache and the
watcher all see a file the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .config import CONFIG_NAME, Config, load_config
from .model import Contact, FileResult, Problem
from .parse import parse_contact

ENV_VAR = "GUANXI_VAULT"
STATE_DIR = ".guanxi"


@dataclass(frozen=True, slots=True)
class Vault:
    """A vault as read: its settings, every file's result, and vault-wide problems."""

    root: Path
    config: Config
    results: tuple[FileResult, ...]
    problems: tuple[Problem, ...] = ()  # config and walk problems (not per file)

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return tuple(r.contact for r in self.results if r.contact is not None)

    def all_problems(self) -> list[Problem]:
        """Every problem, vault-wide first, then per file, in path/line order."""
        out = list(self.problems)
        for r in self.results:
            out.extend(r.problems)
        return sorted(out, key=lambda p: (p.path, p.line, p.col or 0, p.message))


def find_vault(option: str | os.PathLike[str] | None = None, cwd: Path | None = None,
               environ: Mapping[str, str] | None = None) -> Path:
    """``--vault``, else ``$GUANXI_VAULT``, else the nearest ``guanxi.toml`` upward, else cwd."""
    if option:
        return Path(option).expanduser().resolve()
    env = (environ if environ is not None else os.environ).get(ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return here


def _is_inside(root: Path, target: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def contact_paths(root: Path, config: Config) -> tuple[list[str], list[Problem]]:
    """Relative ``/`` paths of every contact file, sorted; and walk problems.

    Hidden folders and files, the output folder, and symlinks that leave the
    vault are skipped (the last with a warning, so nothing vanishes silently).
    """
    root = root.resolve()
    tops = config.contacts if config.contacts is not None else (".",)
    output = config.output.strip("/")
    found: set[str] = set()
    problems: list[Problem] = []
    for top in tops:
        base = (root / top) if top != "." else root
        if not base.is_dir():
            if config.contacts is not None:
                problems.append(Problem(CONFIG_NAME, 1, f"contacts folder {top!r} does not exist", None, "warning"))
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            # Prune in place so os.walk never descends into them.
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and f"{rel_dir}{d}" != output
                and not _leaves(root, Path(dirpath) / d, f"{rel_dir}{d}", problems)
            )
            for name in filenames:
                if name.startswith(".") or not name.lower().endswith(".md"):
                    continue
                rel = f"{rel_dir}{name}"
                if _leaves(root, Path(dirpath) / name, rel, problems):
                    continue
                found.add(rel)
    return sorted(found), problems


def _leaves(root: Path, path: Path, rel: str, problems: list[Problem]) -> bool:
    """True (and a warning) for a symlink whose target is outside the vault."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        problems.append(Problem(rel, 1, "broken symlink; not read", None, "warning"))
        return True
    if not _is_inside(root, target):
        problems.append(Problem(rel, 1, "symlink points outside the vault; not followed", None, "warning"))
        return True
    # A symlinked folder inside the vault would be read twice; os.walk does not
    # follow it, and that is what we want.
    return path.is_dir()


def read_file(root: Path, rel: str, config: Config) -> FileResult:
    """Read and parse one contact file (the single entry point for all readers)."""
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        return FileResult(rel, None, (Problem(rel, 1, f"cannot read file: {exc.strerror or exc}"),))
    return parse_contact(data, rel, config.max_front_matter)


def load_vault(root: Path, progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> Vault:
    """Read every contact file of the vault at ``root``.

    ``progress`` wraps the iteration over paths (a progress bar on a terminal).
    """
    root = root.resolve()
    config, problems = load_config(root)
    paths, walk_problems = contact_paths(root, config)
    problems.extend(walk_problems)
    it: Iterable[str] = progress(paths) if progress else paths
    results = tuple(read_file(root, rel, config) for rel in it)
    return Vault(root, config, results, tuple(problems))
