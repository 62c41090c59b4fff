"""The generated pages beyond attention and reciprocity, rendered from the whole vault.

Each entry maps a file name in the output folder to ``"module:function"``; the
function is ``(vault, today, link_base) -> str`` and pure. ``guanxi index``
and ``guanxi watch`` write every page listed here whose module exists, so a
feature adds its page by adding its module (the names are listed up front so
that features built side by side never edit the same line).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

from notebook_tool.core.model import Vault

PageFunction = Callable[[Vault, dt.date, str], str]

EXTRA_PAGES: dict[str, str] = {
    "introductions.md": "notebook_tool.render.introductions:page",
    "network.md": "notebook_tool.render.network:page",
    "guanxi.ics": "notebook_tool.render.calendar:page",
}


def extra_page_functions() -> dict[str, PageFunction]:
    """The extra pages that are built, by file name."""
    out: dict[str, PageFunction] = {}
    for name, target in EXTRA_PAGES.items():
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # that feature is not built
                continue
            raise
        out[name] = getattr(mod, attr)
    return out


def extra_pages(vault: Vault, today: dt.date, link_base: str) -> dict[str, str]:
    """Every extra page's text, by file name."""
    return {name: render(vault, today, link_base) for name, render in extra_page_functions().items()}
