"""Writing one YAML scalar so that it reads back exactly as given.

Used wherever Guanxi writes a value into a user's file (``add``, the entry
writer): plain when YAML would read the plain text back unchanged, else
double-quoted (a JSON string is a valid YAML double-quoted scalar).
"""

from __future__ import annotations

import json

import yaml

try:
    _Loader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def reads_back(text: str, expected: object) -> bool:
    try:
        return yaml.load(f"k: {text}\n", Loader=_Loader) == {"k": expected}
    except yaml.YAMLError:
        return False


def scalar(value: str) -> str:
    """``value`` as a YAML scalar on one line, plain if that is safe."""
    if value and "\n" not in value and value == value.strip() and " #" not in value and reads_back(value, value):
        return value
    return json.dumps(value, ensure_ascii=False)


def flow_list(values: list[str]) -> str:
    """``[a, "b: c"]`` — each item quoted only when it must be."""
    items = []
    for v in values:
        s = scalar(v)
        # Inside [...] a comma or bracket in a plain scalar would split the item.
        if s == v and any(ch in v for ch in ",[]{}"):
            s = json.dumps(v, ensure_ascii=False)
        items.append(s)
    return "[" + ", ".join(items) + "]"
