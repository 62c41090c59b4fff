"""What the hardened loader costs: a cold index of a synthetic 10,000-contact vault.

Run: ``python benchmarks/hardening.py [--contacts N] [--runs R]``.

Three timings, each the median of R runs over the same files:

* ``plain``: read, decode, split and ``yaml.load(..., CSafeLoader)`` each
  file — the floor any YAML-reading indexer pays;
* ``index, no pre-scan``: Guanxi's cold index (read every file, parse into
  contacts, render and write the pages) with :func:`harden.prescan` switched off;
* ``index, hardened``: the same with the pre-scan on, as shipped.

The ratio that matters (issue 5: at most 1.5×) is hardened / no pre-scan;
the loader alone (pre-scan + load against plain load) and hardened index /
plain load are printed too. One file in ten holds a Markdown list (``* item``)
in a block scalar, which the cheap scan clears; one in twenty a quoted
``", *word*"``, which looks like an alias to it and so takes the event-scan
path: the false alarms a real vault has.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from notebook_tool.core.config import Config
from notebook_tool.read import harden, parse
from notebook_tool.read.fileparts import decode, split_front_matter
from notebook_tool.read.vault import contact_paths, load_vault
from notebook_tool.render.pages import build, pages
from notebook_tool.write.pages import write_pages

TODAY = dt.date(2025, 6, 1)


def contact(i: int, rng: random.Random) -> str:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(500))
    lines = [
        "---",
        f"name: Person {i:05d}",
        f"aliases: [P{i}]",
        f"email: person{i}@example.com",
        f'phone: "+1 555 {i:04d}"',
        f"company: Company {rng.randrange(300)}",
        "role: Engineer",
        f"tags: [{rng.choice(['mentor', 'recruiting', 'family', 'devops'])}, friend]",
        f"met: {day.isoformat()}",
        f'via: "[[Person {rng.randrange(10_000):05d}]]"',
        "why: Places IT people; R&D hiring, thanks!",
        f"cadence: {rng.choice(['30d', '60d', '90d', 'none'])}",
        "birthday: --06-14",
        "needs: [senior SRE candidates]",
        "offers: [salary benchmarks]",
        "give:",
    ]
    for k in range(rng.randrange(1, 8)):
        d = day + dt.timedelta(days=10 * k)
        other = f"Person {rng.randrange(10_000):05d}"
        lines.append(f"  - {d.isoformat()} Introduced them to [[{other}]] +{rng.randrange(1, 4)}")
    lines.append("take:")
    for k in range(rng.randrange(0, 5)):
        d = day + dt.timedelta(days=7 * k)
        lines.append(f"  - {{date: {d.isoformat()}, what: Referral, weight: 2}}")
    lines.append("touch:")
    lines.append(f"  - {day.isoformat()} Coffee at the meetup")
    if i % 10 == 0:  # a Markdown list in a user field: cleared by the cheap scan
        lines += ["notes: |", "  * met at KubeCon", "  * likes climbing"]
    if i % 20 == 0:  # ", *" inside quotes looks like an alias: a false alarm, event-scanned
        lines.append('hobbies: ["climbing, *bouldering* mostly", chess]')
    lines += ["---", "Free notes.", ""]
    return "\n".join(lines)


def make_vault(root: Path, n: int) -> None:
    rng = random.Random(5)
    people = root / "people"
    people.mkdir(parents=True)
    (root / "guanxi.toml").write_text('contacts = ["people"]\n')
    for i in range(n):
        (people / f"Person {i:05d}.md").write_text(contact(i, rng), encoding="utf-8")


def plain(root: Path) -> None:
    paths, _ = contact_paths(root, Config(contacts=("people",)))
    for rel in paths:
        text, _ = decode((root / rel).read_bytes(), rel)
        split, _ = split_front_matter(text or "", rel)
        if split is not None and split.yaml is not None:
            yaml.load(split.yaml, Loader=yaml.CSafeLoader)


def hardened_load(root: Path) -> None:
    paths, _ = contact_paths(root, Config(contacts=("people",)))
    for rel in paths:
        text, _ = decode((root / rel).read_bytes(), rel)
        split, _ = split_front_matter(text or "", rel)
        if split is not None and split.yaml is not None and harden.prescan(split.yaml) is None:
            yaml.load(split.yaml, Loader=yaml.CSafeLoader)


def cold_index(root: Path) -> None:
    out = root / "_index"
    for page in out.glob("*"):
        page.unlink()  # cold: the pages are written, not found unchanged
    vault = load_vault(root)
    write_pages(root, "_index", pages(build(vault, TODAY), "_index"))


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        make_vault(root, args.contacts)
        cold_index(root)  # warm the OS file cache and imports once, untimed
        t_plain = median_time(lambda: plain(root), args.runs)
        t_hload = median_time(lambda: hardened_load(root), args.runs)
        real = harden.prescan
        parse.harden.prescan = lambda text: None  # type: ignore[assignment]
        try:
            t_off = median_time(lambda: cold_index(root), args.runs)
        finally:
            parse.harden.prescan = real  # type: ignore[assignment]
        t_on = median_time(lambda: cold_index(root), args.runs)
        texts = []
        for rel in contact_paths(root, Config(contacts=("people",)))[0]:
            split, _ = split_front_matter((root / rel).read_text(encoding="utf-8"), rel)
            texts.append(split.yaml if split and split.yaml else "")
        t_scan = median_time(lambda: [harden.prescan(t) for t in texts], args.runs)
    n = args.contacts
    print(f"{n} contacts, median of {args.runs} runs")
    print(f"  plain CSafeLoader load     {t_plain:7.3f} s")
    print(f"  pre-scan + CSafeLoader load{t_hload:7.3f} s")
    print(f"  index, no pre-scan         {t_off:7.3f} s")
    print(f"  index, hardened            {t_on:7.3f} s")
    print(f"  pre-scan alone             {t_scan:7.3f} s  ({t_scan / n * 1e6:.1f} µs per file)")
    print(f"  ratio index: hardened / no pre-scan          {t_on / t_off:.3f}x   (limit 1.5x)")
    print(f"  ratio loader: pre-scan + load / plain load   {t_hload / t_plain:.3f}x")
    print(f"  ratio hardened index / plain load            {t_on / t_plain:.3f}x")


if __name__ == "__main__":
    main()
