"""Peers the benchmark compares Guanxi with, each run as a subprocess as a user would run it.

- ``naive``: a naive indexer built on python-frontmatter — walk the vault,
  ``frontmatter.load`` every contact file, sum each person's gives and takes,
  write one Markdown table. What someone would write in an afternoon; a cold
  ``guanxi index`` must beat it (it does more: validation, attention, two pages).
- ``statwalk``: walk the vault and ``os.stat`` every contact file, from a
  fresh interpreter: the floor of any command that must notice a changed
  file, start-up included.

Run: ``python -m benchmarks.peers naive|statwalk VAULT``.
"""

from __future__ import annotations

import os
import re
import sys

_WEIGHT = re.compile(r"\s[+](\d+(?:\.\d+)?)\s*$")


def _files(root: str) -> list[str]:
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        out += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".md")]
    return out


def _weight(entry: object) -> float:
    text = entry if isinstance(entry, str) else str(entry.get("text", "")) if isinstance(entry, dict) else ""
    if "[ ]" in text:
        return 0.0
    m = _WEIGHT.search(text)
    return float(m.group(1)) if m else 1.0


def naive(root: str) -> None:
    import frontmatter  # the peer's one dependency

    rows = []
    for path in _files(root):
        try:
            post = frontmatter.load(path)
        except Exception as exc:  # a naive indexer skips what it cannot read
            print(f"{path}: {exc}", file=sys.stderr)
            continue
        given = sum(_weight(e) for e in post.get("give") or [])
        taken = sum(_weight(e) for e in post.get("take") or [])
        name = str(post.get("name") or os.path.basename(path)[:-3])
        rows.append((name.casefold(), name, given, taken))
    rows.sort()
    out = os.path.join(root, "_index")
    os.makedirs(out, exist_ok=True)
    lines = ["| Person | Given | Taken | Balance |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {n} | {g:g} | {t:g} | {g - t:g} |" for _, n, g, t in rows]
    with open(os.path.join(out, "naive.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def statwalk(root: str) -> None:
    for path in _files(root):
        os.stat(path)


if __name__ == "__main__":
    {"naive": naive, "statwalk": statwalk}[sys.argv[1]](sys.argv[2])
