"""``guanxi report changes --since 7d|DATE``: what changed in the vault, from its git history.

The vault is read twice, in memory, with the same read layer as everywhere
(``read.vault.read_file`` on the blob's bytes, ``read.config`` on the
committed ``guanxi.toml``): at the last commit before the start of the
``--since`` day, and at ``HEAD``. Nothing is checked out or written to disk.
The two are compared person by person (matched by file path, and by name
when a file was renamed): people added and removed, gives, takes and
touches logged, promises made and kept, balances that moved, and who newly
needs attention (on the attention page as of today and not as of the start).

Commits are picked by committer date, with the day starting at 00:00 UTC,
so the answer depends only on the repository and the two dates. Uncommitted
edits are not in the digest (commit first: it is a history of the notebook).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from notebook_tool.compute.attention import Context, attention, sort_key_name
from notebook_tool.compute.ledger import Summary, fmt, number, summarize
from notebook_tool.core.config import CONFIG_NAME, Config
from notebook_tool.core.durations import parse_days, parse_iso_date
from notebook_tool.core.errors import GuanxiError
from notebook_tool.core.model import Contact, Entry, FileResult, Vault
from notebook_tool.core.text import fold
from notebook_tool.read.config import config_from_mapping
from notebook_tool.read.notefiles import parse_note
from notebook_tool.read.notetouch import NoteIndex
from notebook_tool.read.vault import read_file


@dataclass(frozen=True, slots=True)
class Logged:
    """An entry new since the start, with whom."""

    name: str
    path: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class Moved:
    name: str
    path: str
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class Digest:
    """What changed between two commits of the vault."""

    since: dt.date
    today: dt.date
    base: str | None  # the commit before --since (None: the history starts later)
    head: str | None  # None: no commit yet
    added: tuple[tuple[str, str], ...] = ()  # (name, path)
    removed: tuple[tuple[str, str], ...] = ()
    logged: tuple[Logged, ...] = ()  # gives, takes, touches, in date order
    promised: tuple[Logged, ...] = ()  # open gives made
    kept: tuple[Logged, ...] = ()  # promises open at the start, kept now
    moved: tuple[Moved, ...] = ()
    needs_attention: tuple[tuple[str, str, str], ...] = field(default=())  # (name, path, top reason)


def since_date(value: str, today: dt.date) -> dt.date:
    """``7d``, ``2w`` … counted back from today, or a ``YYYY-MM-DD``."""
    v = value.strip()
    if len(v) == 10 and v[4] == "-":
        try:
            return parse_iso_date(v)
        except ValueError as exc:
            raise GuanxiError(f"--since: {exc}") from None
    try:
        return today - dt.timedelta(days=parse_days(v))
    except ValueError as exc:
        raise GuanxiError(f"--since: {exc} (or a date as YYYY-MM-DD)") from None


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        r = subprocess.run(["git", "-C", str(root), *args], input=data, capture_output=True, check=False)
    except OSError as exc:
        raise GuanxiError(f"cannot run git: {exc}") from None
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GuanxiError(f"git {args[0]} failed: {msg[-1] if msg else r.returncode}")
    return r.stdout


def _head(root: Path) -> str | None:
    r = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
                       capture_output=True, text=True, check=False)
    return r.stdout.strip() or None


def _blobs(root: Path, commit: str, prefix: str) -> dict[str, str]:
    """Vault-relative path → blob id, for every file under the vault at ``commit``."""
    out = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    blobs: dict[str, str] = {}
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _, name = rec.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        if kind != "blob" or mode == "120000":  # a symlink's target is not its content: skipped
            continue
        path = name.decode("utf-8", "surrogateescape")
        rel = path[len(prefix):] if prefix else path
        blobs[rel] = oid
    return blobs


def _cat(root: Path, oids: list[str]) -> list[bytes]:
    """The blobs' bytes, in order, through one ``git cat-file --batch``."""
    if not oids:
        return []
    out = _git(root, "cat-file", "--batch", data=("\n".join(oids) + "\n").encode())
    got, pos = [], 0
    for _ in oids:
        nl = out.index(b"\n", pos)
        size = int(out[pos:nl].split()[2])
        got.append(out[nl + 1: nl + 1 + size])
        pos = nl + 1 + size + 1
    return got


def is_contact_path(rel: str, config: Config) -> bool:
    """The walk's rule on a path from git: a ``.md`` under a contacts folder, not hidden, not output."""
    p = PurePosixPath(rel)
    if not rel.lower().endswith(".md") or any(part.startswith(".") for part in p.parts):
        return False
    output = config.output.strip("/")
    if rel == output or rel.startswith(output + "/"):
        return False
    if any(rel.startswith(f + "/") for f in config.notes):
        return False
    tops = config.contacts if config.contacts is not None else (".",)
    for top in tops:
        t = top.strip("/")
        if t in (".", "") or rel.startswith(t + "/"):
            return True
    return False


def vault_at(root: Path, commit: str, prefix: str) -> Vault:
    """The vault as committed at ``commit``, read in memory."""
    blobs = _blobs(root, commit, prefix)
    config = Config()
    if CONFIG_NAME in blobs:
        try:
            raw = _cat(root, [blobs[CONFIG_NAME]])[0].decode("utf-8-sig")
            config, _ = config_from_mapping(tomllib.loads(raw), raw)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            config = Config()  # a broken config then: the defaults, as the index would use
    paths = sorted(p for p in blobs if is_contact_path(p, config))
    datas = _cat(root, [blobs[p] for p in paths])
    results: tuple[FileResult, ...] = tuple(read_file(root, p, config, data=d) for p, d in zip(paths, datas, strict=True))
    vault = Vault(root, config, results)
    if config.notes:  # the notes as committed count as touches, as in every other view
        note_rels = sorted(p for p in blobs if p.lower().endswith(".md")
                           and any(p.startswith(f + "/") for f in config.notes)
                           and not any(part.startswith(".") for part in p.split("/")))
        notes = [parse_note(d, p) for p, d in zip(note_rels, _cat(root, [blobs[p] for p in note_rels]), strict=True)]
        vault = NoteIndex.of(notes).apply(vault)
    return vault


def _empty(root: Path, config: Config) -> Vault:
    return Vault(root, config, ())


def _key(e: Entry) -> tuple[str, dt.date, str, float]:
    return (e.kind, e.date, fold(e.text), e.weight)


def _match(before: Vault, after: Vault) -> dict[str, Contact | None]:
    """Each contact now (by path) → the same person at the start (same path, else same name), or None."""
    by_path = {c.path: c for c in before.contacts}
    by_name: dict[str, Contact] = {}
    for c in before.contacts:
        by_name.setdefault(fold(c.name), c)
    now_paths = {c.path for c in after.contacts}
    out: dict[str, Contact | None] = {}
    for c in after.contacts:
        old = by_path.get(c.path)
        if old is None:
            cand = by_name.get(fold(c.name))
            old = cand if cand is not None and cand.path not in now_paths else None  # a rename
        out[c.path] = old
    return out


def diff(before: Vault, after: Vault, since: dt.date, today: dt.date,
         base: str | None, head: str | None) -> Digest:
    """The digest between two read vaults (pure)."""
    def order(c: Contact) -> tuple[str, str]:
        return (sort_key_name(c.name), c.path)

    matched = _match(before, after)
    kept_paths = {old.path for old in matched.values() if old is not None}
    added = tuple((c.name, c.path) for c in sorted(after.contacts, key=order) if matched[c.path] is None)
    removed = tuple((c.name, c.path) for c in sorted(before.contacts, key=order) if c.path not in kept_paths)
    logged: list[Logged] = []
    promised: list[Logged] = []
    kept: list[Logged] = []
    moved: list[Moved] = []
    for c in sorted(after.contacts, key=order):
        old = matched[c.path]
        was = Counter(_key(e) for e in old.entries) if old else Counter()
        open_before = Counter(_key(e) for e in old.entries if e.is_open) if old else Counter()
        for e in sorted(c.entries, key=lambda e: (e.date, e.line)):
            k = _key(e)
            if e.status == "kept" and open_before[k] > 0:
                open_before[k] -= 1
                was[k] -= 1
                kept.append(Logged(c.name, c.path, e))
            elif was[k] > 0:
                was[k] -= 1
            elif e.is_open:
                promised.append(Logged(c.name, c.path, e))
            else:
                logged.append(Logged(c.name, c.path, e))
        b = summarize(old, since, before.config.half_life_days).balance if old else 0.0
        a = summarize(c, today, after.config.half_life_days).balance
        if number(a) != number(b):
            moved.append(Moved(c.name, c.path, b, a))
    then = {p.contact.path for p in attention(_summaries(before, since), Context(since, before.config))}
    old_of = {path: (old.path if old else None) for path, old in matched.items()}
    newly = tuple((p.contact.name, p.contact.path, p.reasons[0].text)
                  for p in attention(_summaries(after, today), Context(today, after.config))
                  if old_of.get(p.contact.path) not in then)
    return Digest(since, today, base, head, added, removed,
                  tuple(sorted(logged, key=lambda x: (x.entry.date, sort_key_name(x.name), x.path, x.entry.line))),
                  tuple(promised), tuple(kept), tuple(moved), newly)


def _summaries(vault: Vault, day: dt.date) -> list[Summary]:
    return [summarize(c, day, vault.config.half_life_days) for c in vault.contacts]


def changes(root: Path, since: str, today: dt.date) -> Digest:
    """The digest of the vault at ``root`` from the start of the ``--since`` day to HEAD."""
    from notebook_tool.read.gitrepo import in_git_work_tree

    root = root.resolve()
    if not in_git_work_tree(root):
        raise GuanxiError(f"{root} is not in a git repository: report changes reads the history "
                          "(see docs/git.md to start one)")
    start = since_date(since, today)
    if start > today:
        raise GuanxiError(f"--since {start.isoformat()} is after today ({today.isoformat()})")
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    head = _head(root)
    if head is None:
        empty = _empty(root, Config())
        return diff(empty, empty, start, today, None, None)
    before_iso = f"{start.isoformat()}T00:00:00+00:00"
    base = _git(root, "rev-list", "-1", f"--before={before_iso}", head).decode().strip() or None
    after = vault_at(root, head, prefix)
    before = vault_at(root, base, prefix) if base else _empty(root, after.config)
    return diff(before, after, start, today, base, head)


# -- output ---------------------------------------------------------------------------

def _entry_text(x: Logged) -> str:
    w = "" if x.entry.weight == 1 else f" +{fmt(x.entry.weight)}"
    return f"{x.entry.date.isoformat()} {x.entry.kind} {x.name}: {x.entry.text}{w}".rstrip()


def digest_text(d: Digest) -> str:
    """The digest as Markdown, for a weekly review."""
    out = [f"# Changes since {d.since.isoformat()}", "",
           f"From {d.base[:12] if d.base else 'the start of the history'} to "
           f"{d.head[:12] if d.head else 'no commit yet'}, as of {d.today.isoformat()}.", ""]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend([f"## {title}", "", *(f"- {ln}" for ln in lines), ""])

    section("People added", [f"{n} ({p})" for n, p in d.added])
    section("People removed", [f"{n} ({p})" for n, p in d.removed])
    for kind, title in (("give", "Gives logged"), ("take", "Takes logged"), ("touch", "Touches logged")):
        section(title, [_entry_text(x) for x in d.logged if x.entry.kind == kind])
    section("Promises made", [_entry_text(x) for x in d.promised])
    section("Promises kept", [_entry_text(x) for x in d.kept])
    section("Balances moved", [f"{m.name}: {fmt(m.before)} → {fmt(m.after)}" for m in d.moved])
    section("Newly needs attention", [f"{n}: {r}" for n, _, r in d.needs_attention])
    if len(out) == 4:
        out += ["Nothing changed.", ""]
    return "\n".join(out)


def digest_json(d: Digest) -> dict[str, Any]:
    def entry(x: Logged) -> dict[str, Any]:
        e = x.entry
        return {"name": x.name, "path": x.path, "kind": e.kind, "date": e.date.isoformat(), "text": e.text,
                "weight": number(e.weight), "status": e.status}

    return {
        "since": d.since.isoformat(), "as_of": d.today.isoformat(), "base": d.base, "head": d.head,
        "added": [{"name": n, "path": p} for n, p in d.added],
        "removed": [{"name": n, "path": p} for n, p in d.removed],
        "logged": [entry(x) for x in d.logged],
        "promises_made": [entry(x) for x in d.promised],
        "promises_kept": [entry(x) for x in d.kept],
        "balances_moved": [{"name": m.name, "path": m.path, "before": number(m.before), "after": number(m.after)}
                           for m in d.moved],
        "newly_needs_attention": [{"name": n, "path": p, "reason": r} for n, p, r in d.needs_attention],
    }
