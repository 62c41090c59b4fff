"""What a clone's git says about Guanxi's merge drivers: their names, the lines
``.gitattributes`` needs, and whether this clone has registered them.

Reads only (``git config --get``, ``git rev-parse``); setting the drivers up
is :mod:`notebook_tool.write.gitsetup`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from notebook_tool.core.errors import GuanxiError

DRIVER = "guanxi"
GENERATED_DRIVER = "guanxi-generated"
ATTRIBUTES_HEADER = "# Guanxi: merge contact files entry by entry; generated pages never block a merge (docs/git.md)"


def driver_command(generated: bool = False) -> str:
    """The command git runs; this interpreter, so it works whatever PATH git sees."""
    import shlex
    import sys

    flag = " --generated" if generated else ""
    return f"{shlex.quote(sys.executable)} -m notebook_tool merge-driver{flag} --marker-size=%L %O %A %B %P"


def attribute_lines(folder: Path) -> list[str]:
    """The .gitattributes lines for this vault's contact folders and output folder."""
    from notebook_tool.read.config import config_errors, load_config

    config, problems = load_config(folder)
    if errors := config_errors(problems):
        # The defaults standing in would route the wrong folders: say so instead.
        raise UnsafeFolderName("\n".join(p.format() for p in errors)
                               + "\n(fix guanxi.toml first; .gitattributes was not written)")

    def pattern(rel: str) -> str:
        return attribute_pattern(rel)

    lines = []
    if config.contacts is None:
        lines.append(f"*.md merge={DRIVER}")
    else:
        lines += [f"{pattern(top)}/**/*.md merge={DRIVER}" for top in config.contacts if top not in (".", "")]
        if any(top in (".", "") for top in config.contacts):
            lines.append(f"*.md merge={DRIVER}")
    # Later lines win: pages are rebuilt by `guanxi index`, so keep ours.
    lines.append(f"{pattern(config.output)}/** merge={GENERATED_DRIVER}")
    return lines


# Characters a .gitattributes pattern would read as syntax: each becomes a
# literal by a backslash (wildmatch); a space, which ends the pattern, a class.
_PATTERN_CHARS = {" ": "[[:space:]]", **{c: "\\" + c for c in '*?[]\\!#"'}}


class UnsafeFolderName(GuanxiError, ValueError):
    """A folder name no .gitattributes line can say (a line break, a control character)."""


def attribute_pattern(rel: str) -> str:
    """``rel`` (a folder) as a .gitattributes pattern matching exactly it; refused when it
    holds a character a pattern line cannot hold (``guanxi init`` reports it)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in rel):
        raise UnsafeFolderName(f"folder name {rel!r} holds a control character or line break; "
                               "rename it (it cannot be written into .gitattributes)")
    return "".join(_PATTERN_CHARS.get(c, c) for c in rel.strip("/"))


def run_git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)


def in_git_work_tree(folder: Path) -> bool:
    try:
        return run_git(folder, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"
    except OSError:  # git is not installed
        return False


def driver_settings() -> dict[str, str]:
    return {
        f"merge.{DRIVER}.name": "Guanxi contact files: entries as a union, fields three-way",
        f"merge.{DRIVER}.driver": driver_command(),
        f"merge.{GENERATED_DRIVER}.name": "Guanxi generated pages: keep ours, then run guanxi index",
        # Not `true`: a repository may route any path here; the driver keeps ours
        # only for a page in the output folder and merges anything else normally.
        f"merge.{GENERATED_DRIVER}.driver": driver_command(generated=True),
    }


def driver_registered(folder: Path) -> bool:
    return bool(run_git(folder, "config", "--get", f"merge.{DRIVER}.driver").stdout.strip())


def driver_missing_program(folder: Path) -> str | None:
    """The registered driver's program when it no longer exists (a moved or deleted venv)."""
    import os
    import shlex
    import shutil

    command = run_git(folder, "config", "--get", f"merge.{DRIVER}.driver").stdout.strip()
    try:
        program = shlex.split(command)[0] if command else ""
    except ValueError:
        return None
    if not program:
        return None
    found = os.path.exists(program) if os.sep in program else shutil.which(program) is not None
    return None if found else program
