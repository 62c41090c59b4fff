"""Finding a vault, listing its contact files, and reading them all.

This is the I/O edge of reading: everything after it (summaries, attention,
pages) is a pure function of the :class:`Vault` it returns. ``read_file`` is
the one place a single contact file is read, so the index, the cache and the
watcher all see a file the same way.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import FileResult, Problem, Vault
from notebook_tool.read.config import load_config

ENV_VAR = "GUANXI_VAULT"
STATE_DIR = ".guanxi"


def find_vault(option: str | os.PathLike[str] | None = None, cwd: Path | None = None,
               environ: Mapping[str, str] | None = None) -> Path:
    """``--vault``, else ``$GUANXI_VAULT``, else the nearest ``guanxi.toml`` upward.

    Without any of these there is no vault, and :class:`NoVault` says how to
    start one: a folder that merely happens to be the working directory is
    never taken for a vault (``cd ~ && guanxi add ...`` would write into it).
    """
    if option:
        return Path(option).expanduser().resolve()
    env = (environ if environ is not None else os.environ).get(ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise NoVault(here)


class NoVault(GuanxiError):
    """No ``guanxi.toml`` here or above, and no ``--vault`` / ``$GUANXI_VAULT``."""

    def __init__(self, here: Path) -> None:
        super().__init__(
            f"no vault here: neither {here} nor a folder above it holds {CONFIG_NAME}.\n"
            f"  Start one with `guanxi init` (here) or `guanxi init DIR`, or name a vault with "
            f"--vault DIR or ${ENV_VAR}.")
        self.here = here


def _is_inside(root: Path, target: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def contact_paths(root: Path, config: Config,
                  folders: set[str] | None = None) -> tuple[list[str], list[Problem]]:
    """Relative ``/`` paths of every contact file, sorted; and walk problems.

    ``folders``, when given, receives every folder whose listing decides the
    answer (those walked, and those holding each top), for the cache's
    folder stamps: while none of them changes, neither does the answer.

    Hidden folders and files and the output folder are skipped. Nothing else
    vanishes silently: symlinks that leave the vault (or are broken), folders
    that cannot be listed, file names that are not valid text, and file names
    that collide on a case-insensitive or normalising file system (macOS,
    Windows: a git checkout there keeps only one of the files) are reported.
    """
    root = root.resolve()
    tops = config.contacts if config.contacts is not None else (".",)
    output = config.output.strip("/")
    found: set[str] = set()
    problems: list[Problem] = []
    for top in tops:
        base = (root / top) if top != "." else root
        if folders is not None:
            parts = [] if top == "." else top.strip("/").split("/")
            folders.update("/".join(parts[:i]) for i in range(len(parts)))  # they say if the top exists
        if not base.is_dir():
            if folders is not None:
                folders.add("" if top == "." else top.strip("/"))
            if config.contacts is not None:
                problems.append(Problem(CONFIG_NAME, 1, f"contacts folder {top!r} does not exist", None, "warning"))
            continue
        if not _is_inside(root, base.resolve()):
            # '../elsewhere' or a symlink out: the vault is the boundary.
            problems.append(Problem(CONFIG_NAME, 1, f"contacts folder {top!r} is outside the vault; not read"))
            continue

        def unreadable(exc: OSError) -> None:
            where = os.path.relpath(exc.filename, root).replace(os.sep, "/") if exc.filename else top
            problems.append(Problem(_printable(where), 1, f"cannot read folder: {exc.strerror or exc}"))

        for dirpath, dirnames, filenames in walk(str(base), unreadable):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            if folders is not None:
                folders.add(rel_dir.rstrip("/"))
            links = _symlinks(dirpath)
            # Prune in place so os.walk never descends into them.
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and f"{rel_dir}{d}" != output
                and f"{rel_dir}{d}" not in config.notes  # notes are read as notes (read/notefiles.py)
                and _valid_name(f"{rel_dir}{d}", problems)
                and not ((links is None or d in links) and _leaves(root, Path(dirpath) / d, f"{rel_dir}{d}", problems))
            )
            for name in filenames:
                if name.startswith(".") or not name.lower().endswith(".md"):
                    continue
                rel = f"{rel_dir}{name}"
                if not _valid_name(rel, problems):
                    continue
                if (links is None or name in links) and _leaves(root, Path(dirpath) / name, rel, problems):
                    continue
                found.add(rel)
    problems.extend(_collisions(found))
    return sorted(found), problems


def walk(top: str, onerror: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=onerror)`` (top-down, prune ``dirnames`` in place, symlinked
    folders listed but not entered) without recursion: Python 3.11's ``os.walk``
    recurses, and a folder chain ~1,000 deep (git clones one) hit the recursion limit."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            onerror(exc)
            continue
        dirs: list[str] = []
        files: list[str] = []
        linked: set[str] = set()
        for e in entries:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                dirs.append(e.name)
                try:
                    if e.is_symlink():
                        linked.add(e.name)
                except OSError:
                    linked.add(e.name)
            else:
                files.append(e.name)
        yield folder, dirs, files
        stack.extend(os.path.join(folder, d) for d in reversed(dirs) if d not in linked)


def _symlinks(folder: str) -> set[str] | None:
    """The names in ``folder`` that are symlinks, or ``None`` if it cannot be listed.

    One listing, where ``DirEntry.is_symlink`` needs no system call on most
    file systems: an ``lstat`` per file (``Path.is_symlink``) was ~5 µs a file.
    """
    try:
        with os.scandir(folder) as it:
            return {e.name for e in it if e.is_symlink()}
    except OSError:
        return None


def _printable(rel: str) -> str:
    """A path that can be printed: undecodable bytes shown as ``\\xNN``."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _valid_name(rel: str, problems: list[Problem]) -> bool:
    """False (and an error) for a name whose bytes are not UTF-8.

    Such a name decodes to lone surrogates, which no page, terminal or JSON
    output can encode: it would crash every command instead of one file
    failing.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        problems.append(Problem(_printable(rel), 1, "file name is not valid UTF-8; rename it to be read"))
        return False
    return True


def _collisions(found: set[str]) -> list[Problem]:
    """Errors for names equal up to case or Unicode normalisation (NFC/NFD).

    ``Alice.md`` and ``alice.md``, or ``Zoë.md`` typed two ways, are two files
    on Linux but one on macOS and Windows, where a checkout silently loses
    one; and the spec makes names that differ only in case one contact.
    """
    groups: dict[str, list[str]] = {}
    for rel in found:
        groups.setdefault(unicodedata.normalize("NFC", rel).casefold(), []).append(rel)
    out = []
    for paths in groups.values():
        if len(paths) > 1:
            for p in sorted(paths):
                others = ", ".join(q for q in sorted(paths) if q != p)
                out.append(Problem(p, 1, f"file name collides with {others} (equal ignoring case or "
                                         "Unicode normalisation; one is lost on macOS and Windows); rename one"))
    return out


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


def read_file(root: Path, rel: str, config: Config, data: bytes | None = None) -> FileResult:
    """Read and parse one contact file (the single entry point for all readers).

    ``data`` is the file's bytes when the caller already read them (the
    cache reads, stats and hashes a file once, then parses it here).
    """
    from notebook_tool.read import fastpath  # here: commands that read nothing (show via the cache) skip it

    if data is None:
        try:
            data = (root / rel).read_bytes()
        except OSError as exc:
            return FileResult(rel, None, (Problem(rel, 1, f"cannot read file: {exc.strerror or exc}"),))
    if fastpath.ENABLED:
        # The common shape, read line by line; proven equal to parse_contact,
        # which reads everything else (tests/test_incremental_fastpath.py).
        fast = fastpath.parse_fast(data, rel, config.max_front_matter)
        if fast is not None:
            return fast
    from notebook_tool.read.parse import parse_contact  # only now: most files need no YAML parser

    return parse_contact(data, rel, config.max_front_matter)


def load_vault(root: Path, progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> Vault:
    """Read every contact file of the vault at ``root`` (no cache: see ``store.incremental.cached_vault``).

    ``progress`` wraps the iteration over the files that must be read (a
    progress bar on a terminal).
    """
    root = root.resolve()
    config, problems = load_config(root)
    paths, walk_problems = contact_paths(root, config)
    problems.extend(walk_problems)
    it: Iterable[str] = progress(paths) if progress else paths
    results = tuple(read_file(root, rel, config) for rel in it)
    vault = Vault(root, config, results, tuple(problems))
    if config.notes:  # dated notes that name people count as touches with them
        from notebook_tool.read.notefiles import read_notes
        from notebook_tool.read.notetouch import NoteIndex

        vault = NoteIndex.of(read_notes(root, config)).apply(vault)
    return vault
