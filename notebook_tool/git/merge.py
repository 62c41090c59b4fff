"""``guanxi merge-driver``: a git three-way merge of contact files that knows what an entry is.

This module owns the merge. Git calls the driver with the common ancestor
(%O), our version (%A, also where the result goes) and theirs (%B):

- entries (``give``/``take``/``touch``) merge as a multiset union, in date
  order: an entry added on either side is kept, one added on both sides is
  kept once, one deleted on one side stays deleted;
- any other field changed on one side takes that side; changed differently
  on both sides it is a conflict, written into the front matter between
  ``<<<<<<<``/``=======``/``>>>>>>>`` lines with both values (the file then
  fails to parse, so ``guanxi check`` points at it until it is resolved);
- the body (below the front matter) goes through ``git merge-file``.

The result is built by editing *our* file with the writer's line splices —
never by re-dumping YAML — so our comments, quoting and layout survive, and
an entry brought over from theirs keeps its own source text. It is then
re-parsed and checked against the intended result. If any of the three
versions does not parse strictly, or has a layout the splices cannot edit,
or the check fails, the driver does what git would have done without it: a
plain ``git merge-file`` of the whole files. It never guesses.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from notebook_tool.core.model import KINDS, Entry
from notebook_tool.read.fileparts import split_front_matter
from notebook_tool.read.parse import NULL_TAG, parse_contact
from notebook_tool.write.writer import Doc, Layout, WriteError, insert_entry, last_line, layout

_MISSING = object()


class Fallback(Exception):
    """The structured merge does not apply; merge as plain text instead.

    ``unparsable`` marks a version that does not parse strictly: then the
    merge is reported as a conflict even when the text merge is clean, so a
    person looks at the file before it is committed (SPEC §9: never a guess).
    """

    def __init__(self, message: str, unparsable: bool = False) -> None:
        super().__init__(message)
        self.unparsable = unparsable


@dataclass
class Version:
    """One of the three versions, read: fields, entry items with their source, body."""

    label: str
    doc: Doc
    has_front: bool
    fields: dict[str, Any] = field(default_factory=dict)
    blocks: dict[str, list[str]] = field(default_factory=dict)
    items: dict[str, list[tuple[Entry, list[str]]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # top-level keys as they stand
    body: bytes = b""


def _key_span(lay: Layout, key: str) -> tuple[int, int]:
    """First and last doc line of a top-level key and its value."""
    k, v = lay.keys[key]
    first = lay.line(k.start_mark)
    if isinstance(v, yaml.ScalarNode) and v.tag == NULL_TAG and not v.value:
        return first, first
    return first, max(first, last_line(lay, v))


def _body(doc: Doc, lay: Layout) -> bytes:
    start = lay.close_idx + 1 if lay.open_idx is not None else 0
    return "".join(line + end for line, end in zip(doc.lines[start:], doc.ends[start:])).encode("utf-8")


def read_version(data: bytes, path: str, label: str) -> Version:
    res = parse_contact(data, path)
    errors = [p for p in res.problems if p.severity == "error"]
    if res.contact is None or errors:
        shown = errors[0].format() if errors else "cannot be read"
        raise Fallback(f"the {label} version does not parse cleanly ({shown})", unparsable=True)
    try:
        doc = Doc.from_bytes(data, path)
        lay = layout(doc, path)
    except WriteError as exc:
        raise Fallback(f"the {label} version: {exc}") from None
    v = Version(label, doc, lay.open_idx is not None, body=_body(doc, lay))
    v.fields = field_values(doc, path)
    v.order = list(lay.keys)
    by_line = {e.line: replace(e, line=0) for e in res.contact.entries}
    for key in lay.keys:
        first, last = _key_span(lay, key)
        if key not in KINDS:
            v.blocks[key] = doc.lines[first : last + 1]
            continue
        node = lay.keys[key][1]
        items: list[tuple[Entry, list[str]]] = []
        if isinstance(node, yaml.SequenceNode):
            if node.flow_style and node.value:
                raise Fallback(f"the {label} version has '{key}' as a one-line list ([...])")
            for item in node.value:
                entry = by_line.get(lay.line(item.start_mark) + 1)
                if entry is None:
                    raise Fallback(f"the {label} version has a {key} entry Guanxi cannot read")
                items.append((entry, _item_source(lay, doc, node, item, label)))
        elif not (isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG):
            raise Fallback(f"the {label} version has '{key}' that is not a list")
        v.items[key] = items
    return v


def _item_source(lay: Layout, doc: Doc, seq: yaml.Node, item: yaml.Node, label: str) -> list[str]:
    """An item's text after ``- ``, and its later lines relative to the dash's column."""
    first, last = lay.line(item.start_mark), last_line(lay, item)
    dash = seq.start_mark.column
    if doc.lines[first][:dash].strip() or doc.lines[first][dash : dash + 1] != "-":
        raise Fallback(f"the {label} version has an entry whose '-' is not on its first line ({first + 1})")
    rest = doc.lines[first + 1 : last + 1]
    if any(line.strip() and (len(line) - len(line.lstrip(" ")) <= dash) for line in rest):
        raise Fallback(f"the {label} version has an entry with lines Guanxi cannot carry over ({first + 1})")
    return [doc.lines[first][item.start_mark.column :]] + [line[dash:] for line in rest]


def field_values(doc: Doc, path: str) -> dict[str, Any]:
    """Each non-entry key's value, to compare by meaning; its source text if YAML cannot build it."""
    split, _ = split_front_matter(doc.text(), path)
    if split is None or not split.yaml:
        return {}
    loader = yaml.SafeLoader(split.yaml)
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            return {}
        out: dict[str, Any] = {}
        for k, v in root.value:
            if not isinstance(k, yaml.ScalarNode) or k.value in KINDS:
                continue
            try:
                out[k.value] = loader.construct_object(v, deep=True)
            except Exception:  # e.g. an unknown field `x: 2025-13-01` YAML resolves as a bad date
                out[k.value] = ("unreadable", split.yaml[v.start_mark.index : v.end_mark.index])
        return out
    finally:
        loader.dispose()


def _three_way(o: Any, a: Any, b: Any) -> tuple[str, Any]:
    """``("ours"|"theirs"|"conflict", value)`` for one field's three values."""
    if _same(a, b) or _same(b, o):
        return "ours", a
    if _same(a, o):
        return "theirs", b
    return "conflict", None


def _same(x: Any, y: Any) -> bool:
    return x is y or (x is not _MISSING and y is not _MISSING and type(x) is type(y) and x == y)


def _ensure_front(doc: Doc, path: str) -> Layout:
    lay = layout(doc, path)
    if lay.open_idx is None:
        doc.insert(0, ["---", "---"])
        lay = layout(doc, path)
    return lay


def _set_block(doc: Doc, path: str, key: str, lines: list[str] | None, their_order: list[str]) -> None:
    """Replace, delete or add one key's lines; a new key goes where theirs has it."""
    lay = layout(doc, path)
    if key in lay.keys:
        first, last = _key_span(lay, key)
        del doc.lines[first : last + 1]
        del doc.ends[first : last + 1]
        if lines:
            doc.insert(first, lines)
    elif lines:
        lay = _ensure_front(doc, path)
        doc.insert(_position_like(lay, key, their_order), lines)


def _position_like(lay: Layout, key: str, their_order: list[str]) -> int:
    """Where to add ``key``: after the key theirs has before it, else before the one after it."""
    i = their_order.index(key) if key in their_order else len(their_order)
    for before in reversed(their_order[:i]):
        if before in lay.keys:
            return _key_span(lay, before)[1] + 1
    for after in their_order[i + 1 :]:
        if after in lay.keys:
            return lay.line(lay.keys[after][0].start_mark)
    return lay.close_idx


def _remove_entry(doc: Doc, path: str, kind: str, entry: Entry) -> None:
    """Delete the last item of list ``kind`` that reads as ``entry`` (all its lines)."""
    res = parse_contact(doc.to_bytes(), path)
    assert res.contact is not None
    line = [e.line for e in res.contact.of_kind(kind) if replace(e, line=0) == entry][-1]  # type: ignore[arg-type]
    lay = layout(doc, path)
    item = next(i for i in lay.keys[kind][1].value if lay.line(i.start_mark) + 1 == line)
    first, last = lay.line(item.start_mark), last_line(lay, item)
    del doc.lines[first : last + 1]
    del doc.ends[first : last + 1]


@dataclass
class MergeResult:
    data: bytes
    clean: bool
    message: str = ""


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, path: str, marker_size: int = 7) -> MergeResult:
    """The structured merge; raises :class:`Fallback` when it does not apply."""
    o, a, b = (read_version(d, path, label) for d, label in ((base, "base"), (ours, "ours"), (theirs, "theirs")))
    doc = a.doc
    # 1. Fields: one side's change wins; changes on both sides conflict.
    order = list(dict.fromkeys([*a.blocks, *b.blocks, *o.blocks]))
    expected: dict[str, Any] = {}
    conflicts: list[str] = []
    for key in order:
        side, value = _three_way(o.fields.get(key, _MISSING), a.fields.get(key, _MISSING),
                                 b.fields.get(key, _MISSING))
        if side == "theirs":
            _set_block(doc, path, key, b.blocks.get(key), b.order)
        elif side == "conflict":
            conflicts.append(key)
        if side != "conflict" and value is not _MISSING:
            expected[key] = value
    # 2. Entries: a multiset union; deletions on one side stick.
    want: dict[str, Counter[Entry]] = {}
    for kind in KINDS:
        co, ca, cb = (Counter(e for e, _ in v.items.get(kind, [])) for v in (o, a, b))
        target: Counter[Entry] = Counter()
        for e in ca | cb | co:
            if ca[e] == co[e]:
                target[e] = cb[e]
            elif cb[e] == co[e]:
                target[e] = ca[e]
            else:
                target[e] = max(ca[e], cb[e])
        want[kind] = +target
        for e in list(ca):
            for _ in range(ca[e] - target[e]):
                _remove_entry(doc, path, kind, e)
        sources = {e: src for e, src in b.items.get(kind, [])}
        if kind not in layout(doc, path).keys and any(target[e] > ca[e] for e in target):
            _set_block(doc, path, kind, [f"{kind}:"], b.order)  # the list where theirs has it
        for e in sorted(target, key=lambda x: x.date):
            for _ in range(target[e] - ca[e]):
                res = parse_contact(doc.to_bytes(), path)
                assert res.contact is not None
                dates = {x.line: x.date for x in res.contact.of_kind(kind)}
                try:
                    insert_entry(doc, path, kind, sources[e], e.date, dates)
                except WriteError as exc:
                    raise Fallback(str(exc)) from None
    # 3. Conflicting fields: markers around both values, bottom-up so spans stay valid.
    lay = _ensure_front(doc, path) if conflicts else layout(doc, path)
    spans = []
    for key in conflicts:
        span = _key_span(lay, key) if key in lay.keys else (lay.close_idx, lay.close_idx - 1)
        block = (["<" * marker_size + " ours"] + a.blocks.get(key, []) + ["=" * marker_size]
                 + b.blocks.get(key, []) + [">" * marker_size + " theirs"])
        spans.append((span, block))
    for (first, last), block in sorted(spans, reverse=True):
        del doc.lines[first : last + 1]
        del doc.ends[first : last + 1]
        doc.insert(first, block)
    # 4. The body: git's own text merge.
    body, body_conflicts = merge_file(o.body, a.body, b.body, marker_size)
    lay_close = _close_index(doc)
    if lay_close is None:
        front = b"\xef\xbb\xbf" if doc.bom else b""
    else:
        head = Doc(doc.bom, doc.lines[: lay_close + 1], doc.ends[: lay_close + 1])
        if body and not head.ends[-1]:
            head.ends[-1] = doc.eol()
        front = head.to_bytes()
    data = front + body
    if not conflicts:
        _verify(data, path, expected, want)
    msgs = [f"conflicting changes to '{k}' on both sides" for k in conflicts]
    if body_conflicts:
        msgs.append(f"{body_conflicts} conflict{'s' if body_conflicts != 1 else ''} in the notes below the front matter")
    return MergeResult(data, not conflicts and not body_conflicts, f"{path}: " + "; ".join(msgs) if msgs else "")


def _close_index(doc: Doc) -> int | None:
    """The closing delimiter's line, found without parsing (markers may be inside)."""
    if not doc.lines or doc.lines[0].rstrip() != "---":
        return None
    for i in range(1, len(doc.lines)):
        if doc.lines[i].rstrip() in ("---", "..."):
            return i
    return None


def _verify(data: bytes, path: str, fields: dict[str, Any], want: dict[str, Counter[Entry]]) -> None:
    res = parse_contact(data, path)
    if res.contact is None or any(p.severity == "error" for p in res.problems):
        raise Fallback("the merged file would not parse cleanly")
    for kind in KINDS:
        got = Counter(replace(e, line=0) for e in res.contact.of_kind(kind))
        if got != want[kind]:
            raise Fallback(f"the merged {kind} entries are not the union")
    if field_values(Doc.from_bytes(data, path), path) != fields:
        raise Fallback("the merged fields are not what the three versions say")


def merge_file(base: bytes, ours: bytes, theirs: bytes, marker_size: int = 7) -> tuple[bytes, int]:
    """``git merge-file -p`` on three byte strings: the merged bytes and the conflict count."""
    with tempfile.TemporaryDirectory(prefix="guanxi-merge-") as tmp:
        paths = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp) / name
            p.write_bytes(data)
            paths.append(str(p))
        proc = subprocess.run(
            ["git", "merge-file", "-p", f"--marker-size={marker_size}", "-L", "ours", "-L", "base", "-L", "theirs",
             *paths],
            capture_output=True,
        )
    if proc.returncode < 0 or proc.returncode > 127:
        raise OSError(f"git merge-file failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout, proc.returncode


def merge_files(base: Path, ours: Path, theirs: Path, path: str, marker_size: int = 7) -> tuple[bool, str]:
    """What the driver does: merge into ``ours``; ``(clean, message for stderr)``."""
    o, a, b = base.read_bytes(), ours.read_bytes(), theirs.read_bytes()
    try:
        result = merge_bytes(o, a, b, path, marker_size)
    except Fallback as exc:
        data, conflicts = merge_file(o, a, b, marker_size)
        if conflicts:
            how = "merged as plain text, with conflicts"
        elif exc.unparsable:
            how = "merged as plain text without markers; check the file, then `git add` it"
        else:
            how = "merged as plain text"
        result = MergeResult(data, conflicts == 0 and not exc.unparsable, f"{path}: {exc}; {how}")
    ours.write_bytes(result.data)
    return result.clean, result.message
