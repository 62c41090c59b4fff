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
from notebook_tool.write.writer import Doc, Layout, WriteError, insert_entry, item_lines, last_line, layout

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


def read_version(data: bytes, path: str, label: str, cap: int = 65536) -> Version:
    res = parse_contact(data, path, cap)
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
            out[k.value] = _meaning(v)
        return out
    finally:
        loader.dispose()


def _meaning(node: yaml.Node) -> Any:
    """A field's value as Guanxi reads it: scalars as their text (``company: no`` and
    ``company: 'no'`` are the same), null as None, lists and mappings by their parts."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == NULL_TAG and not node.style else ("text", node.value)
    if isinstance(node, yaml.SequenceNode):
        return ("list", tuple(_meaning(n) for n in node.value))
    if isinstance(node, yaml.MappingNode):
        return ("map", tuple((_meaning(k), _meaning(v)) for k, v in node.value))
    return ("other", repr(node))


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


def _remove_entries(doc: Doc, path: str, kind: str, remove: dict[Entry, int], cap: int) -> None:
    """Delete, for each entry, its last ``remove[entry]`` items from list ``kind`` (all their lines)."""
    if not remove:
        return
    res = parse_contact(doc.to_bytes(), path, cap)
    if res.contact is None:
        raise Fallback("our version stopped parsing during the merge")
    lay = layout(doc, path)
    by_line = {lay.line(i.start_mark) + 1: i for i in lay.keys[kind][1].value}
    left = dict(remove)
    spans: list[tuple[int, int]] = []
    for e in reversed(res.contact.of_kind(kind)):  # type: ignore[arg-type]
        key = replace(e, line=0)
        if left.get(key, 0) > 0 and e.line in by_line:
            left[key] -= 1
            item = by_line[e.line]
            spans.append((lay.line(item.start_mark), last_line(lay, item)))
    if any(left.values()):
        raise Fallback(f"an entry to delete from '{kind}' was not found")
    for first, last in sorted(spans, reverse=True):
        del doc.lines[first : last + 1]
        del doc.ends[first : last + 1]


def _insert_entries(doc: Doc, path: str, kind: str, new: list[tuple[Entry, list[str]]], cap: int) -> None:
    """Insert ``new`` (date-sorted) into list ``kind``, each after the last entry dated on or
    before it, with one parse and one layout for all of them."""
    import bisect

    lay = layout(doc, path)
    node = lay.keys[kind][1] if kind in lay.keys else None
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        # An empty list: the writer's own insert makes it a block list with the first entry.
        first, src = new[0]
        res = parse_contact(doc.to_bytes(), path, cap)
        dates = {x.line: x.date for x in res.contact.of_kind(kind)} if res.contact else {}  # type: ignore[arg-type]
        try:
            insert_entry(doc, path, kind, src, first.date, dates)  # type: ignore[arg-type]
        except WriteError as exc:
            raise Fallback(str(exc)) from None
        new = new[1:]
        if not new:
            return
        lay = layout(doc, path)
        node = lay.keys[kind][1]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise Fallback(f"'{kind}' did not become a list")
    res = parse_contact(doc.to_bytes(), path, cap)
    if res.contact is None:
        raise Fallback("our version stopped parsing during the merge")
    dates = {x.line: x.date for x in res.contact.of_kind(kind)}  # type: ignore[arg-type]
    items = list(node.value)
    dash = " " * node.start_mark.column
    dated = [(dates[lay.line(it.start_mark) + 1], i) for i, it in enumerate(items)
             if lay.line(it.start_mark) + 1 in dates]
    dated.sort()
    keys = [d for d, _ in dated]
    running: list[int] = []  # the last list position among the k earliest-dated items
    for _, i in dated:
        running.append(max(running[-1], i) if running else i)
    first_dated = min((i for _, i in dated), default=None)
    groups: dict[int, list[str]] = {}
    for e, src in new:
        k = bisect.bisect_right(keys, e.date)
        if k:
            at = last_line(lay, items[running[k - 1]]) + 1
        elif first_dated is not None:
            at = lay.line(items[first_dated].start_mark)
            if not doc.lines[at].lstrip().startswith("-"):
                raise Fallback(f"'{kind}' has a layout Guanxi cannot edit safely")
        else:
            at = last_line(lay, items[-1]) + 1
        groups.setdefault(at, []).extend(item_lines(dash, src))
    for at in sorted(groups, reverse=True):
        doc.insert(at, groups[at])


@dataclass
class MergeResult:
    data: bytes
    clean: bool
    message: str = ""


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, path: str, marker_size: int = 7) -> MergeResult:
    """The structured merge; raises :class:`Fallback` when it does not apply.

    Linear in the entries: each list is parsed once for its removals and once
    for its insertions, which are then spliced in bottom-up (no re-parse per
    entry). The front matter size cap is lifted for the merge itself — the
    union of two valid sides may pass it, and losing entries is worse; the
    caller reports a result over the vault's cap.
    """
    cap = len(base) + len(ours) + len(theirs) + 65536
    o, a, b = (read_version(d, path, label, cap) for d, label in ((base, "base"), (ours, "ours"), (theirs, "theirs")))
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
        _remove_entries(doc, path, kind, {e: ca[e] - target[e] for e in ca if ca[e] > target[e]}, cap)
        sources = {e: src for e, src in b.items.get(kind, [])}
        new = [(e, sources[e]) for e in sorted(target, key=lambda x: x.date) for _ in range(target[e] - ca[e])]
        if new:
            if kind not in layout(doc, path).keys:
                _set_block(doc, path, kind, [f"{kind}:"], b.order)  # the list where theirs has it
            _insert_entries(doc, path, kind, new, cap)
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
        _verify(data, path, expected, want, cap)
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


def _verify(data: bytes, path: str, fields: dict[str, Any], want: dict[str, Counter[Entry]],
            cap: int = 65536) -> None:
    res = parse_contact(data, path, cap)
    if res.contact is None or any(p.severity == "error" for p in res.problems):
        raise Fallback("the merged file would not parse cleanly")
    for kind in KINDS:
        got = Counter(replace(e, line=0) for e in res.contact.of_kind(kind))
        if got != want[kind]:
            raise Fallback(f"the merged {kind} entries are not the union")
    if field_values(Doc.from_bytes(data, path), path) != fields:
        raise Fallback("the merged fields are not what the three versions say")


def merge_file(base: bytes, ours: bytes, theirs: bytes, marker_size: int = 7) -> tuple[bytes, int]:
    """``git merge-file -p`` on three byte strings: the merged bytes and the conflict count.

    Raises :class:`OSError` when git refuses (binary input, git missing).
    """
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


def whole_file_conflict(ours: bytes, theirs: bytes, marker_size: int = 7) -> bytes:
    """Both versions whole between conflict markers: the last resort, nothing lost."""
    def ended(data: bytes) -> bytes:
        return data if not data or data.endswith(b"\n") else data + b"\n"

    return (b"<" * marker_size + b" ours\n" + ended(ours) + b"=" * marker_size + b"\n"
            + ended(theirs) + b">" * marker_size + b" theirs\n")


def _as_utf8(data: bytes) -> tuple[bytes, bool]:
    """A UTF-16 version (with its BOM) as UTF-8, so it can be merged as text; True if converted."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), True
        except UnicodeDecodeError:
            return data, False
    return data, False


def merge_contact(base: bytes, ours: bytes, theirs: bytes, path: str, marker_size: int = 7,
                  max_front_matter: int = 65536) -> MergeResult:
    """The driver's whole decision for one contact file; never raises.

    Structured merge; else git's text merge (a conflict when a side did not
    parse); else (git refuses, e.g. a binary side) both versions whole
    between markers. A clean result whose front matter passes
    ``max_front_matter`` is kept whole but reported as a conflict, so no
    entry is lost and a person raises the cap or trims the file.
    """
    notes: list[str] = []
    converted = [_as_utf8(d) for d in (base, ours, theirs)]
    if any(c for _, c in converted):
        notes.append("a UTF-16 version was merged as UTF-8 (the result is UTF-8)")
    o, a, b = (d for d, _ in converted)
    try:
        result = merge_bytes(o, a, b, path, marker_size)
    except Exception as exc:
        unparsable = isinstance(exc, Fallback) and exc.unparsable
        reason = str(exc) if isinstance(exc, Fallback) else f"the structured merge failed ({type(exc).__name__}: {exc})"
        try:
            data, conflicts = merge_file(o, a, b, marker_size)
        except Exception as git_exc:
            return MergeResult(whole_file_conflict(a, b, marker_size), False,
                               f"{path}: {reason}; git merge-file failed too ({git_exc}); both versions are "
                               "in the file between conflict markers")
        if conflicts:
            how = "merged as plain text, with conflicts"
        elif unparsable:
            how = "merged as plain text without markers; check the file, then `git add` it"
        else:
            how = "merged as plain text"
        result = MergeResult(data, conflicts == 0 and not unparsable and isinstance(exc, Fallback),
                             f"{path}: {reason}; {how}")
    if result.clean:
        split, _ = split_front_matter(result.data.decode("utf-8", "replace"), path)
        size = len(split.yaml.encode("utf-8")) if split is not None and split.yaml else 0
        if size > max_front_matter:
            result = MergeResult(result.data, False, (result.message + "; " if result.message else f"{path}: ")
                                 + f"the merged front matter is {size} bytes, over max_front_matter "
                                 f"({max_front_matter}); every entry is kept: raise max_front_matter in "
                                 "guanxi.toml (or move old entries out), then `git add` the file")
    if notes:
        result = MergeResult(result.data, result.clean, "; ".join([result.message or path, *notes]))
    return result


def _vault_of(path: str) -> tuple[Path, str]:
    """The vault holding ``path`` (git runs drivers at the top of the work tree) and ``path``
    relative to it: the nearest folder up from the file with a ``guanxi.toml``, else the top."""
    from notebook_tool.core.config import CONFIG_NAME

    top = Path.cwd()
    rel = Path(path)
    for parent in rel.parents:  # nearest first
        if (top / parent / CONFIG_NAME).is_file():
            return top / parent, rel.relative_to(parent).as_posix()
    return top, rel.as_posix()


def is_generated_page(path: str) -> bool:
    """True when ``path`` (as git gives it, from the top of the work tree) is in the vault's
    output folder: only those pages are rebuilt by ``guanxi index``, so only they may keep ours."""
    from notebook_tool.read.config import load_config

    try:
        root, rel = _vault_of(path)
        config, _ = load_config(root)
    except Exception:
        return False
    if ".." in Path(rel).parts:
        return False
    return rel.startswith(config.output.strip("/") + "/")


def merge_files(base: Path, ours: Path, theirs: Path, path: str, marker_size: int = 7,
                generated: bool = False) -> tuple[bool, str]:
    """What the driver does: merge into ``ours``; ``(clean, message for stderr)``. Never raises.

    ``generated``: git routed the file to ``guanxi-generated``; ours is kept only
    when ``path`` really is a page in the vault's output folder, and anything
    else gets git's normal text merge.
    """
    try:
        o, a, b = base.read_bytes(), ours.read_bytes(), theirs.read_bytes()
    except OSError as exc:
        return False, f"{path}: cannot read the versions to merge ({exc}); left to git as a conflict"
    try:
        if generated:
            if is_generated_page(path):
                return True, ""  # ours stands; `guanxi index` rebuilds it
            try:
                data, conflicts = merge_file(o, a, b, marker_size)
                result = MergeResult(data, conflicts == 0,
                                     f"{path}: not a generated page (merged as plain text)" if conflicts else "")
            except Exception as exc:
                result = MergeResult(whole_file_conflict(a, b, marker_size), False,
                                     f"{path}: git merge-file failed ({exc}); both versions are in the file")
        else:
            result = merge_contact(o, a, b, path, marker_size, _cap_for(path))
    except Exception as exc:
        result = MergeResult(whole_file_conflict(a, b, marker_size), False,
                             f"{path}: the merge failed ({type(exc).__name__}: {exc}); both versions are in the file")
    try:
        ours.write_bytes(result.data)
    except OSError as exc:
        return False, f"{path}: cannot write the merge result ({exc})"
    return result.clean, result.message


def _cap_for(path: str) -> int:
    from notebook_tool.read.config import load_config

    try:
        return load_config(_vault_of(path)[0])[0].max_front_matter
    except Exception:
        return 65536
