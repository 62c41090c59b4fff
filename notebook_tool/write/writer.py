"""The minimal-edit writer: change one entry or field in a user's file, nothing else.

This module owns every write Guanxi makes to an existing contact file (SPEC
§7). It never re-dumps YAML: the file is held as its own lines with their own
line endings (:class:`Doc`), the front matter is *composed* (not loaded) only
to learn where keys, lists and items stand, and the edit is a splice of one
line (or one span of a line). Everything else — comments, key order, quoting,
flow or block style, list indentation, CRLF, a BOM, a missing trailing
newline, the body — stays byte-for-byte.

Every edit is then proven: the new bytes are parsed with the same
:func:`~notebook_tool.parse.parse_contact` every reader uses, and the result
must equal the old parse plus the change (entries compared ignoring their
line numbers). Anything else — a layout the splice cannot handle safely, a
non-empty flow list, an alias — is refused with a message and nothing is
written.

Writing is atomic and safe against other writers: Guanxi's own writers take
a lock file under ``.guanxi/``; the bytes read are hashed and compared again
just before the replace, so an editor's save in between is re-read and the
edit redone on top of it; the temporary file lives next to the real file
(the target of a symlink, so the link stays a link) and keeps its mode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import yaml

from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Entry, FileResult, Kind, Status
from notebook_tool.read import entries as E
from notebook_tool.read.fileparts import split_front_matter
from notebook_tool.read.parse import NULL_TAG, parse_contact
from notebook_tool.read.vault import STATE_DIR
from notebook_tool.read.yamltext import UnwritableText, double_quoted, flow_list, plain_is_safe, scalar
from notebook_tool.write.fsio import (
    JOURNAL_NAME,
    TMP_SUFFIX,
    UnsafePath,
    atomic_write,
    fsync_dir,
    interrupted_batch,
    safe_target,
    sweep_output,
    sweep_stale_temps,
)

BOM = b"\xef\xbb\xbf"
LOCK_NAME = "write.lock"
RETRIES = 5
# The only line breaks the file's own lines know (as in fileparts).
_BREAK = re.compile(r"(\r\n|\r|\n)")
# YAML also breaks lines at these; our line arithmetic would drift, so refuse.
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")


class WriteError(GuanxiError):
    """The edit was refused or failed; the file is untouched. The message says why."""


# ---------------------------------------------------------------------------
# The file as lines
# ---------------------------------------------------------------------------


@dataclass
class Doc:
    """A UTF-8 file as its lines and their own line endings ('' for the last).

    ``tail`` (from :meth:`from_bytes` with ``head_only``) is everything after
    the front matter's closing line, kept as the file's own bytes and never
    decoded: an edit only touches the front matter, and a 50 MB body need not
    be held as half a million line strings.
    """

    bom: bool
    lines: list[str]
    ends: list[str]
    tail: bytes | memoryview = b""

    @classmethod
    def from_bytes(cls, data: bytes, rel: str, head_only: bool = False) -> Doc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise WriteError(f"{rel}: is UTF-16 text; Guanxi only edits UTF-8 files (save it as UTF-8)")
        bom = data.startswith(BOM)
        start = len(BOM) if bom else 0
        cut = _front_matter_end(data, start) if head_only else None
        # The tail as a view: no copy of the body until the new bytes are joined.
        head, tail = ((data[start:cut], memoryview(data)[cut:]) if cut is not None
                      else (data[start:], memoryview(b"")))
        try:
            text = head.decode("utf-8")
            if tail:
                _check_utf8(tail)
        except UnicodeDecodeError:
            raise WriteError(f"{rel}: is not UTF-8 text; not edited") from None
        parts = _BREAK.split(text)
        return cls(bom, parts[0::2], parts[1::2] + [""], tail)

    def to_bytes(self) -> bytes:
        text = "".join(line + end for line, end in zip(self.lines, self.ends))
        return (BOM if self.bom else b"") + text.encode("utf-8") + self.tail

    def text(self) -> str:
        return "".join(line + end for line, end in zip(self.lines, self.ends))

    def eol(self) -> str:
        """The file's line ending: the first one it uses (LF for a one-line file)."""
        return next((e for e in self.ends if e), "\n")

    def insert(self, index: int, new: list[str]) -> None:
        """Insert whole lines before line ``index`` (0-based), each ended like the file."""
        eol = self.eol()
        if index >= len(self.lines) and self.ends and not self.ends[-1]:
            # Appending after a last line with no ending: end it first.
            self.ends[-1] = eol
            self.lines += new
            self.ends += [eol] * (len(new) - 1) + [""]
            return
        self.lines[index:index] = new
        self.ends[index:index] = [eol] * len(new)

    def splice(self, index: int, start: int, end: int, new: str) -> None:
        line = self.lines[index]
        self.lines[index] = line[:start] + new + line[end:]


_HEAD_SCAN = 4 * 65536 + 65536  # as the reader: any front matter within the cap ends in here
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")


def _front_matter_end(data: bytes, start: int) -> int | None:
    """The byte offset just after the front matter's closing line, or None to keep it all.

    Mirrors :func:`~notebook_tool.read.fileparts.split_front_matter` (blank
    lines before the opening ``---``; ``---`` or ``...`` closes), within the
    first :data:`_HEAD_SCAN` bytes; anything unusual keeps the whole file.
    """
    pos, limit, opened = start, min(len(data), start + _HEAD_SCAN), False
    while pos < limit:
        m = _LINE.match(data, pos)
        if m is None or m.end() == pos:
            return None
        line = m.group().rstrip(b"\r\n").rstrip()
        if not opened:
            if line == b"---":
                opened = True
            elif line:
                return None  # no front matter: edits go at the top, the whole file is kept
        elif line in (b"---", b"..."):
            return m.end()
        pos = m.end()
    return None


def _check_utf8(data: bytes | memoryview) -> None:
    """Raise UnicodeDecodeError unless ``data`` is UTF-8, a megabyte at a time (no full copy)."""
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    for i in range(0, len(data), 1 << 20):
        dec.decode(data[i : i + (1 << 20)])
    dec.decode(b"", final=True)


# ---------------------------------------------------------------------------
# Where things stand in the front matter
# ---------------------------------------------------------------------------


@dataclass
class Layout:
    """Positions in a :class:`Doc`: the front matter delimiters and each top-level key.

    ``first`` is the 0-based doc line of YAML line 0, so a node's mark line
    ``m`` is doc line ``first + m``.
    """

    open_idx: int | None
    close_idx: int
    first: int
    keys: dict[str, tuple[yaml.Node, yaml.Node]] = field(default_factory=dict)

    def line(self, mark: yaml.Mark) -> int:
        return self.first + mark.line


def layout(doc: Doc, rel: str) -> Layout:
    """Compose the front matter; refuse any shape the splices below cannot edit safely."""
    split, problems = split_front_matter(doc.text(), rel)
    if split is None:
        raise WriteError(problems[0].format() if problems else f"{rel}: front matter cannot be read")
    if split.yaml is None:
        return Layout(None, 0, 0)
    first = split.yaml_first_line - 1
    lay = Layout(first - 1, split.body_first_line - 2, first)
    if _YAML_ONLY_BREAKS.search(split.yaml):
        raise WriteError(f"{rel}: front matter holds an unusual line break (U+0085/U+2028/U+2029); "
                         "edit this file by hand")
    # The pure-Python loader: its marks count characters, which is what the
    # splices index by (libyaml's index counts bytes).
    loader = yaml.SafeLoader(split.yaml)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise WriteError(f"{rel}: front matter is not valid YAML ({exc}); not edited") from None
    finally:
        loader.dispose()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == NULL_TAG and not root.value):
        return lay
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise WriteError(f"{rel}: front matter is not a block of 'key: value' lines; not edited")
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode) or key.start_mark.line != key.end_mark.line:
            raise WriteError(f"{rel}:{lay.line(key.start_mark) + 1}: a key that is not one line of text; not edited")
        if key.start_mark.column != 0:
            raise WriteError(f"{rel}:{lay.line(key.start_mark) + 1}: front matter keys are indented; not edited")
        if key.value in lay.keys:
            raise WriteError(f"{rel}:{lay.line(key.start_mark) + 1}: duplicate key '{key.value}'; "
                             "fix the file first (guanxi check)")
        if value.start_mark.index < key.end_mark.index:
            # Composed nodes are shared for aliases (*x): the value stands elsewhere.
            raise WriteError(f"{rel}:{lay.line(key.start_mark) + 1}: '{key.value}' is a YAML alias; not edited")
        lay.keys[key.value] = (key, value)
    return lay


def last_line(lay: Layout, node: yaml.Node) -> int:
    """The doc line holding the last character of ``node``'s own text."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        end = node.end_mark
        if end.column == 0 and end.line > node.start_mark.line:
            return lay.line(end) - 1  # block scalars end at the start of the next line
        return lay.line(end)
    # A block collection's end mark is the next token's position (maybe lines
    # later, past comments): use its deepest content instead.
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    if not children:
        return lay.line(node.start_mark)
    return max(last_line(lay, c) for c in children)


def _list_indent(lay: Layout) -> str:
    """How this file indents its block lists (entry lists first), else two spaces."""
    from notebook_tool.core.model import KINDS

    ordered = [k for k in KINDS if k in lay.keys] + [k for k in lay.keys if k not in KINDS]
    for key in ordered:
        value = lay.keys[key][1]
        if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
            return " " * value.start_mark.column
    return "  "


def _clear_span(doc: Doc, lay: Layout, node: yaml.Node) -> None:
    """Remove an empty value (``[]``, ``~``, ``null``) from its key's line, keeping a comment."""
    idx = lay.line(node.start_mark)
    line = doc.lines[idx]
    before, after = line[: node.start_mark.column].rstrip(" \t"), line[node.end_mark.column :]
    doc.lines[idx] = before + (after if after.strip() else "")


# ---------------------------------------------------------------------------
# The three splices
# ---------------------------------------------------------------------------


def item_lines(dash: str, source: str | list[str]) -> list[str]:
    """``- SOURCE`` at indentation ``dash``; a multi-line item's later lines keep their
    indentation relative to the dash (the merge driver carries block-mapping entries)."""
    parts = [source] if isinstance(source, str) else source
    return [f"{dash}- {parts[0]}"] + [f"{dash}{line}" if line.strip() else line for line in parts[1:]]


def insert_entry(doc: Doc, rel: str, kind: Kind, source: str | list[str], date: dt.date,
                 dates_by_line: dict[int, dt.date]) -> int:
    """Insert ``- SOURCE`` into list ``kind``, after the last entry dated on or before ``date``.

    Returns the 1-based line of the new entry.

    ``dates_by_line`` maps 1-based file lines of existing entries to their
    dates (from the parse), so a back-dated entry lands in date order.
    """
    lay = layout(doc, rel)
    if lay.open_idx is None:
        # No front matter: create it at the very top; the body follows untouched.
        doc.insert(0, ["---", f"{kind}:", *item_lines("  ", source), "---"])
        return 3
    indent = _list_indent(lay)
    if kind not in lay.keys:
        doc.insert(lay.close_idx, [f"{kind}:", *item_lines(indent, source)])
        return lay.close_idx + 2
    key, value = lay.keys[kind]
    key_idx = lay.line(key.start_mark)
    if isinstance(value, yaml.ScalarNode):
        if value.tag != NULL_TAG or value.style:
            raise WriteError(f"{rel}:{key_idx + 1}: '{kind}' holds text, not a list; "
                             f"make it a list ('- ' before each entry) first")
        if value.value:  # `give: ~` or `give: null` on the key's line
            if lay.line(value.start_mark) != key_idx:
                raise WriteError(f"{rel}:{key_idx + 1}: '{kind}' has a layout Guanxi cannot edit safely")
            _clear_span(doc, lay, value)
        doc.insert(key_idx + 1, item_lines(indent, source))
        return key_idx + 2
    if not isinstance(value, yaml.SequenceNode):
        raise WriteError(f"{rel}:{key_idx + 1}: '{kind}' is a mapping, not a list; not edited")
    if value.flow_style:
        if value.value:
            raise WriteError(
                f"{rel}:{key_idx + 1}: '{kind}' is a one-line list ([...]); Guanxi adds entries "
                f"only to a block list (one '- ' line per entry). Rewrite it as\n"
                f"{kind}:\n  - first entry\n  - second entry"
            )
        if lay.line(value.start_mark) != key_idx or lay.line(value.end_mark) != key_idx:
            raise WriteError(f"{rel}:{key_idx + 1}: '{kind}' has a layout Guanxi cannot edit safely")
        _clear_span(doc, lay, value)  # `give: []` becomes a block list
        doc.insert(key_idx + 1, item_lines(indent, source))
        return key_idx + 2
    items = list(value.value)
    dash = " " * value.start_mark.column
    dated = [(i, dates_by_line.get(lay.line(item.start_mark) + 1)) for i, item in enumerate(items)]
    earlier = [i for i, when in dated if when is not None and when <= date]
    later = [i for i, when in dated if when is not None and when > date]
    # After the last entry on or before the date; else before the first later
    # one; in a list with no readable dates at all, at the end.
    pos = earlier[-1] if earlier else (None if later else len(items) - 1)
    if pos is None:
        at = lay.line(items[later[0]].start_mark)
        if not doc.lines[at].lstrip().startswith("-"):
            raise WriteError(f"{rel}:{at + 1}: '{kind}' has a layout Guanxi cannot edit safely")
    else:
        at = last_line(lay, items[pos]) + 1
    doc.insert(at, item_lines(dash, source))
    return at + 1


def _added_key(doc: Doc, lay: Layout, key_name: str, source: str) -> bool:
    """Add ``key_name: source`` when the key is absent (a front matter too, if there is none); True if added."""
    if lay.open_idx is None:
        doc.insert(0, ["---", f"{key_name}: {source}", "---"])
        return True
    if key_name not in lay.keys:
        doc.insert(lay.close_idx, [f"{key_name}: {source}"])
        return True
    return False


def set_field(doc: Doc, rel: str, key_name: str, source: str) -> None:
    """Set a one-line scalar field (``snooze: 2025-05-01``), adding the key if absent."""
    lay = layout(doc, rel)
    if _added_key(doc, lay, key_name, source):
        return
    key, value = lay.keys[key_name]
    idx = lay.line(key.start_mark)
    if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
        raise WriteError(f"{rel}:{idx + 1}: '{key_name}' is not a one-line value; edit it by hand")
    if value.tag == NULL_TAG and not value.value:
        line = doc.lines[idx]
        colon = line.index(":", key.end_mark.column)
        rest = line[colon + 1 :]
        doc.lines[idx] = line[: colon + 1] + " " + source + (rest if rest.strip() else "")
        return
    if lay.line(value.start_mark) != idx or lay.line(value.end_mark) != idx:
        raise WriteError(f"{rel}:{idx + 1}: '{key_name}' spans several lines; edit it by hand")
    doc.splice(idx, value.start_mark.column, value.end_mark.column, source)


def rewrite_entry(doc: Doc, rel: str, kind: Kind, line_no: int, source: str,
                  patch: dict[str, str]) -> None:
    """Change the entry standing on 1-based ``line_no`` of list ``kind``.

    A line-form entry (plain or quoted, or one of YAML's hand-typing traps)
    is replaced by ``source``; a mapping-form entry keeps its shape and only
    the values named in ``patch`` (``date``, ``done``) change.
    """
    lay = layout(doc, rel)
    if kind not in lay.keys or not isinstance(lay.keys[kind][1], yaml.SequenceNode):
        raise WriteError(f"{rel}: no '{kind}' list to edit")
    item = next((i for i in lay.keys[kind][1].value if lay.line(i.start_mark) + 1 == line_no), None)
    if item is None:
        raise WriteError(f"{rel}:{line_no}: the entry is no longer there")
    if isinstance(item, yaml.MappingNode) and any(k.value == "date" for k, _ in item.value):
        spans = []
        for k, v in item.value:
            if k.value in patch:
                if not isinstance(v, yaml.ScalarNode) or v.start_mark.line != v.end_mark.line:
                    raise WriteError(f"{rel}:{line_no}: entry has a layout Guanxi cannot edit safely")
                spans.append((lay.line(v.start_mark), v.start_mark.column, v.end_mark.column, patch[k.value]))
        if {s[3] for s in spans} != set(patch.values()) or len(spans) != len(patch):
            raise WriteError(f"{rel}:{line_no}: entry lacks {sorted(patch)}; edit it by hand")
        for idx, start, end, new in sorted(spans, reverse=True):  # right to left keeps columns valid
            doc.splice(idx, start, end, new)
        return
    last: yaml.Node = item.value[-1][1] if isinstance(item, yaml.MappingNode) else item
    if not isinstance(last, yaml.ScalarNode) or item.start_mark.line != last.end_mark.line:
        raise WriteError(f"{rel}:{line_no}: entry spans several lines; edit it by hand")
    doc.splice(lay.line(item.start_mark), item.start_mark.column, last.end_mark.column, source)


# ---------------------------------------------------------------------------
# Entry source text that reads back exactly
# ---------------------------------------------------------------------------


def format_weight(weight: float) -> str:
    """:func:`entries.format_weight`, for a weight given on the command line (checked first)."""
    if not math.isfinite(weight) or weight <= 0:
        raise WriteError(f"weight must be a number greater than 0, got {weight}")
    return E.format_weight(weight)


def expected_entry(kind: Kind, date: dt.date, text: str, weight: float, status: Status) -> Entry:
    """The entry a reader must get back (line 0: lines are never compared)."""
    return Entry(kind, date, text, float(weight), status, E.links_in(text), (), 0)


def _item_value(source: str) -> object:
    try:
        got = yaml.safe_load(f"- {source}\n")
    except yaml.YAMLError:
        return None
    return got[0] if isinstance(got, list) and len(got) == 1 else None


def entry_source(kind: Kind, date: dt.date, text: str, weight: float = 1.0, status: Status = None) -> str:
    """The YAML for one entry, as it goes after ``- ``, proven to read back exactly.

    Line form (``2025-01-10 [ ] text +3``) when it can say it, plain if safe
    else double-quoted; the mapping form when the line form cannot (a text
    that itself starts with ``[x]`` and no status).
    """
    if not text or text != text.strip():
        raise WriteError("entry text must not be empty or start or end with spaces")
    want = expected_entry(kind, date, text, weight, status)
    w = format_weight(weight)
    mark = {"open": "[ ] ", "kept": "[x] ", None: ""}[status]
    base = f"{date.isoformat()} {mark}{text}"
    # `+1` is implied; spell it out only when the text itself ends in `+N`.
    for line in ([base] if weight == 1 else []) + [f"{base} +{w}"]:
        try:
            if replace(E.parse_line(kind, line), line=0) != want:
                continue
        except E.EntryError:
            continue
        for source in (line, double_quoted(line)):
            if (source != line or plain_is_safe(line)) and _item_value(source) == line:
                return source
    parts = [f"date: {date.isoformat()}", f"what: {double_quoted(text)}"]
    if weight != 1:
        parts.append(f"weight: {w}")
    if status is not None:
        parts.append(f"done: {'true' if status == 'kept' else 'false'}")
    source = "{" + ", ".join(parts) + "}"
    data = _item_value(source)
    if isinstance(data, dict):
        entry, _ = E.parse_mapping(kind, data)
        if replace(entry, line=0) == want:
            return source
    raise WriteError(f"cannot write the entry text {text!r} so that it reads back exactly")


# ---------------------------------------------------------------------------
# Changes: each computes the new bytes and the contact they must parse to
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A computed edit: the new bytes, the contact they must parse to, the entry and its line."""

    data: bytes
    expected: Contact
    entry: Entry | None
    line: int


class Change(Protocol):
    def apply(self, data: bytes, old: FileResult) -> Edit:
        """New bytes, the contact they must read as, and what changed where."""


@dataclass(frozen=True)
class AddEntry:
    kind: Kind
    date: dt.date
    text: str
    weight: float = 1.0
    status: Status = None

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        try:
            source = entry_source(self.kind, self.date, self.text, self.weight, self.status)
        except UnwritableText as exc:
            raise WriteError(str(exc)) from None
        doc = Doc.from_bytes(data, old.path, head_only=True)
        dates = {e.line: e.date for e in old.contact.of_kind(self.kind)}
        line = insert_entry(doc, old.path, self.kind, source, self.date, dates)
        new = expected_entry(self.kind, self.date, self.text, self.weight, self.status)
        return Edit(doc.to_bytes(), replace(old.contact, entries=old.contact.entries + (new,)), new, line)


@dataclass(frozen=True)
class SetSnooze:
    until: dt.date

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        doc = Doc.from_bytes(data, old.path, head_only=True)
        set_field(doc, old.path, "snooze", self.until.isoformat())
        return Edit(doc.to_bytes(), replace(old.contact, snooze=self.until), None, 0)


_PROMISED = re.compile(r"\(promised \d{4}-\d{2}-\d{2}\)$")


@dataclass(frozen=True)
class KeepPromise:
    """Mark an open promise kept (``[ ]`` → ``[x]``), dated the day it was kept.

    ``(promised YYYY-MM-DD)`` is appended to its text when that is another day,
    so the date it was made stays visible in the file, ``show`` and ``history``.
    """

    promise: Entry
    date: dt.date

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        target = replace(self.promise, line=0)
        # The file may have changed since the caller looked: find it again by content.
        found = next((e for e in old.contact.entries if replace(e, line=0) == target), None)
        if found is None:
            raise WriteError(f"{old.path}: the promise {self.promise.text!r} is no longer in the file")
        # The entry is dated the day it was kept (the balance and "last contact"
        # count it then); the day it was promised stays visible in its text.
        text = found.text
        if text and self.date != found.date and not _PROMISED.search(text):
            text = f"{text} (promised {found.date.isoformat()})"
        kept = replace(found, status="kept", date=self.date, text=text, line=0)
        source = entry_source(kept.kind, kept.date, kept.text, kept.weight, "kept")
        doc = Doc.from_bytes(data, old.path, head_only=True)
        patch = {"date": self.date.isoformat(), "done": "true"}
        if text != found.text:
            flow_safe = not any(c in text for c in ",[]{}")  # the mapping may be a {flow: mapping}
            patch["what"] = scalar(text) if flow_safe else double_quoted(text)  # a mapping-form promise keeps its shape; its 'what' gets the note
        rewrite_entry(doc, old.path, found.kind, found.line, source, patch)
        entries = list(old.contact.entries)
        entries[entries.index(found)] = kept
        return Edit(doc.to_bytes(), replace(old.contact, entries=tuple(entries)), kept, found.line)


_LINK_TARGET = re.compile(r"\[\[([^\]|#\n]+)")


@dataclass(frozen=True)
class RenameLinks:
    """Point every ``[[Old]]`` link in the front matter at a new name (``guanxi rename``).

    ``keys`` are the folded names a link may use for the person (name, file
    name); each link target that folds to one becomes ``new``, keeping any
    ``|shown`` or ``#heading`` part. Only front matter lines change: the
    notes are the user's (``rename`` lists links there). ``name``, when set,
    also becomes the file's ``name:`` value. Verified like every edit: the
    file must read back as the same contact with just those links renamed.
    """

    keys: frozenset[str]
    new: str
    name: str | None = None

    def sub(self, text: str) -> str:
        from notebook_tool.core.text import fold

        return _LINK_TARGET.sub(lambda m: "[[" + self.new if fold(m.group(1)) in self.keys else m.group(0), text)

    def apply(self, data: bytes, old: FileResult) -> Edit:
        from notebook_tool.core.text import fold

        assert old.contact is not None
        doc = Doc.from_bytes(data, old.path)
        lay = layout(doc, old.path)
        if lay.open_idx is not None:
            for i in range(lay.open_idx + 1, lay.close_idx):
                doc.lines[i] = self.sub(doc.lines[i])
        if self.name is not None:
            set_field(doc, old.path, "name", scalar(self.name))

        def value(v: object) -> object:
            if isinstance(v, str):
                return self.sub(v)
            if isinstance(v, tuple):
                return tuple(value(x) for x in v)
            return v

        c = old.contact
        changed = {f: value(getattr(c, f)) for f in ("via", "why", "company", "role", "links", "needs", "offers",
                                                       "extra")}
        entries = tuple(replace(e, text=self.sub(e.text), links=tuple(dict.fromkeys(
            self.new if fold(n) in self.keys else n for n in e.links))) for e in c.entries)
        expected = replace(c, entries=entries, **changed)  # type: ignore[arg-type]
        if self.name is not None:
            expected = replace(expected, name=self.name)
        return Edit(doc.to_bytes(), expected, None, 0)


_LIST_ATTR = {"email": "emails", "phone": "phones", "links": "links", "tags": "tags", "aliases": "aliases"}
_SCALAR_KEYS = ("company", "role", "met", "birthday")
_ISO_DAY = re.compile(r"^(?:[0-9]{4}-|--)[0-9]{2}-[0-9]{2}$")


def _flow_item(text: str) -> str:
    """One item as it stands inside ``[...]``."""
    return flow_list([text])[1:-1]


def add_value(doc: Doc, rel: str, key_name: str, text: str) -> None:
    """Add ``text`` to list field ``key_name``, or set scalar field ``key_name`` if it is absent.

    A missing key is added just before the closing ``---``; a null value is
    filled in; a block list gets one more ``- item`` line; a one-line flow
    list gets ``, item`` before its ``]``; a one-line scalar (``email: a@x``)
    becomes ``[a@x, b@y]`` with its own text kept. A scalar field that
    already has a value is refused: import never overwrites.
    """
    is_list = key_name in _LIST_ATTR
    first = _flow_item(text) if is_list and key_name in ("links", "tags", "aliases") else scalar(text)
    first = f"[{first}]" if is_list and key_name in ("links", "tags", "aliases") else first
    if key_name in ("met", "birthday") and _ISO_DAY.match(text):
        first = text  # a date stays a plain date (verified on re-read like everything else)
    lay = layout(doc, rel)
    if _added_key(doc, lay, key_name, first):
        return
    key, value = lay.keys[key_name]
    idx = lay.line(key.start_mark)
    if isinstance(value, yaml.ScalarNode) and value.tag == NULL_TAG and not value.style:
        if value.value and lay.line(value.start_mark) != idx:
            raise WriteError(f"{rel}:{idx + 1}: '{key_name}' has a layout Guanxi cannot edit safely")
        if value.value:
            _clear_span(doc, lay, value)
        line = doc.lines[idx]
        colon = line.index(":", key.end_mark.column)
        rest = line[colon + 1 :]
        doc.lines[idx] = line[: colon + 1] + " " + first + (rest if rest.strip() else "")
        return
    if not is_list:
        raise WriteError(f"{rel}:{idx + 1}: '{key_name}' already has a value; import never overwrites it")
    if isinstance(value, yaml.SequenceNode) and not value.flow_style:
        if not value.value:
            raise WriteError(f"{rel}:{idx + 1}: '{key_name}' has a layout Guanxi cannot edit safely")
        at = last_line(lay, value.value[-1]) + 1
        doc.insert(at, item_lines(" " * value.start_mark.column, scalar(text)))
        return
    start, end = lay.line(value.start_mark), lay.line(value.end_mark)
    if start != end or start != idx:
        raise WriteError(f"{rel}:{idx + 1}: '{key_name}' spans several lines; edit it by hand")
    if isinstance(value, yaml.SequenceNode):
        close = value.end_mark.column - 1  # the "]"
        if doc.lines[idx][close : close + 1] != "]":
            raise WriteError(f"{rel}:{idx + 1}: '{key_name}' has a layout Guanxi cannot edit safely")
        sep = ", " if value.value else ""
        doc.splice(idx, close, close, sep + _flow_item(text))
        return
    if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
        raise WriteError(f"{rel}:{idx + 1}: '{key_name}' is not a list or one-line value; not edited")
    old = doc.lines[idx][value.start_mark.column : value.end_mark.column]
    if not value.style and any(ch in old for ch in ",[]{}#"):
        old = double_quoted(value.value)
    doc.splice(idx, value.start_mark.column, value.end_mark.column, f"[{old}, {_flow_item(text)}]")


@dataclass(frozen=True)
class AddValues:
    """Add missing fields and list values (what ``import`` does): never changes a value already there.

    ``values`` are ``(field, text)`` pairs; list fields (email, phone, links,
    tags, aliases) get the text appended, scalar fields (company, role, met,
    birthday) are set only where the file has none.
    """

    values: tuple[tuple[str, str], ...]

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        from notebook_tool.compute.importplan import parse_added
        from notebook_tool.read.fields import nfc

        doc = Doc.from_bytes(data, old.path)
        expected = old.contact
        for key_name, text in self.values:
            if key_name not in _LIST_ATTR and key_name not in _SCALAR_KEYS:
                raise WriteError(f"{old.path}: import does not write the field '{key_name}'")
            try:
                add_value(doc, old.path, key_name, text)
            except UnwritableText as exc:
                raise WriteError(f"{old.path}: {exc}") from None
            if key_name in _LIST_ATTR:
                attr = _LIST_ATTR[key_name]
                added = nfc(text) if key_name == "aliases" else text
                changes: dict[str, Any] = {attr: (*getattr(expected, attr), added)}
            else:
                changes = {key_name: parse_added(key_name, text)}
            expected = replace(expected, **changes)
        return Edit(doc.to_bytes(), expected, None, 0)


# ---------------------------------------------------------------------------
# Verify, lock, write
# ---------------------------------------------------------------------------


def _shape(c: Contact) -> tuple[Contact, Counter[Entry]]:
    return replace(c, entries=()), Counter(replace(e, line=0) for e in c.entries)


def verify(old: FileResult, new: FileResult, expected: Contact) -> None:
    """The new parse must be the expected contact, with no new problems."""
    if new.contact is None:
        raise WriteError(f"{old.path}: the edit would make the file unreadable "
                         f"({new.problems[0].format() if new.problems else 'unknown'}); not written")
    if _shape(new.contact) != _shape(expected):
        raise WriteError(f"{old.path}: the edited file would not read back as intended; not written "
                         "(please report this with the file)")
    def count(r: FileResult, sev: str) -> int:
        return sum(1 for p in r.problems if p.severity == sev)
    if count(new, "error") > count(old, "error") or count(new, "warning") > count(old, "warning"):
        extra = [p.format() for p in new.problems if p.message not in {q.message for q in old.problems}]
        raise WriteError(f"{old.path}: the edit would add a problem ({'; '.join(extra) or 'see guanxi check'});"
                         " not written")


@contextlib.contextmanager
def vault_lock(root: Path, timeout: float = 30.0) -> Iterator[None]:
    """Serialise Guanxi's own writers on one vault (an OS lock: freed if we die)."""
    try:
        # Never through a symlink: a `.guanxi` link out of the vault, or a dangling
        # `write.lock` link, must not make us create a file elsewhere.
        state = safe_target(root, root / STATE_DIR)
        state.mkdir(exist_ok=True)
        lock = safe_target(root, state / LOCK_NAME)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as exc:
        raise WriteError(f"cannot take the write lock {STATE_DIR}/{LOCK_NAME}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise WriteError(f"another guanxi has been writing for {timeout:.0f}s "
                                 f"(lock {STATE_DIR}/{LOCK_NAME}); try again")
            time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def real_target(root: Path, rel: str) -> Path:
    """The file to replace: a symlink's target (inside the vault), so the link survives."""
    path = root / rel
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise WriteError(f"{rel}: cannot be read ({exc})") from None
    try:
        target = safe_target(root, target)
    except UnsafePath as exc:
        raise WriteError(f"{rel}: is (or is reached through) a symlink out of the vault or into .git: "
                         f"{exc}") from None
    if not target.is_file():
        raise WriteError(f"{rel}: is not a regular file; not written")
    return target


@dataclass(frozen=True)
class Written:
    """What a write did: the file (relative), the entry written and its line."""

    rel: str
    before: bytes
    after: bytes
    entry: Entry | None
    line: int


def plan(data: bytes, rel: str, change: Change, max_front_matter: int = 65536) -> Edit:
    """Compute and verify an edit without writing; raises :class:`WriteError`."""
    old = parse_contact(data, rel, max_front_matter)
    if old.contact is None:
        first = old.problems[0].format() if old.problems else f"{rel}: cannot be read"
        raise Unreadable(f"{first}\n(fix the file first; nothing was written)")
    edit = change.apply(data, old)
    verify(old, parse_contact(edit.data, rel, max_front_matter), edit.expected)
    return edit


# ---------------------------------------------------------------------------
# The write protocol (docs/writing.md): stable read, prepare, check, replace,
# look again; several files through a journal.
# ---------------------------------------------------------------------------

# A file written this recently may be mid-save by an editor that truncates and
# then writes: it is read twice, a short pause apart, before it is trusted.
RACY_WINDOW = 2.0
SETTLE = 0.02
# How long after the replace a save into the old file is still watched for, when that
# file was written within the racy window (a busy machine can pause an editor between
# its truncate and its write for tens of milliseconds).
LATE_LOOKS = (0.02, 0.1)
KEPT_DIR = "kept"


class BeingSaved(WriteError):
    """The file changed while it was read, or reads as a half-written save."""


class Unreadable(WriteError):
    """The file as read does not parse: broken, or caught half-way through a save."""


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _same_stat(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_dev, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (
        b.st_ino, b.st_dev, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def stable_read(target: Path, rel: str) -> bytes:
    """The file's bytes, only once they hold still; :class:`BeingSaved` if they never do.

    Stable means: the size and stamps did not move while reading, the path
    still names the inode read, and — if the file was written in the last
    :data:`RACY_WINDOW` seconds — a second read a moment later gives the
    same bytes (an editor that truncates then writes shows up here).
    """
    for attempt in range(RETRIES * 4):
        with open(target, "rb") as f:
            before = os.fstat(f.fileno())
            data = f.read()
            after = os.fstat(f.fileno())
        now = os.stat(target)
        if _same_stat(before, after) and _same_stat(after, now) and len(data) == after.st_size:
            if time.time() - after.st_mtime > RACY_WINDOW:
                return data
            time.sleep(SETTLE * 2.5)
            with open(target, "rb") as again:
                same = _fd_digest(again) == _digest(data)
            if same and _same_stat(os.stat(target), now):
                return data
        time.sleep(SETTLE * (1 + attempt % 5))
    raise BeingSaved(f"{rel}: the file is being saved, try again (it changed while Guanxi read it)")


def _recent(target: Path) -> bool:
    try:
        return time.time() - os.stat(target).st_mtime < RACY_WINDOW
    except OSError:
        return False


def _read_and_plan(target: Path, rel: str, change: Change, max_front_matter: int) -> tuple[bytes, Edit]:
    """A stable read and its verified edit; a recent file that reads as broken is waited for."""
    for attempt in range(RETRIES + 1):
        data = stable_read(target, rel)
        try:
            return data, plan(data, rel, change, max_front_matter)
        except Unreadable as exc:
            if not _recent(target):
                raise
            if attempt == RETRIES:
                raise BeingSaved(f"{exc}\n(the file was saved moments ago: if it is being saved, "
                                 "try again)") from None
            time.sleep(SETTLE * 2)  # a half-written save parses badly: give the editor a moment
    raise AssertionError("unreachable")


@dataclass
class _Prepared:
    """One file's edit, ready: its new bytes already in a fsynced temporary file beside it."""

    rel: str
    target: Path
    before: bytes
    edit: Edit
    tmp: Path
    mode: int


def _prepare(root: Path, rel: str, change: Change, max_front_matter: int) -> _Prepared:
    target = real_target(root, rel)
    data, edit = _read_and_plan(target, rel, change, max_front_matter)
    mode = os.stat(target).st_mode & 0o7777
    return _Prepared(rel, target, data, edit, _temp_with(target, edit.data, mode), mode)


def _temp_with(target: Path, data: bytes, mode: int, sync: bool = True) -> Path:
    """A fsynced hidden temporary file beside ``target`` holding ``data`` (the slow part,
    done before the last check so the check-to-replace window holds no fsync).

    ``sync=False`` for the redo after an editor's late save: there every
    millisecond our first version stands at the path is one in which the
    editor may re-read it without its own save, so the fsync comes after.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.chmod(name, mode)
    except BaseException:
        _unlink(Path(name))
        raise
    return Path(name)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _swap(p: _Prepared) -> bytes | None:
    """Check, replace, look again. None when done; the changed bytes when the file moved.

    The original stays open across the replace: if an editor wrote into it
    after the check (truncate-then-write saves go into the old inode), the
    re-read after the replace sees it and the caller redoes the edit on top.
    The checks hash the file a block at a time; its bytes are read whole
    only when they changed.
    """
    want = _digest(p.before)
    with open(p.target, "rb") as orig:
        if _fd_digest(orig) != want:
            orig.seek(0)
            return orig.read()
        os.replace(p.tmp, p.target)
        return _settled(orig, want)


def _fd_digest(f: BinaryIO) -> bytes:
    f.seek(0)
    h = hashlib.sha256()
    while block := f.read(1 << 20):
        h.update(block)
    return h.digest()


def _settled(f: BinaryIO, want: bytes) -> bytes | None:
    """None if the open (old) file still holds ``want``'s bytes; else what it holds once it
    stops changing. Written within the racy window, it is looked at twice, a moment apart."""
    if _fd_digest(f) == want:
        st = os.fstat(f.fileno())
        if time.time() - st.st_mtime > RACY_WINDOW:
            return None
        waited, changed = 0.0, False
        for at in LATE_LOOKS:
            time.sleep(at - waited)
            waited = at
            if _fd_digest(f) != want:
                changed = True
                break
        if not changed:
            return None
    f.seek(0)
    data = f.read()
    for _ in range(RETRIES * 4):
        time.sleep(SETTLE)
        f.seek(0)
        again = f.read()
        if again == data and os.fstat(f.fileno()).st_size == len(data):
            break
        data = again
    return data


def _commit(root: Path, p: _Prepared, change: Change, max_front_matter: int) -> Written:
    """Put one prepared edit in place, redoing it on top of an editor's save that raced it."""
    first_before = p.before
    late_redo = False
    for _ in range(RETRIES):
        moved = _swap(p)
        if moved is None and not _overwritten(p, max_front_matter):
            if late_redo:  # its temporary file was not fsynced before the rename: now
                with contextlib.suppress(OSError), open(p.target, "rb") as done:
                    os.fsync(done.fileno())
            fsync_dir(p.target.parent)
            return Written(p.rel, first_before, p.edit.data, p.edit.entry, p.edit.line)
        _unlink(p.tmp)
        ours_in_place = p.target.is_file() and _digest(p.target.read_bytes()) == _digest(p.edit.data)
        if moved is not None and ours_in_place:
            # Ours is in place but an editor saved into the old file after the check:
            # redo the edit on what the editor wrote, and put that in place instead.
            try:
                edit = plan(moved, p.rel, change, max_front_matter)
            except WriteError as exc:
                kept = _keep_both(root, p, moved)
                raise WriteError(f"{p.rel}: an editor saved the file while Guanxi was writing it and the "
                                 f"edit cannot be redone on the editor's version ({exc}). Both are kept: the "
                                 f"file holds Guanxi's edit, the editor's save is {kept}") from None
            # The path holds our first version: it is what the redo must find there.
            p = _Prepared(p.rel, p.target, p.edit.data, edit,
                          _temp_with(p.target, edit.data, p.mode, sync=False), p.mode)
            first_before = moved
            late_redo = True
            continue
        # The path itself changed (an editor's save before our check, or a rename save): start again.
        data, edit = _read_and_plan(p.target, p.rel, change, max_front_matter)
        first_before = data
        p = _Prepared(p.rel, p.target, data, edit, _temp_with(p.target, edit.data, p.mode), p.mode)
    _unlink(p.tmp)
    raise WriteError(f"{p.rel}: the file kept changing while Guanxi was writing; nothing was written, try again")


def _overwritten(p: _Prepared, max_front_matter: int) -> bool:
    """Did a save right after our replace drop our change? (An editor that read the file
    before the replace and wrote its buffer back into the new file after it.) Then the
    caller redoes the edit on top of that save, so the user's command still lands."""
    try:
        with open(p.target, "rb") as f:
            if _fd_digest(f) == _digest(p.edit.data):
                return False
            f.seek(0)
            now = f.read()
    except OSError:
        return False
    res = parse_contact(now, p.rel, max_front_matter)
    if res.contact is None:
        return False  # mid-save or broken: not ours to judge; the editor's bytes stand
    if p.edit.entry is not None:
        want = replace(p.edit.entry, line=0)
        have = sum(1 for e in res.contact.entries if replace(e, line=0) == want)
        need = sum(1 for e in p.edit.expected.entries if replace(e, line=0) == want)
        return have < need
    return res.contact.snooze != p.edit.expected.snooze


def _keep_both(root: Path, p: _Prepared, theirs: bytes) -> str:
    """Save a racing editor's bytes under ``.guanxi/kept/`` (machine-local); its vault path."""
    folder = safe_target(root, root / STATE_DIR / KEPT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{p.target.name}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}"
    atomic_write(safe_target(root, folder / name), theirs)
    return f"{STATE_DIR}/{KEPT_DIR}/{name}"


def apply_change(root: Path, rel: str, change: Change, max_front_matter: int = 65536,
                 lock_timeout: float = 30.0) -> Written:
    """Edit one contact file: lock, read, splice, verify, re-check, replace atomically."""
    return apply_changes(root, [(rel, change)], max_front_matter, lock_timeout)[0]


def apply_changes(root: Path, changes: list[tuple[str, Change]], max_front_matter: int = 65536,
                  lock_timeout: float = 30.0) -> list[Written]:
    """Several edits as one (``guanxi touch alice bob …``, ``intro``, ``import --apply``).

    THE batch entry point. Under the vault lock every edit is read, planned,
    verified and written to a fsynced temporary file before any file is
    touched, so a refusal for one file leaves every file untouched. Then a
    journal in ``.guanxi/`` names them all, and the files are replaced in
    turn; a crash from here on is rolled forward by the next command
    (:func:`recover`). Returns what was written, in order.
    """
    refuse_bad_config(root)
    try:
        with vault_lock(root, lock_timeout):
            recover_locked(root)
            sweep_stale_temps({real_target(root, rel).parent for rel, _ in changes})
            return _apply_all(root, changes, max_front_matter)
    except OSError as exc:  # permissions, a full disk: the files are untouched (atomic replace)
        where = f"{changes[0][0]}: " if len(changes) == 1 else ""
        raise WriteError(f"{where}cannot write: {exc.strerror or exc}; nothing was written") from None


def refuse_bad_config(root: Path) -> None:
    """Writes never run on a config with errors (the defaults standing in might put
    the write somewhere the user did not mean): raise with every error listed."""
    from notebook_tool.read.config import config_errors, load_config

    errors = config_errors(load_config(root)[1])
    if errors:
        raise WriteError("\n".join(p.format() for p in errors)
                         + "\n(fix guanxi.toml first; nothing was written)")


def _apply_all(root: Path, changes: list[tuple[str, Change]], max_front_matter: int) -> list[Written]:
    prepared: list[_Prepared] = []
    done: list[Written] = []
    journal: Path | None = None
    try:
        for rel, change in changes:
            prepared.append(_prepare(root, rel, change, max_front_matter))
        journal = _write_journal(root, prepared) if len(prepared) > 1 else None
        for p, (_, change) in zip(prepared, changes):
            done.append(_commit(root, p, change, max_front_matter))
    except BaseException:
        # Still running (a refusal, a full disk): undo the files already replaced, so the
        # batch is all or nothing. (Killed, we never get here: the journal rolls forward.)
        _roll_back(prepared, done)
        if journal is not None:
            _unlink(journal)
        raise
    finally:
        for p in prepared:
            _unlink(p.tmp)
    if journal is not None:
        _unlink(journal)
    return done


def _roll_back(prepared: list[_Prepared], done: list[Written]) -> None:
    by_rel = {p.rel: p for p in prepared}
    for w in reversed(done):
        p = by_rel[w.rel]
        with contextlib.suppress(OSError):
            if _digest(p.target.read_bytes()) == _digest(w.after):  # nobody saved over it since
                atomic_write(p.target, w.before, p.mode)


def _journal_path(root: Path) -> Path:
    return safe_target(root, root / STATE_DIR / JOURNAL_NAME)


def _write_journal(root: Path, prepared: list[_Prepared]) -> Path:
    """Name every prepared file (temporary file, hash before, hash after), durably."""
    path = _journal_path(root)
    record = {"version": 1, "pid": os.getpid(), "files": [
        {"rel": p.rel, "target": os.path.relpath(p.target, root.resolve()),
         "tmp": os.path.relpath(p.tmp, root.resolve()),
         "before": _digest(p.before).hex(), "after": _digest(p.edit.data).hex()} for p in prepared]}
    atomic_write(path, json.dumps(record, indent=1).encode())
    fsync_dir(path.parent)
    return path


def recover(root: Path, lock_timeout: float = 30.0) -> list[str]:
    """Finish a batch a crash interrupted (one line per file, to tell the user); [] if none.

    Every command calls this first; it also sweeps the output folder of page
    temporary files a killed run left (one listing: cheap).
    """
    sweep_output(root)
    if not interrupted_batch(root):
        return []
    with vault_lock(root, lock_timeout):
        return recover_locked(root)


def recover_locked(root: Path) -> list[str]:
    """:func:`recover` with the lock held: roll every file of the journal forward.

    Each file is either already new (nothing to do), still old with its
    temporary file there (replaced now), or changed since by someone else
    (left alone and said). Every edit was verified before the journal was
    written, so forward is always safe; the journal is removed at the end.
    """
    path = root / STATE_DIR / JOURNAL_NAME
    try:
        record = json.loads(path.read_bytes())
        files = record["files"]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        _unlink(path)
        return [f"{STATE_DIR}/{JOURNAL_NAME}: an unreadable journal of an interrupted write was removed"]
    said: list[str] = []
    real_root = root.resolve()
    for f in files:
        try:
            target = safe_target(root, real_root / f["target"])
            tmp = safe_target(root, real_root / f["tmp"])
            current = _digest(target.read_bytes()).hex() if target.exists() else ""
            if current == f["after"]:
                said.append(f"{f['rel']}: already written")
            elif current == f["before"] and tmp.is_file() and _digest(tmp.read_bytes()).hex() == f["after"]:
                os.replace(tmp, target)
                fsync_dir(target.parent)
                said.append(f"{f['rel']}: written now")
            else:
                said.append(f"{f['rel']}: changed since, left as it is (its entry was not written)")
            _unlink(tmp)
        except (OSError, KeyError, TypeError) as exc:
            said.append(f"{f.get('rel', '?') if isinstance(f, dict) else '?'}: could not finish ({exc})")
    _unlink(path)
    fsync_dir(path.parent)
    return [f"finished an interrupted write: {line}" for line in said]
