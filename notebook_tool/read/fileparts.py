"""Bytes of a contact file → decoded text, front matter block and its line offset.

python-frontmatter is convenient but loses what we must keep: it strips
leading whitespace (so line numbers drift), treats a missing closing ``---``
as "no metadata" (a silently empty contact), and its YAML errors carry no file
name. So the split is done here, on the file's own lines, and everything is
reported as a :class:`~notebook_tool.model.Problem` with the file's own line.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from notebook_tool.core.model import Problem

_DELIMS_OPEN = "---"
_DELIMS_CLOSE = ("---", "...")


@dataclass(frozen=True, slots=True)
class Split:
    """A decoded file split into its parts.

    ``yaml`` is the front matter text (``None`` when the file has none) and
    ``yaml_first_line`` the 1-based file line its first line stands on.
    ``lines`` are the file's lines with line endings removed, for messages
    that quote or inspect the source.
    """

    yaml: str | None
    yaml_first_line: int
    lines: tuple[str, ...]
    body_first_line: int


def _position(text_before: str) -> tuple[int, int]:
    """1-based ``(line, col)`` just after ``text_before`` (LF, CRLF or CR lines)."""
    text_before = text_before.replace("\r\n", "\n").replace("\r", "\n")
    return text_before.count("\n") + 1, len(text_before) - (text_before.rfind("\n") + 1) + 1


def _looks_utf16_without_bom(data: bytes) -> bool:
    """ASCII-ish text saved as UTF-16 without a BOM: every other byte is NUL."""
    head = data[:200]
    if len(head) < 4:
        return False
    return head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a file's bytes; UTF-8 (with or without BOM) or BOM-marked UTF-16.

    Returns ``(None, [problem])`` when the bytes are not text, naming the line
    and column (in characters, as an editor counts them) of the first bad byte.
    """
    # UTF-32's BOM starts with UTF-16's: test it first.
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        return None, [Problem(path, 1, "the file is UTF-32 text, which Guanxi does not read "
                                       "(save the file as UTF-8)")]
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            good = data[: exc.start - (exc.start % 2)].decode("utf-16", "replace")
            line, col = _position(good[1:] if good.startswith("\ufeff") else good)
            return None, [Problem(path, line, f"cannot decode UTF-16 text: {exc.reason} "
                                              "(save the file as UTF-8)", col)]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if _looks_utf16_without_bom(data):
                return None, [Problem(path, 1, "the file looks like UTF-16 text without a byte order "
                                               "mark (save the file as UTF-8)")]
            # Everything before the bad byte decoded, so the column counts characters.
            before = data[: exc.start].decode("utf-8-sig", "replace")
            line, col = _position(before)
            return None, [
                Problem(
                    path,
                    line,
                    f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded "
                    "(save the file as UTF-8)",
                    col,
                )
            ]
    if "\x00" in text:
        line, col = _position(text[: text.index("\x00")].lstrip("\ufeff"))
        if _looks_utf16_without_bom(data):
            return None, [Problem(path, 1, "the file looks like UTF-16 text without a byte order "
                                           "mark (save the file as UTF-8)")]
        return None, [Problem(path, line, "file contains a NUL byte; is it a binary file?", col)]
    if text.startswith("\ufeff"):  # a second BOM (UTF-16 decoded) is not content
        text = text[1:]
    return text, []


def split_front_matter(text: str, path: str) -> tuple[Split | None, list[Problem]]:
    """Find the ``---`` … ``---`` block at the top of a file.

    A file with no opening ``---`` on its first line has no front matter (it
    is a contact named after the file). An opening with no closing line is an
    error, never "no metadata".
    """
    # CRLF and lone CR both end a line, as they do in YAML and in editors.
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    problems: list[Problem] = []
    first = 0
    if lines[0].rstrip() != _DELIMS_OPEN:
        # Blank lines before the opening --- still mean front matter to
        # python-frontmatter; Obsidian and GitHub disagree. Read it, but say so.
        while first < len(lines) and not lines[first].strip():
            first += 1
        if first == 0 or first >= len(lines) or lines[first].rstrip() != _DELIMS_OPEN:
            return Split(None, 1, lines, 1), []
        problems.append(
            Problem(
                path,
                first + 1,
                "front matter should start on line 1 (Obsidian and GitHub ignore it otherwise)",
                severity="warning",
            )
        )
    for i in range(first + 1, len(lines)):
        if lines[i].rstrip() in _DELIMS_CLOSE:
            yaml_text = "\n".join(lines[first + 1 : i]) + "\n"
            return Split(yaml_text, first + 2, lines, i + 2), problems
    problems.append(
        Problem(
            path,
            first + 1,
            f"front matter opened with '---' on line {first + 1} is never closed "
            "(add a '---' line after the last field)",
        )
    )
    return None, problems
