"""``guanxi history NAME``: each entry of a contact with the git commit that added it.

This module owns reading git history for a contact. It asks ``git blame``
(porcelain format) rather than walking ``git log -p``: blame already follows
the file through renames and through merges (an entry merged in from
another clone is attributed to the commit that first wrote it there, not to
the merge), and maps every current line to one commit, which is exactly
"who logged this entry and when".
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_tool.compute.ledger import number
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Entry
from notebook_tool.read.notetouch import is_note_touch

NOT_COMMITTED = "0" * 40


@dataclass(frozen=True, slots=True)
class Row:
    """One entry and the commit that added its line (``commit`` None when not committed yet)."""

    entry: Entry
    commit: str | None
    author: str
    email: str
    when: dt.datetime | None
    summary: str


@dataclass
class _Commit:
    author: str = ""
    email: str = ""
    time: int = 0
    tz: str = "+0000"
    summary: str = ""


def _tz(offset: str) -> dt.timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def blame(root: Path, rel: str) -> dict[int, tuple[str, _Commit]]:
    """1-based line → (commit sha, commit info) for the file as it is on disk."""
    try:
        proc = subprocess.run(["git", "-C", str(root), "blame", "--porcelain", "--", rel],
                              capture_output=True, text=True, encoding="utf-8", errors="replace")
    except OSError:
        raise GuanxiError("history needs git, and git is not installed") from None
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if "not a git repository" in err:
            raise GuanxiError(f"{root} is not in a git repository; history comes from git")
        if "no such path" in err or "no such ref" in err:
            return {}  # a file (or a repository) never committed: every entry is "not committed"
        raise GuanxiError(f"git blame failed: {err}")
    commits: dict[str, _Commit] = {}
    lines: dict[int, tuple[str, _Commit]] = {}
    current: _Commit | None = None
    sha = ""
    for raw in proc.stdout.split("\n"):
        if raw.startswith("\t"):
            continue
        parts = raw.split(" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and all(c in "0123456789abcdef" for c in parts[0]):
            sha = parts[0]
            current = commits.setdefault(sha, _Commit())
            lines[int(parts[2])] = (sha, current)
        elif current is not None:
            key, _, value = raw.partition(" ")
            if key == "author":
                current.author = value
            elif key == "author-mail":
                current.email = value.strip("<>")
            elif key == "author-time":
                current.time = int(value)
            elif key == "author-tz":
                current.tz = value
            elif key == "summary":
                current.summary = value
    return lines


def entry_history(root: Path, contact: Contact) -> list[Row]:
    """The contact's entries in date order, each with the commit that added its line."""
    by_line = blame(root, contact.path)
    rows = []
    for e in sorted(contact.entries, key=lambda x: (x.date, x.line)):
        if is_note_touch(e):
            continue  # a touch from a note has no line in the contact file to blame
        sha, info = by_line.get(e.line, (NOT_COMMITTED, _Commit()))
        if sha == NOT_COMMITTED:
            rows.append(Row(e, None, "", "", None, ""))
        else:
            when = dt.datetime.fromtimestamp(info.time, _tz(info.tz))
            rows.append(Row(e, sha, info.author, info.email, when, info.summary))
    return rows


def history_text(contact: Contact, rows: list[Row]) -> str:
    from notebook_tool.render.views import entry_line

    out = [f"{contact.name} ({contact.path})", ""]
    if not rows:
        out.append("No entries yet.")
    for r in rows:
        who = (f"{r.commit[:7]} {r.author} {r.when.date().isoformat()}"
               if r.commit and r.when else "not committed")
        out.append(f"{entry_line(r.entry)}  — {who}")
    return "\n".join(out) + "\n"


def history_json(contact: Contact, rows: list[Row]) -> dict[str, Any]:
    return {
        "name": contact.name,
        "path": contact.path,
        "entries": [
            {
                "kind": r.entry.kind,
                "date": r.entry.date.isoformat(),
                "text": r.entry.text,
                "weight": number(r.entry.weight),  # 1, not 1.0 (docs/json.md)
                "status": r.entry.status,
                "line": r.entry.line,
                "commit": r.commit,
                "author": r.author or None,
                "email": r.email or None,
                "committed": r.when.isoformat() if r.when else None,
                "summary": r.summary or None,
            }
            for r in rows
        ],
    }
