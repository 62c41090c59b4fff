"""The generated pages beyond attention and reciprocity, rendered from the whole vault.

Each entry maps a file name in the output folder to ``"module:function"``; the
function is ``(vault, today, link_base) -> str`` and pure. ``guanxi index``
and ``guanxi watch`` write every page listed here whose module exists, so a
feature adds its page by adding its module (the names are listed up front so
that features built side by side never edit the same line).

A page module may also define ``inputs(contact, today, config)``: what of one
person the page reads, as plain JSON data (None: nothing). The store keeps it
per person, so after an edit a page whose inputs are all unchanged is not
rendered again (an early cutoff, as a build system has); and with
``page_of(inputs, today, config, link_base)`` — the same text from everyone's
inputs — a page whose inputs changed is rendered from the store without
reading every contact back. With ``page_and_cutoff`` (``page_of`` and plain
data about the result) and ``unchanged(cutoff, changes, config)``, a change
that provably cannot move the page (each person's inputs before and after)
does not render it either.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from notebook_tool.core.config import Config
from notebook_tool.core.model import Contact, Vault

PageFunction = Callable[[Vault, dt.date, str], str]
InputsFunction = Callable[[Contact, dt.date, Config], Any]
PageOfInputs = Callable[[list[Any], dt.date, Config, str], str]

EXTRA_PAGES: dict[str, str] = {
    "introductions.md": "notebook_tool.render.introductions:page",
    "network.md": "notebook_tool.render.network:page",
    "guanxi.ics": "notebook_tool.render.calendar:page",
}


def _modules() -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    for name, target in EXTRA_PAGES.items():
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # that feature is not built
                continue
            raise
        out[name] = (mod, attr)
    return out


def extra_page_functions() -> dict[str, PageFunction]:
    """The extra pages that are built, by file name."""
    return {name: getattr(mod, attr) for name, (mod, attr) in _modules().items()}


class PageInputHooks(NamedTuple):
    """What a page module that says what it reads of each person defines (see the module docstring)."""

    inputs: InputsFunction
    page_of: PageOfInputs | None
    page_and_cutoff: Callable[[list[Any], dt.date, Config, str], tuple[str, Any]] | None
    unchanged: Callable[[Any, list[tuple[Any, Any]], Config], bool] | None


def extra_page_inputs() -> dict[str, PageInputHooks]:
    """The extra pages that say what they read of each person, with their hooks."""
    return {name: PageInputHooks(mod.inputs, getattr(mod, "page_of", None), getattr(mod, "page_and_cutoff", None),
                                 getattr(mod, "unchanged", None))
            for name, (mod, _) in _modules().items() if hasattr(mod, "inputs")}


def extra_pages(vault: Vault, today: dt.date, link_base: str) -> dict[str, str]:
    """Every extra page's text, by file name."""
    return {name: render(vault, today, link_base) for name, render in extra_page_functions().items()}
