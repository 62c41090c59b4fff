"""A contact file's bytes → :class:`~notebook_tool.model.FileResult`.

The YAML is composed into nodes (libyaml when available) rather than loaded
straight to Python objects, because nodes keep their line numbers: every
field and every entry knows where it stands in the file, and each problem is
reported at the file's own ``path:line``. Values are then built node by node,
so one bad entry costs that entry, not the whole contact.

Fields that hold text (``company``, ``phone``…) take the scalar's source text
when YAML 1.1 would turn it into something else (``no`` → false, ``0123`` →
83, ``12:30`` → 750): the person typed text, so text is what they get, with a
warning that other tools may read it differently.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import yaml

from notebook_tool.core.durations import DurationError, loose_iso_date, parse_days, parse_iso_date
from notebook_tool.core.model import KINDS, Birthday, Contact, Entry, FileResult, Kind, Problem, Severity, path_stem
from notebook_tool.read import entries as E
from notebook_tool.read import harden
from notebook_tool.read.entries import short
from notebook_tool.read.fields import COMMA_LISTS, KNOWN, nfc
from notebook_tool.read.fileparts import decode, split_front_matter

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
# YAML 1.1 (and so libyaml) also ends a line at NEL, LINE SEPARATOR and
# PARAGRAPH SEPARATOR; editors, git and this project count only LF (and CR).
# Where one occurs, positions are recomputed from the mark's character index.
_BIRTHDAY = re.compile(r"^(?:(?P<year>[0-9]{4})-|--)(?P<month>[0-9]{2})-(?P<day>[0-9]{2})$")
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")


# Cadences people write as words, and the duration each means (a month is 30 days).
_CADENCE_WORDS = {"daily": "1d", "weekly": "1w", "fortnightly": "2w", "biweekly": "2w", "monthly": "1m",
                  "quarterly": "3m", "yearly": "1y", "annually": "1y", "annual": "1y"}


def close_key(key: str) -> str | None:
    """The known field an unknown key was surely meant to be (``Email``, ``tag``, ``birthdate``), or None."""
    import difflib

    lowered = key.strip().lower()
    if lowered in KNOWN:
        return lowered
    close = difflib.get_close_matches(lowered, sorted(KNOWN), n=1, cutoff=0.75)
    return close[0] if close else None


_MESSAGE_MAX = 300
# C0 controls, DEL and the YAML 1.1 line breaks, shown as escapes in messages.
_CONTROLS = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)}


def one_line(msg: str) -> str:
    """A message fit for ``path:line: message``: one line, escaped controls, bounded length.

    Messages quote users' keys and values, and a quoted key may hold a line
    break; printed raw it would split one problem over two lines (and forge a
    second ``path:line:`` in tools that parse the output).
    """
    msg = msg.translate(_CONTROLS)
    return msg if len(msg) <= _MESSAGE_MAX else msg[: _MESSAGE_MAX - 1] + "…"


def has_controls(s: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in s)


class _Locator:
    """Maps a position in the front matter text to the file's own ``line, col``."""

    def __init__(self, yaml_text: str, first_line: int) -> None:
        self.text = yaml_text
        self.first_line = first_line  # file line of YAML line 0 (1-based)
        self.odd = any(b in yaml_text for b in _ODD_BREAKS)

    def index(self, index: int) -> tuple[int, int]:
        """File ``(line, col)`` (both 1-based) of a character offset in the text."""
        index = max(0, min(index, len(self.text)))
        line_start = self.text.rfind("\n", 0, index) + 1
        return self.first_line + self.text.count("\n", 0, index), index - line_start + 1

    def mark(self, mark: Any) -> tuple[int, int]:
        if self.odd:
            return self.index(mark.index)
        # At worst (end of stream) this is the closing '---' line: still in the file.
        return mark.line + self.first_line, mark.column + 1


class _Reader:
    """Builds one contact from its composed YAML, collecting problems."""

    def __init__(self, path: str, split_lines: tuple[str, ...], locator: _Locator, loader: Any) -> None:
        self.path = path
        self.lines = split_lines
        self.locator = locator
        self.loader = loader
        self.problems: list[Problem] = []

    # -- locations and messages -------------------------------------------------
    def line_of(self, node: yaml.Node) -> int:
        return self.locator.mark(node.start_mark)[0]

    def col_of(self, node: yaml.Node) -> int:
        return self.locator.mark(node.start_mark)[1]

    def error(self, node: yaml.Node, msg: str) -> None:
        self.problems.append(Problem(self.path, self.line_of(node), one_line(msg), self.col_of(node)))

    def warn(self, node: yaml.Node, msg: str) -> None:
        self.problems.append(Problem(self.path, self.line_of(node), one_line(msg), self.col_of(node), "warning"))

    def value(self, node: yaml.Node) -> Any:
        """Construct a node's Python value; raises ValueError on bad scalars."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ValueError(getattr(exc, "problem", None) or str(exc)) from None
        except (ValueError, TypeError, OverflowError) as exc:
            # e.g. 2024-02-30 resolves as a timestamp and then fails to build,
            # or an integer of 5,000 digits passes Python's conversion limit.
            raw = getattr(node, "value", "")
            if isinstance(raw, str) and len(raw) > E.SHOWN:
                raise ValueError(f"cannot read value {short(raw)!r}: it is too long a number") from None
            raise ValueError(f"cannot read value {short(raw)!r}: {exc}") from None

    # -- typed fields ------------------------------------------------------------
    def text(self, key: str, node: yaml.Node) -> str | None:
        """A text field: the scalar's own text, whatever YAML 1.1 thinks it is."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == NULL_TAG:
                return None
            if node.tag != STR_TAG and not node.style:
                try:
                    shown = self.value(node) if node.tag != "tag:yaml.org,2002:timestamp" else node.value
                except ValueError:  # e.g. '=' (YAML 1.1's value key): plainly text to a person
                    shown = node.value
                if isinstance(shown, bool) or (
                    not isinstance(shown, (dt.date, str)) and str(shown) != node.value
                ):
                    self.warn(
                        node,
                        f"'{key}: {short(node.value)}' is not text to YAML (it reads as {short(repr(shown))}); "
                        f"Guanxi keeps the text {short(node.value)!r} — quote it so other tools agree",
                    )
            return node.value.strip() or None
        self.error(node, f"'{key}' must be text, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
        return None

    def text_list(self, key: str, node: yaml.Node) -> tuple[str, ...]:
        if isinstance(node, yaml.SequenceNode):
            out = []
            for item in node.value:
                t = self.text(key, item)
                if t:
                    out.append(t)
            return tuple(out)
        t = self.text(key, node)
        if t and key in COMMA_LISTS and "," in t and isinstance(node, yaml.ScalarNode) and not node.style:
            # 'tags: hiring, engineering' means two tags, not one tag with a comma.
            items = tuple(part.strip() for part in t.split(",") if part.strip())
            self.warn(node, f"'{key}: {short(t)}' is read as the list [{short(', '.join(items))}]; "
                            "write it in brackets so other tools agree")
            return items
        return (t,) if t else ()

    def names(self, key: str, node: yaml.Node) -> tuple[str, ...]:
        """Aliases: text, one line each (they are lookup keys and link targets)."""
        out = []
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            t = self.text(key, item)
            if t and has_controls(t):
                self.error(item, f"'{key}': each alias must be one line of text without control characters")
            elif t:
                out.append(t)
        return tuple(out)

    def date(self, key: str, node: yaml.Node) -> dt.date | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
            return None
        try:
            v = self.value(node)
        except ValueError:
            v = getattr(node, "value", None)
        if isinstance(v, dt.datetime):
            self.warn(node, f"'{key}' has a time of day; only the date {v.date().isoformat()} is used")
            return v.date()
        if isinstance(v, dt.date):
            return v
        if isinstance(v, str):
            loose = loose_iso_date(v)
            if loose is not None:
                self.warn(node, f"'{key}: {short(v)}' is read as {loose.isoformat()}; write dates as YYYY-MM-DD")
                return loose
            try:
                return parse_iso_date(v)
            except ValueError as exc:
                self.error(node, f"'{key}': {exc}")
                return None
        if isinstance(node, yaml.ScalarNode):
            self.error(node, f"'{key}' must be a date as YYYY-MM-DD, got {short(node.value)!r}")
        else:
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            self.error(node, f"'{key}' must be one date as YYYY-MM-DD, not {kind}")
        return None

    def birthday(self, node: yaml.Node) -> Birthday | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
            if not isinstance(node, yaml.ScalarNode):
                self.error(node, "'birthday' must be a date (YYYY-MM-DD, or --MM-DD without the year)")
            return None
        raw = node.value.strip()
        # ASCII digits only: str.isdigit() also accepts '²' and '١٩٨٥'.
        m = _BIRTHDAY.match(raw)
        if m is None:
            self.error(node, f"'birthday': expected YYYY-MM-DD or --MM-DD, got {raw!r}")
            return None
        year = int(m["year"]) if m["year"] else None
        month, day = int(m["month"]), int(m["day"])
        try:
            dt.date(year if year is not None else 2000, month, day)  # 2000: a leap year
        except ValueError:
            self.error(node, f"'birthday': no such date: {raw}")
            return None
        return Birthday(month, day, year)

    def cadence(self, node: yaml.Node) -> int | None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == NULL_TAG:
                return None
            raw = node.value.strip()
            if len(raw) > 12:  # no cadence needs more; also keeps int() from huge digit strings
                self.error(node, f"'cadence: {short(raw)}' is not a duration (durations: 30d, 2w, 3m, 1y; "
                                 "or none to opt out)")
                return None
            if raw.lower() in ("none", "never", "off"):
                return 0
            try:
                days = parse_days(int(raw) if raw.isascii() and raw.isdigit() else raw)
            except DurationError:
                word = _CADENCE_WORDS.get(raw.lower())
                hint = f"; for {raw!r} write {word}" if word else ""
                self.error(node, f"'cadence: {short(raw)}' is not a duration{hint} "
                                 "(durations: 30d, 2w, 3m, 1y; or none to opt out)")
                return None
            if days == 0:
                self.error(node, "'cadence' must be longer than 0 days (use 'none' to opt out)")
                return None
            return days
        self.error(node, "'cadence' must be a duration like 30d, or none")
        return None

    # -- entries -----------------------------------------------------------------
    def entries(self, kind: Kind, node: yaml.Node) -> list[Entry]:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
            return []
        items: list[yaml.Node]
        if isinstance(node, yaml.SequenceNode):
            items = list(node.value)
        elif isinstance(node, yaml.ScalarNode):
            self.warn(node, f"'{kind}' should be a list ('- ' before each entry); read as one entry")
            items = [node]
        else:
            self.error(node, f"'{kind}' must be a list of entries, one per line starting with '- '")
            return []
        out: list[Entry] = []
        for item in items:
            entry = self.entry(kind, item)
            if entry is not None:
                out.append(entry)
        return out

    def entry(self, kind: Kind, node: yaml.Node) -> Entry | None:
        line = self.line_of(node)
        try:
            if isinstance(node, yaml.ScalarNode):
                if node.tag == NULL_TAG:
                    raise E.EntryError("empty entry: expected 'YYYY-MM-DD text'")
                self._check_comment(node)
                head, sep, rest = node.value.strip().partition(" ")
                loose = loose_iso_date(head)
                if loose is not None:  # '2025-6-1 Coffee': the date meant, and a warning
                    self.warn(node, f"{kind} entry: '{short(head)}' is read as {loose.isoformat()}; "
                                    "write dates as YYYY-MM-DD")
                    return E.parse_line(kind, loose.isoformat() + sep + rest, line)
                return E.parse_line(kind, node.value, line)
            if isinstance(node, yaml.MappingNode):
                data = self.value(node)
                if "date" in data:
                    entry, warnings = E.parse_mapping(kind, data, line)
                    for w in warnings:
                        self.warn(node, w)
                    return entry
                if len(node.value) == 1:
                    key_node, value_node = node.value[0]
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
                    if E.looks_like_entry_line(key):
                        self._check_comment(value_node)
                        return E.parse_line(kind, E.trap_line(key, data[self.value(key_node)]), line)
                raise E.EntryError("entry mapping needs a 'date' key: {date: YYYY-MM-DD, what: ...}")
            raise E.EntryError("an entry is 'YYYY-MM-DD text' or a mapping, not a list")
        except (E.EntryError, ValueError) as exc:
            self.error(node, f"{kind} entry: {exc}")
            return None

    def _check_comment(self, node: yaml.Node) -> None:
        """Warn when ` #` on an entry's line made YAML drop the rest as a comment."""
        if not isinstance(node, yaml.ScalarNode) or node.style:
            return
        end_line, end_col = self.locator.mark(node.end_mark)
        src = self.lines[end_line - 1] if 0 < end_line <= len(self.lines) else ""
        tail = src[end_col - 1 :]
        stripped = tail.lstrip()
        if stripped.startswith("#") and tail != stripped:
            self.warn(
                node,
                f"'{stripped[:40]}' is a YAML comment and not part of the entry; "
                "quote the entry (\"...\") to keep the text after '#'",
            )


def parse_contact(data: bytes, path: str, max_front_matter: int = 65536) -> FileResult:
    """Read one contact file. Never raises for bad input: problems are values."""
    try:
        return _parse_contact(data, path, max_front_matter)
    except Exception as exc:
        # A bug in Guanxi must not stop a whole vault from indexing. The tests
        # (fuzzing included) assert that this message never appears.
        return FileResult(path, None, (Problem(path, 1, f"internal error while reading this file "
                                                        f"(please report it): {type(exc).__name__}: {exc}"),))


MAX_PROBLEMS = 50  # per file: past this, one line says how many more


def _capped(problems: list[Problem]) -> tuple[Problem, ...]:
    """At most MAX_PROBLEMS problems, then one that counts the rest.

    A generated or pasted file can hold thousands of identical mistakes; the
    first fifty say what is wrong, the rest would bury every other file's.
    """
    if len(problems) <= MAX_PROBLEMS + 1:
        return tuple(problems)
    rest = problems[MAX_PROBLEMS:]
    severity: Severity = "error" if any(p.severity == "error" for p in rest) else "warning"
    more = Problem(rest[0].path, rest[0].line, f"{len(rest)} more problems in this file are not listed; "
                                               "fix the ones above first", None, severity)
    return (*problems[:MAX_PROBLEMS], more)


def _head(data: bytes, limit: int) -> tuple[bytes, bool]:
    """The file's first ``limit`` bytes, cut at a line end; and whether anything was cut.

    Only the front matter is read, and it is capped, so a 1 GB "contact"
    (a log pasted into the vault) costs a bounded amount of decoding and
    splitting instead of several times its size in memory.
    """
    if len(data) <= limit:
        return data, False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        newline = b"\n\x00" if data.startswith(codecs.BOM_UTF16_LE) else b"\x00\n"
        cut = data.rfind(newline, 0, limit)
        while cut > 0 and cut % 2:  # a newline code unit starts at an even offset
            cut = data.rfind(newline, 0, cut)
        return data[: cut + 2 if cut > 0 else limit - limit % 2], True
    cut = data.rfind(b"\n", 0, limit) + 1
    if cut == 0:  # one giant line: cut between UTF-8 characters, not inside one
        cut = limit
        while cut > 0 and data[cut] & 0xC0 == 0x80:
            cut -= 1
    return data[:cut], True


def _parse_contact(data: bytes, path: str, max_front_matter: int) -> FileResult:
    stem = nfc(path_stem(path))
    # Any front matter within the cap ends within 4 bytes a character of the start.
    data, cut = _head(data, 4 * max_front_matter + 65536)
    text, problems = decode(data, path)
    if text is None:
        return FileResult(path, None, _capped(problems))
    split, split_problems = split_front_matter(text, path)
    if split is None and cut and split_problems:
        # Not closed within what was read: it is larger than the cap, if closed at all.
        opened = split_problems[-1].line
        split_problems[-1] = Problem(path, opened, f"front matter is larger than {max_front_matter} bytes "
                                                   "(max_front_matter in guanxi.toml); not read")
    problems.extend(split_problems)
    if split is None:
        return FileResult(path, None, _capped(problems))
    if split.yaml is None:
        return FileResult(path, Contact(name=stem, path=path), tuple(problems))
    # A character is at most 4 bytes: only encode when the cap could be passed.
    if len(split.yaml) * 4 > max_front_matter and len(split.yaml.encode("utf-8", "surrogatepass")) > max_front_matter:
        problems.append(
            Problem(
                path,
                split.yaml_first_line - 1,
                f"front matter is larger than {max_front_matter} bytes "
                "(max_front_matter in guanxi.toml); not read",
            )
        )
        return FileResult(path, None, tuple(problems))

    locator = _Locator(split.yaml, split.yaml_first_line)
    # Anchors, tags and deep nesting are refused before anything is composed.
    finding = harden.prescan(split.yaml)
    if finding is not None:
        line, col = locator.index(finding.index)
        problems.append(Problem(path, line, finding.message, col))
        return FileResult(path, None, tuple(problems))

    loader = harden.Loader(split.yaml)
    try:
        root = loader.get_single_node()
        reader = _Reader(path, split.lines, locator, loader)
        contact = _build(reader, root, stem, path)
        problems.extend(reader.problems)
    except yaml.MarkedYAMLError as exc:
        problems.append(_yaml_problem(exc, path, locator, split.lines))
        contact = None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (control characters)
        line, col = locator.index(exc.position)
        problems.append(Problem(path, line, f"invalid YAML: character U+{exc.character:04X} is not allowed "
                                            "(a control character; delete it)", col))
        contact = None
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as exc:
        problems.append(Problem(path, split.yaml_first_line, f"invalid YAML: {exc}"))
        contact = None
    finally:
        loader.dispose()
    return FileResult(path, contact, _capped(problems))


_NO_SPACE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):(?P<value>[^\s/].*?)\s*$")


def _yaml_problem(exc: yaml.MarkedYAMLError, path: str, locator: _Locator, lines: tuple[str, ...]) -> Problem:
    """libyaml's error as one line at the file's own position, with a hint where one helps."""
    mark = exc.problem_mark or exc.context_mark
    line, col = locator.mark(mark) if mark else (locator.first_line, 1)
    what = exc.problem or exc.context or "cannot be parsed"
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    if what == "but found another document":
        what = "a second YAML document starts here; front matter is one block of fields"
    elif exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        context_line = locator.mark(exc.context_mark)[0]
        if context_line != line:
            # An unclosed quote or bracket is found where the front matter ends:
            # say where it was opened, which is where the fix is.
            what = f"{what} ({exc.context} on line {context_line})"
            # 'company:Acme' (no space after the colon) is a plain scalar to YAML, so
            # libyaml trips on the line after it: name the typo's line and its fix.
            typo = _NO_SPACE.match(lines[context_line - 1]) if 0 < context_line <= len(lines) else None
            if typo:
                fix = f"{typo['key']}: {typo['value']}"
                return Problem(path, context_line, f"'{short(typo[0].strip())}' needs a space after the colon: "
                                                   f"'{short(fix)}'", 1)
    if what.startswith("mapping values are not allowed") and 1 < line <= len(lines) + 1:
        # 'company:Acme' then 'email: a': YAML reads both lines as one key.
        typo = _NO_SPACE.match(lines[line - 2])
        if typo:
            fix = f"{typo['key']}: {typo['value']}"
            return Problem(path, line - 1, f"'{short(typo[0].strip())}' needs a space after the colon: "
                                           f"'{short(fix)}'", 1)
    if col is not None and src[col - 1 : col] == "\t" and "tab" not in what:
        what += " (a tab: YAML is indented with spaces only)"
    for brk, label in (("\u2028", "U+2028 LINE SEPARATOR"), ("\u2029", "U+2029 PARAGRAPH SEPARATOR"),
                       ("\x85", "U+0085 NEXT LINE")):
        if brk in src:
            what += f" (line {line} holds an invisible {label}, which YAML reads as a line break)"
            break
    return Problem(path, line, f"invalid YAML: {what}", col)


_FIELD_READERS: dict[str, Callable[[_Reader, str, yaml.Node], Any]] = {
    "aliases": lambda r, k, n: r.names(k, n),
    "email": lambda r, k, n: r.text_list(k, n),
    "phone": lambda r, k, n: r.text_list(k, n),
    "links": lambda r, k, n: r.text_list(k, n),
    "tags": lambda r, k, n: r.text_list(k, n),
    "needs": lambda r, k, n: r.text_list(k, n),
    "offers": lambda r, k, n: r.text_list(k, n),
    "company": lambda r, k, n: r.text(k, n),
    "role": lambda r, k, n: r.text(k, n),
    "via": lambda r, k, n: r.text(k, n),
    "why": lambda r, k, n: r.text(k, n),
    "met": lambda r, k, n: r.date(k, n),
    "snooze": lambda r, k, n: r.date(k, n),
    "birthday": lambda r, k, n: r.birthday(n),
    "cadence": lambda r, k, n: r.cadence(n),
}
_ATTR = {"email": "emails", "phone": "phones", "cadence": "cadence_days"}


def _extra_value(r: _Reader, key: str, node: yaml.Node) -> Any:
    """A field Guanxi does not know: kept as YAML reads it, else as its text.

    Unknown fields belong to the user and are ignored, so a value YAML cannot
    build (``since: 2024-13-01``) costs a warning, not the contact.
    """
    try:
        return r.value(node)
    except ValueError as exc:
        if isinstance(node, yaml.ScalarNode):
            r.warn(node, f"'{key}': {exc}; kept as text")
            return node.value
        raise


def _build(r: _Reader, root: yaml.Node | None, stem: str, path: str) -> Contact | None:
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == NULL_TAG):
        return Contact(name=stem, path=path)
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "plain text"
        typo = _NO_SPACE.match(root.value) if isinstance(root, yaml.ScalarNode) else None
        if typo:
            r.error(root, f"'{short(typo[0])}' needs a space after the colon: '{typo['key']}: {short(typo['value'])}'")
        else:
            r.error(root, f"front matter must be fields (key: value), not {kind}")
        return None
    fields: dict[str, Any] = {}
    extra: list[tuple[str, Any]] = []
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    name = stem
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            r.error(key_node, "a field name must be plain text")
            continue
        key: str = key_node.value
        if key in seen:
            r.error(key_node, f"duplicate key '{key}' (first on line {seen[key]}); this one is ignored")
            continue
        seen[key] = r.line_of(key_node)
        try:
            if key == "name":
                # Unlike other text fields, a name that YAML reads as a number or
                # a boolean is an error: it decides links and lookups everywhere.
                if not isinstance(value_node, yaml.ScalarNode):
                    r.error(value_node, "'name' must be text, not a list or mapping")
                elif value_node.tag not in (STR_TAG, NULL_TAG):
                    r.error(value_node, f"'name' must be text; quote it (\"{short(value_node.value)}\")")
                else:
                    value = r.text(key, value_node)
                    if value and has_controls(value):
                        # The name is a link target, a lookup key and a table cell.
                        r.error(value_node, "'name' must be one line of text without control characters")
                    elif value:
                        name = nfc(value)
            elif key in KINDS:
                entries.extend(r.entries(key, value_node))
            elif key in _FIELD_READERS:
                fields[_ATTR.get(key, key)] = _FIELD_READERS[key](r, key, value_node)
            else:
                meant = close_key(key)
                if meant is not None and meant not in seen:
                    # Kept as the user's own field, but it is surely a typo of a field
                    # Guanxi reads (the person would show "no way to reach them").
                    r.warn(key_node, f"unknown field '{short(key)}': did you mean '{meant}'? "
                                     f"(rename it to '{meant}:' for Guanxi to read it)")
                extra.append((key, _extra_value(r, key, value_node)))
        except ValueError as exc:
            r.error(value_node, f"'{key}': {exc}")
    aliases = tuple(nfc(a) for a in fields.pop("aliases", ()))
    return Contact(
        name=name,
        path=path,
        aliases=aliases,
        entries=tuple(entries),
        extra=tuple(extra),
        **{k: v for k, v in fields.items() if v is not None},
    )
