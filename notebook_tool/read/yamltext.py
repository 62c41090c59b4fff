"""Writing one YAML scalar so that it reads back exactly as given.

Used wherever Guanxi writes a value into a user's file (``add``, the entry
writer): plain when YAML would read the plain text back unchanged, else
double-quoted. The double-quoted form escapes everything a YAML reader would
refuse or fold (control characters, C1 codes, ``\\u2028``, a BOM…), because
``json.dumps`` alone leaves some of those raw and the file would then fail
to parse as a whole.
"""

from __future__ import annotations

import re

import yaml

from notebook_tool.read.harden import Loader

# Characters YAML's reader refuses in a stream, or reads as a line break
# (\x85, \u2028, \u2029), or that editors hide (BOM): always escaped.
_MUST_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\", '"': '\\"'}


class UnwritableText(ValueError):
    """Text that cannot be stored in a UTF-8 file (a lone surrogate)."""


def double_quoted(value: str) -> str:
    """``value`` as a one-line YAML double-quoted scalar (also a JSON string)."""
    out = ['"']
    for ch in value:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif _MUST_ESCAPE.match(ch):
            if 0xD800 <= ord(ch) <= 0xDFFF:
                raise UnwritableText(f"text contains an invalid character (U+{ord(ch):04X})")
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def reads_back(text: str, expected: object) -> bool:
    try:
        return bool(yaml.load(f"k: {text}\n", Loader=Loader) == {"k": expected})
    except yaml.YAMLError:
        return False


def plain_is_safe(value: str) -> bool:
    """True when ``value`` can be written unquoted and read back as the same string."""
    return bool(
        value
        and value == value.strip()
        and not _MUST_ESCAPE.search(value)
        and "\t" not in value
        and " #" not in value
        and reads_back(value, value)
    )


def scalar(value: str) -> str:
    """``value`` as a YAML scalar on one line, plain if that is safe."""
    if plain_is_safe(value):
        return value
    return double_quoted(value)


def flow_list(values: list[str]) -> str:
    """``[a, "b: c"]`` — each item quoted only when it must be."""
    items = []
    for v in values:
        s = scalar(v)
        # Inside [...] a comma or bracket in a plain scalar would split the item.
        if s == v and any(ch in v for ch in ",[]{}"):
            s = double_quoted(v)
        items.append(s)
    return "[" + ", ".join(items) + "]"


__all__ = ["UnwritableText", "double_quoted", "flow_list", "plain_is_safe", "reads_back", "scalar"]
