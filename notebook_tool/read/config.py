"""``guanxi.toml``: which folders hold contacts, where pages go, and thresholds.

Read with :mod:`tomllib`. An unknown key is a warning and a value of the
wrong type an error naming the key; either way the defaults stand in, so a
typo in the config never stops the vault from indexing.

Layout (every key optional)::

    contacts = ["people"]      # folders that hold contact files
    output = "_index"          # where generated pages go
    cadence = "90d"            # default keep-in-touch cadence
    half_life = "2y"           # optional: favours weigh less with age
    max_front_matter = 65536   # bytes; larger front matter is refused
    notes = ["notes", "daily"] # optional: folders of dated notes that count as touches

    [tags]                     # cadence per tag (the shortest wins)
    family = "14d"

    [attention]
    owe_band = 0               # balance must be below -owe_band to fire
    promise_grace = "7d"
    new_connection = "30d"
    birthday_window = "14d"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.durations import DurationError, parse_days
from notebook_tool.core.model import Problem

_TOP = {"contacts", "output", "cadence", "half_life", "max_front_matter", "tags", "attention", "notes"}
_ATTENTION = {"owe_band", "promise_grace", "new_connection", "birthday_window"}
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def _key_line(text: str, key: str) -> int:
    """Best-effort line of ``key = …`` (tomllib reports no positions)."""
    pat = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=|^\s*\[\s*{re.escape(key)}\s*\]")
    for i, line in enumerate(text.splitlines(), 1):
        if pat.match(line):
            return i
    return 1


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    """Read ``root/guanxi.toml``; a missing file gives the defaults."""
    path = root / CONFIG_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(), []
    except OSError as exc:
        return Config(), [Problem(CONFIG_NAME, 1, f"cannot read: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        return Config(), [Problem(CONFIG_NAME, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, None)
        msg = _TOML_POS.sub("", msg).strip()
        return Config(), [Problem(CONFIG_NAME, line, f"invalid TOML: {msg}", col)]
    return config_from_mapping(data, text)


def config_from_mapping(data: dict[str, Any], text: str = "") -> tuple[Config, list[Problem]]:
    """Validate a parsed config mapping, collecting problems key by key."""
    problems: list[Problem] = []
    kw: dict[str, Any] = {}

    def err(key: str, msg: str, severity: str = "error") -> None:
        problems.append(Problem(CONFIG_NAME, _key_line(text, key.split(".")[-1]), msg, None, severity))  # type: ignore[arg-type]

    for key in sorted(set(data) - _TOP):
        err(key, f"unknown key {key!r} (ignored)", "warning")

    if "contacts" in data:
        v = data["contacts"]
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            bad = [x for x in v if Path(x).is_absolute() or ".." in Path(x).parts]
            if bad:
                err("contacts", f"'contacts' must name folders inside the vault, got {bad[0]!r}")
            else:
                kw["contacts"] = tuple(x.strip("/") or "." for x in v)
        else:
            err("contacts", "'contacts' must be a list of folder names")
    if "notes" in data:  # folders of meeting and daily notes (read only; see docs/notes.md)
        v = data["notes"]
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and all(isinstance(x, str) and x.strip("/") for x in v):
            bad = [x for x in v if Path(x).is_absolute() or ".." in Path(x).parts or x.strip("/") == "."]
            if bad:
                err("notes", f"'notes' must name folders inside the vault, got {bad[0]!r}")
            else:
                kw["notes"] = tuple(dict.fromkeys(x.strip("/") for x in v))
        else:
            err("notes", "'notes' must be a list of folder names")
    if "output" in data:
        v = data["output"]
        if isinstance(v, str) and v.strip("/") and not Path(v).is_absolute() and ".." not in Path(v).parts:
            kw["output"] = v.strip("/")
        else:
            err("output", "'output' must be a folder name inside the vault")

    def days(key: str, value: Any, target: str, label: str) -> None:
        try:
            kw[target] = parse_days(value)
        except DurationError as exc:
            err(key, f"{label!r}: {exc}")

    if "cadence" in data:
        days("cadence", data["cadence"], "cadence_days", "cadence")
    if "half_life" in data:
        days("half_life", data["half_life"], "half_life_days", "half_life")
        if kw.get("half_life_days") == 0:
            err("half_life", "'half_life' must be longer than 0 days")
            kw.pop("half_life_days")
    if "max_front_matter" in data:
        v = data["max_front_matter"]
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            kw["max_front_matter"] = v
        else:
            err("max_front_matter", "'max_front_matter' must be a positive number of bytes")
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, dict):
            err("tags", "'tags' must be a table of tag = cadence")
        else:
            pairs: dict[str, int] = {}
            for tag, value in sorted(tags.items()):
                try:
                    pairs[tag.casefold()] = parse_days(value)
                except DurationError as exc:
                    err(tag, f"'tags.{tag}': {exc}")
            kw["tag_cadence"] = tuple(sorted(pairs.items()))
            kw["tag_cadence_map"] = pairs
    if "attention" in data:
        att = data["attention"]
        if not isinstance(att, dict):
            err("attention", "'attention' must be a table")
        else:
            for key in sorted(set(att) - _ATTENTION):
                err(key, f"unknown key 'attention.{key}' (ignored)", "warning")
            if "owe_band" in att:
                v = att["owe_band"]
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
                    kw["owe_band"] = float(v)
                else:
                    err("owe_band", "'attention.owe_band' must be a number ≥ 0")
            for key, target in (
                ("promise_grace", "promise_grace_days"),
                ("new_connection", "new_connection_days"),
                ("birthday_window", "birthday_window_days"),
            ):
                if key in att:
                    days(key, att[key], target, f"attention.{key}")
    return Config(**kw), problems
