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
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import yaml

from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Entry, FileResult, Kind, Status
from notebook_tool.read import entries as E
from notebook_tool.read.fileparts import split_front_matter
from notebook_tool.read.parse import NULL_TAG, parse_contact
from notebook_tool.read.yamltext import UnwritableText, double_quoted, plain_is_safe
from notebook_tool.write.fsio import atomic_write, fsync_dir

BOM = b"\xef\xbb\xbf"
LOCK_NAME = "write.lock"
STATE_DIR = ".guanxi"
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
    """A UTF-8 file as its lines and their own line endings ('' for the last)."""

    bom: bool
    lines: list[str]
    ends: list[str]

    @classmethod
    def from_bytes(cls, data: bytes, rel: str) -> Doc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise WriteError(f"{rel}: is UTF-16 text; Guanxi only edits UTF-8 files (save it as UTF-8)")
        bom = data.startswith(BOM)
        try:
            text = data[len(BOM) if bom else 0 :].decode("utf-8")
        except UnicodeDecodeError:
            raise WriteError(f"{rel}: is not UTF-8 text; not edited") from None
        parts = _BREAK.split(text)
        return cls(bom, parts[0::2], parts[1::2] + [""])

    def to_bytes(self) -> bytes:
        text = "".join(line + end for line, end in zip(self.lines, self.ends))
        return (BOM if self.bom else b"") + text.encode("utf-8")

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


def set_field(doc: Doc, rel: str, key_name: str, source: str) -> None:
    """Set a one-line scalar field (``snooze: 2025-05-01``), adding the key if absent."""
    lay = layout(doc, rel)
    if lay.open_idx is None:
        doc.insert(0, ["---", f"{key_name}: {source}", "---"])
        return
    if key_name not in lay.keys:
        doc.insert(lay.close_idx, [f"{key_name}: {source}"])
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
        doc = Doc.from_bytes(data, old.path)
        dates = {e.line: e.date for e in old.contact.of_kind(self.kind)}
        line = insert_entry(doc, old.path, self.kind, source, self.date, dates)
        new = expected_entry(self.kind, self.date, self.text, self.weight, self.status)
        return Edit(doc.to_bytes(), replace(old.contact, entries=old.contact.entries + (new,)), new, line)


@dataclass(frozen=True)
class SetSnooze:
    until: dt.date

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        doc = Doc.from_bytes(data, old.path)
        set_field(doc, old.path, "snooze", self.until.isoformat())
        return Edit(doc.to_bytes(), replace(old.contact, snooze=self.until), None, 0)


@dataclass(frozen=True)
class KeepPromise:
    """Mark an open promise kept (``[ ]`` → ``[x]``), dated the day it was kept."""

    promise: Entry
    date: dt.date

    def apply(self, data: bytes, old: FileResult) -> Edit:
        assert old.contact is not None
        target = replace(self.promise, line=0)
        # The file may have changed since the caller looked: find it again by content.
        found = next((e for e in old.contact.entries if replace(e, line=0) == target), None)
        if found is None:
            raise WriteError(f"{old.path}: the promise {self.promise.text!r} is no longer in the file")
        kept = replace(found, status="kept", date=self.date, line=0)
        source = entry_source(kept.kind, kept.date, kept.text, kept.weight, "kept")
        doc = Doc.from_bytes(data, old.path)
        rewrite_entry(doc, old.path, found.kind, found.line, source,
                      {"date": self.date.isoformat(), "done": "true"})
        entries = list(old.contact.entries)
        entries[entries.index(found)] = kept
        return Edit(doc.to_bytes(), replace(old.contact, entries=tuple(entries)), kept, found.line)


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
    state = root / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
        fd = os.open(state / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
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
        target.relative_to(root.resolve())
    except ValueError:
        raise WriteError(f"{rel}: is a symlink to a file outside the vault; not written") from None
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
        raise WriteError(f"{first}\n(fix the file first; nothing was written)")
    edit = change.apply(data, old)
    verify(old, parse_contact(edit.data, rel, max_front_matter), edit.expected)
    return edit


def apply_change(root: Path, rel: str, change: Change, max_front_matter: int = 65536,
                 lock_timeout: float = 30.0) -> Written:
    """Edit one contact file: lock, read, splice, verify, re-check, replace atomically."""
    target = real_target(root, rel)
    try:
        return _apply_locked(root, rel, target, change, max_front_matter, lock_timeout)
    except OSError as exc:  # permissions, a full disk: the file is untouched (atomic replace)
        raise WriteError(f"{rel}: cannot write: {exc.strerror or exc}; nothing was written") from None


def apply_changes(root: Path, changes: list[tuple[str, Change]], max_front_matter: int = 65536) -> list[Written]:
    """Several edits (``guanxi touch alice bob …``): every one is planned and verified
    before the first is written, so a refusal for one file leaves every file untouched."""
    for rel, change in changes:
        try:
            data = (root / rel).read_bytes()
        except OSError as exc:
            raise WriteError(f"{rel}: cannot read: {exc.strerror or exc}; nothing was written") from None
        plan(data, rel, change, max_front_matter)
    return [apply_change(root, rel, change, max_front_matter) for rel, change in changes]


def _apply_locked(root: Path, rel: str, target: Path, change: Change, max_front_matter: int,
                  lock_timeout: float) -> Written:
    with vault_lock(root, lock_timeout):
        for _ in range(RETRIES):
            data = target.read_bytes()
            digest = hashlib.sha256(data).digest()
            edit = plan(data, rel, change, max_front_matter)
            mode = os.stat(target).st_mode & 0o7777
            # Last look: an editor may have saved since we read. Then redo the
            # edit on top of its bytes rather than overwrite them.
            if hashlib.sha256(target.read_bytes()).digest() != digest:
                continue
            atomic_write(target, edit.data, mode)
            fsync_dir(target.parent)
            return Written(rel, data, edit.data, edit.entry, edit.line)
    raise WriteError(f"{rel}: the file kept changing while Guanxi was writing; nothing was written, try again")
