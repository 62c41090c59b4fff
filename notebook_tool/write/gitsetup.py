"""Setting Guanxi's merge drivers up in a vault: ``.gitattributes`` (shared by every
clone) and the driver commands in this clone's git config.
"""

from __future__ import annotations

from pathlib import Path

from notebook_tool.read.gitrepo import ATTRIBUTES_HEADER, attribute_lines, driver_settings, in_git_work_tree, run_git


def write_gitattributes(folder: Path) -> bool:
    """Add Guanxi's lines to ``.gitattributes`` when missing; True when the file changed."""
    from notebook_tool.write.fsio import add_missing_lines

    return add_missing_lines(folder / ".gitattributes", attribute_lines(folder), ATTRIBUTES_HEADER)


def register_merge_driver(folder: Path) -> bool:
    """Register the drivers in this clone's git config; True when something was set."""
    if not in_git_work_tree(folder):
        return False
    changed = False
    for key, value in driver_settings().items():
        if run_git(folder, "config", "--local", "--get", key).stdout.rstrip("\n") != value:
            run_git(folder, "config", "--local", key, value)
            changed = True
    return changed
