"""Writing the generated pages: the seam where rendered text meets the disk.

``guanxi index`` (a full render) and ``guanxi watch`` (kept rows, see
:class:`~notebook_tool.render.live.LivePages`) both hand their page texts
here, so a page is written the same way whoever rendered it: atomically, and
only when its bytes change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from notebook_tool.write.fsio import safe_target, write_if_changed


def write_pages(root: Path, output: str, texts: Mapping[str, str | bytes | bytearray]) -> tuple[str, ...]:
    """Write each page into ``root/output``; returns the vault-relative paths whose bytes changed.

    Each page's real path is checked first (:func:`~notebook_tool.write.fsio.safe_target`):
    an output folder that is a symlink out of the vault or into ``.git`` raises
    :class:`~notebook_tool.write.fsio.UnsafePath` and nothing is written.
    """
    targets = {name: safe_target(root, root / output / name) for name in texts}
    return tuple(f"{output}/{name}" for name, text in texts.items()
                 if write_if_changed(targets[name], text))
