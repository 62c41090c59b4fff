"""The pre-scan in front of YAML composition: refuse what could hurt before it is built.

A vault is often a shared git repository, so a contact file may come from
anyone. Three YAML features are dangerous or pointless in a contact file and
are refused before the front matter is composed:

* **anchors and aliases** (``&a`` / ``*a``): the "billion laughs" bomb
  composes in a millisecond as a small graph of shared nodes, then explodes
  any code that walks it as a tree (rendering, JSON output, the cache);
* **explicit tags** (``!!binary``, ``!!set``, ``!!python/object``, any
  ``!tag``): the safe loader would refuse the Python ones anyway, the others
  build values (bytes, sets, ordered pairs) no field of a contact can hold;
* **deep nesting**: PyYAML's C composer recurses on the C stack, so tens of
  thousands of nested brackets crash the whole process with a segfault on
  builds whose libyaml has no nesting limit. Depth is therefore bounded with
  a character-level scan *before* libyaml sees the text.

The common case must stay cheap (a cold index of 10,000 files runs this on
every one): a few C-speed regular expression searches decide whether the text
could possibly contain any of these. Only when one could (an ``&``, ``*`` or
``!`` where a node may start, or a bound on the nesting that is not obviously
small) is the text run through libyaml's event parser — which is iterative
and safe at the bounded depth — to find the exact position, or to clear a
false alarm such as ``why: "R&D, *not* sales!"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

try:  # libyaml is ~10× faster; the pure-Python loader is a correct fallback. The one
    # choice of loader for every reader of front matter (parse, yamltext use it too).
    Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    Loader = yaml.SafeLoader

#: The deepest nesting of lists and mappings accepted in front matter. A
#: contact needs about five (fields → give → entry mapping → with → name).
MAX_DEPTH = 32

#: Above this bound (of the cheap over-estimate) the text is refused without
#: giving it to libyaml at all: every YAML parser and composer is safe far
#: beyond it, and nothing a person writes by hand comes near it.
HARD_DEPTH = 512

# A node property (&anchor, !tag) or an alias (*name) is its indicator
# followed at once by a name. "* item" or "& co" is no anchor or alias (YAML
# refuses them, and composition reports that), and "! text" is the harmless
# non-specific tag (plain text), so those need no event scan: a Markdown list
# in a block scalar must not cost every such file a second parse.
_PROPERTY_CHAR = re.compile(r"[&*!][^\s,\[\]{}]")
# ...and it only stands where a node starts: at the start of a line (after
# indentation), after a flow indicator, or after a block indicator and a
# space ("- ", "? ", ": ", also the "- " of "--- ", and the "! " of a bare tag).
_AFTER_FLOW = frozenset("\n[{,:")
_BLOCK_INDICATORS = frozenset("-?:!")  # "!": the bare non-specific tag, then another property
# The cheap scans reason about lines split at LF. YAML 1.1 also breaks lines
# at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, and libyaml skips a BOM
# inside the stream: text holding any of them could start a node (an anchor,
# an alias, a deep "- - - …") where those scans do not look, so it always
# gets the exact event scan instead.
_EXOTIC = ("\x85", "\u2028", "\u2029", "\ufeff")

# Block nesting costs at least one column per level of a line's prefix of
# indentation and indicators (a list under a key may share its key's column,
# hence the +2 slack in the bound below). A prefix this long is worth a look.
_BLOCK_PREFIX = MAX_DEPTH // 2 - 2
_DEEP_PREFIX = re.compile(r"^(?:[ \t]|[-?:](?=[ \t]|$)){%d,}" % _BLOCK_PREFIX, re.MULTILINE)
_PREFIX = re.compile(r"^(?:[ \t]|[-?:](?=[ \t]|$))*", re.MULTILINE)

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_LINE_PREFIX_LONG = re.compile(r"\n(?:[ \t]|[-?:](?=[ \t\n])){%d,}" % _BLOCK_PREFIX)
_TOKEN = re.compile(r"[!&*][^\s,\[\]{}]*")
_CORE_TAG = "tag:yaml.org,2002:"
# "\ud83d" in a double-quoted scalar builds a lone surrogate: a str that no
# UTF-8 writer (the pages, the terminal) can encode. Escapes only exist in
# double-quoted scalars; a hit anywhere else is cleared by the event scan.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u[dD][89a-fA-F]|U0000[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Finding:
    """Why the text is refused; ``index`` is the character offset in the text."""

    index: int
    message: str


def depth_message(limit: int = MAX_DEPTH) -> str:
    return f"front matter nests lists or mappings deeper than {limit} levels; not read"


def _flow_bound(text: str) -> tuple[int, int]:
    """An over-estimate of flow nesting (brackets, ignoring quotes) and where it peaks.

    Brackets inside quoted or plain text (``[[Carol Diaz]]`` links) count
    too, which can only make the bound larger: a false alarm costs an event
    scan, never a wrongly accepted file.
    """
    opening = text.count("[") + text.count("{")
    if opening <= _BLOCK_PREFIX:
        return opening, 0  # cannot nest deeper than the number of opening brackets
    brackets = _NOT_BRACKET.sub("", text)
    # Peel innermost pairs with C-speed replaces: one round per level, so the
    # rounds plus the openers left unmatched bound the nesting from above.
    rounds = 0
    while True:
        peeled = brackets.replace("[]", "").replace("{}", "")
        if len(peeled) == len(brackets):
            break
        brackets, rounds = peeled, rounds + 1
        if rounds > MAX_DEPTH:
            break
    bound = rounds + brackets.count("[") + brackets.count("{")
    if bound <= MAX_DEPTH:
        return bound, 0
    return _flow_peak(text)


def _flow_peak(text: str) -> tuple[int, int]:
    """The naive bracket depth and the index of the first bracket past MAX_DEPTH (rare path)."""
    depth = peak = 0
    over = 0
    for pos, ch in enumerate(text):
        if ch in "[{":
            depth += 1
            if depth > peak:
                peak = depth
                if peak == MAX_DEPTH + 1:
                    over = pos
        elif ch in "]}" and depth:
            depth -= 1
    return peak, over


def _block_bound(text: str) -> tuple[int, int]:
    """An over-estimate of block nesting from line prefixes, and where it peaks."""
    if _LINE_PREFIX_LONG.search(text) is None and _DEEP_PREFIX.match(text) is None:
        return _BLOCK_PREFIX + 1, 0  # every prefix is shorter than _BLOCK_PREFIX
    longest = max(_PREFIX.finditer(text), key=lambda m: m.end() - m.start())
    return longest.end() - longest.start() + 2, longest.start()


def _shown(text: str, index: int, fallback: str) -> str:
    m = _TOKEN.match(text, index)
    return m.group(0) if m else fallback


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE_TAG):] if tag.startswith(_CORE_TAG) else tag


def _event_scan(text: str) -> Finding | None:
    """The exact check, on libyaml's parse events (no nodes are built).

    A syntax error stops the scan quietly: composition meets the same error
    and reports it with its position.
    """
    loader = Loader(text)
    depth = 0
    try:
        while True:
            ev = loader.get_event()
            if ev is None or isinstance(ev, yaml.StreamEndEvent):
                return None
            at = ev.start_mark.index
            if isinstance(ev, yaml.AliasEvent):
                return Finding(at, f"YAML alias '{_shown(text, at, '*' + str(ev.anchor))}' is not allowed "
                                   "in a contact file (aliases can hide huge or looping data); "
                                   "write the value out")
            if isinstance(ev, yaml.NodeEvent) and ev.anchor is not None:
                return Finding(at, f"YAML anchor '&{ev.anchor}' is not allowed in a contact file "
                                   "(anchors and aliases can hide huge or looping data); remove it")
            tag = getattr(ev, "tag", None)
            # "!" alone is the non-specific tag: it changes nothing PyYAML builds.
            if isinstance(ev, yaml.NodeEvent) and tag is not None and tag != "!":
                return Finding(at, f"YAML tag '{_shown(text, at, _tag_name(tag))}' is not allowed in a "
                                   "contact file; remove it and write the value as plain text")
            if isinstance(ev, yaml.ScalarEvent) and _SURROGATE.search(ev.value):
                return Finding(at, "a '\\u' escape in this value is half of a UTF-16 surrogate pair, "
                                   "not a character; write the character itself")
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Finding(at, depth_message())
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _maybe_property(text: str) -> bool:
    """True when an anchor, alias or tag may stand where a node starts."""
    for m in _PROPERTY_CHAR.finditer(text):
        i = j = m.start()
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j == 0 or text[j - 1] in _AFTER_FLOW or (j < i and text[j - 1] in _BLOCK_INDICATORS):
            return True
    return False


def prescan(text: str) -> Finding | None:
    """``None`` when ``text`` may be composed; else the first reason it may not.

    Cheap for ordinary front matter: three regular-expression passes and two
    ``str.count`` calls. The event scan runs only on a possible hit.
    """
    if any(ch in text for ch in _EXOTIC):
        # The event scan is exact at any depth: libyaml's parser keeps its
        # nesting on heap stacks; only the composer recurses on the C stack.
        return _event_scan(text)
    flow, flow_at = _flow_bound(text)
    block, block_at = _block_bound(text)
    bound = flow + block  # block nodes may hold flow ones, never the other way round
    if bound > HARD_DEPTH:
        # Do not let libyaml see it at all: this is the segfault shape.
        return Finding(flow_at if flow >= block else block_at, depth_message())
    if (bound > MAX_DEPTH or _maybe_property(text)
            or ("\\" in text and _SURROGATE_ESCAPE.search(text) is not None)):
        return _event_scan(text)
    return None
