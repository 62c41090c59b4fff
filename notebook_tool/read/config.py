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

    [introductions]            # needs/offers matching (docs/network.md)
    synonyms = [["sre", "site reliability"], ["vc", "venture capital", "investor"]]
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.durations import DurationError, parse_days
from notebook_tool.core.model import Problem

_TOP = {"contacts", "output", "cadence", "half_life", "max_front_matter", "tags", "attention", "notes",
        "introductions"}
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
        return _on_disk(root, Config(), [], "")
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
    config, problems = config_from_mapping(data, text)
    return _on_disk(root, config, problems, text)


def _on_disk(root: Path, config: Config, problems: list[Problem], text: str) -> tuple[Config, list[Problem]]:
    disk = check_folders_on_disk(root, config)
    if disk:  # the defaults stand in for a folder setting that cannot be used
        lines = {"output": _key_line(text, "output")}
        problems += [Problem(p.path, lines["output"], p.message) for p in disk]
        from dataclasses import replace

        if config.output != Config().output:
            config = replace(config, output=Config().output)
    return config, problems


def config_errors(problems: list[Problem]) -> list[Problem]:
    """The errors (not warnings) among a config's problems: writes refuse to run on them."""
    return [p for p in problems if p.severity == "error"]


# A folder path longer than this is refused: the files under it could not be
# opened on most systems (PATH_MAX is 4096 with the vault's own path before it).
MAX_FOLDER_PATH = 255


def folder_name_problem(value: str) -> str:
    """Why a configured folder name cannot be used ('' when it can).

    Refused: NUL and other control characters (no file system or
    ``.gitattributes`` line can hold them), a ``.git`` or ``.guanxi``
    component (git's own folder and the machine-local one), and names
    longer than :data:`MAX_FOLDER_PATH`.
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "holds a control character (NUL, a line break, a tab…); use a plain folder name"
    if len(value) > MAX_FOLDER_PATH:
        return f"is {len(value)} characters long; at most {MAX_FOLDER_PATH}"
    parts = [q for q in value.replace("\\", "/").split("/") if q]
    if any(q.casefold() in (".git", ".guanxi") for q in parts):
        return "names git's or Guanxi's own folder; use a folder of its own"
    return ""


def check_folders_on_disk(root: Path, config: Config) -> list[Problem]:
    """The output folder as the vault on disk makes it: a file, or a symlink out of the
    vault or into ``.git``. (A contacts folder that leads out is the vault walk's
    problem: it is reported there and not read.)"""
    problems: list[Problem] = []
    real_root = root.resolve()
    named = [("output", config.output)]
    for key, rel in named:
        path = root / rel
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:
            problems.append(Problem(CONFIG_NAME, 1, f"'{key}' {rel!r} cannot be resolved ({exc})"))
            continue
        try:
            inside = real.relative_to(real_root)
        except ValueError:
            problems.append(Problem(CONFIG_NAME, 1, f"'{key}' {rel!r} leads outside the vault (to {real}) "
                                                    "through a symlink; Guanxi never writes there"))
            continue
        if ".git" in inside.parts:
            problems.append(Problem(CONFIG_NAME, 1, f"'{key}' {rel!r} leads into the vault's .git folder"))
        elif path.exists() and not path.is_dir():
            problems.append(Problem(CONFIG_NAME, 1, f"'{key}' {rel!r} is a file, not a folder"))
    return problems


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
            odd = [(x, why) for x in v if (why := folder_name_problem(x))]
            if bad:
                err("contacts", f"'contacts' must name folders inside the vault, got {bad[0]!r}")
            elif odd:
                err("contacts", f"'contacts' folder {odd[0][0]!r}: {odd[0][1]}")
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
            if why := folder_name_problem(v) or (
                    "is the vault itself; pages would be read back as contacts" if v.strip("/") == "." else ""):
                err("output", f"'output' {v!r}: {why}")
            else:
                kw["output"] = v.strip("/")
        else:
            err("output", "'output' must be a folder name inside the vault")
    if "output" in kw and "contacts" in kw:
        out = kw["output"]
        for top in kw["contacts"]:
            if top == "." or out == top or out.startswith(top + "/") or top.startswith(out + "/"):
                err("output", f"'output' {out!r} overlaps the contacts folder {top!r}: pages would be "
                              "read back as contacts (use a folder of its own, such as '_index')")
                kw.pop("output")
                break

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
    if "introductions" in data:
        _introductions(data["introductions"], kw, err)
    return Config(**kw), problems


def _introductions(section: Any, kw: dict[str, Any], err: Any) -> None:
    """``[introductions]``: ``synonyms``, a list of groups, each a list of two or more phrases."""
    if not isinstance(section, dict):
        err("introductions", "'introductions' must be a table")
        return
    for key in sorted(set(section) - {"synonyms"}):
        err(key, f"unknown key 'introductions.{key}' (ignored)", "warning")
    if "synonyms" not in section:
        return
    groups = section["synonyms"]
    ok = isinstance(groups, list) and all(
        isinstance(g, list) and len(g) >= 2 and all(isinstance(p, str) and p.strip() for p in g) for g in groups)
    if not ok:
        err("synonyms", "'introductions.synonyms' must be a list of groups, each a list of two or more "
                        'phrases, e.g. [["sre", "site reliability"]]')
        return
    kw["synonyms"] = tuple(tuple(p.strip() for p in g) for g in groups)
