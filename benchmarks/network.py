"""Issue 10's figures at 30,000 people: introductions, path, find, and the extra pages in index.

Owns the network benchmark only; the vault comes from
:mod:`benchmarks.genvault` and the floors and protocol (subprocesses, medians,
ratios to a floor measured in the same run) from :mod:`benchmarks.run`:

- ``guanxi report introductions --json`` vs CSafeLoader of every front matter;
- ``guanxi path A B`` and ``guanxi find QUERY`` vs the same floor (both read
  the vault through the cache, then walk it; ``find`` also reads every body);
- cold ``guanxi index`` with the extra pages vs without them (the run
  without them uses a copy of the package with ``render/introductions.py``
  and ``render/network.py`` removed: a page whose module is missing is not
  built), as a ratio;
- ``guanxi watch``: one save → attention and reciprocity updated, after the
  debounce, vs the debounce window (the target stays ≤ 100 ms of work).

Run: ``python -m benchmarks.network [--size 30000] [--repeat 3]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import run as R
from benchmarks.genvault import generate


def _median_run(cmd: list[str], repeat: int) -> float:
    return statistics.median(R.run_timed(cmd)[0] for _ in range(repeat))


def _cold_index(root: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        shutil.rmtree(R.STORE, ignore_errors=True)  # the store lives outside the vault (XDG cache)
        shutil.rmtree(root / "_index", ignore_errors=True)
        times.append(R.run_timed(R.guanxi(root, "index", "--today", R.TODAY))[0])
    return statistics.median(times)


def bench(n: int, repeat: int, work: Path) -> list[R.Row]:
    root = work / f"vault-{n}"
    shutil.rmtree(root, ignore_errors=True)
    rels = generate(root, n)
    for p in [root, *root.rglob("*")]:
        os.utime(p, (R.PAST, R.PAST))
    paths = [str(root / r) for r in rels]
    R.floor_read(paths)  # warm the page cache
    t_yaml = R.median_time(lambda: R.floor_yaml(paths), repeat)
    t_debounce = R.DEBOUNCE

    with_pages = _cold_index(root, repeat)
    full = R.SOURCE
    bare = work / "src-bare"
    shutil.rmtree(bare, ignore_errors=True)
    shutil.copytree(full, bare)
    for page in ("introductions.py", "network.py"):
        (bare / "notebook_tool" / "render" / page).unlink(missing_ok=True)
        for pyc in (bare / "notebook_tool" / "render" / "__pycache__").glob(page[:-3] + ".*"):
            pyc.unlink()
    R.SOURCE = bare
    try:
        without_pages = _cold_index(root, repeat)
    finally:
        R.SOURCE = full
    R.run_timed(R.guanxi(root, "index", "--today", R.TODAY))  # the cache, for the commands below
    time.sleep(2.1)
    R.run_timed(R.guanxi(root, "index", "--today", R.TODAY))
    a, b = Path(rels[1]).stem, Path(rels[n // 2]).stem
    t_intro = _median_run(R.guanxi(root, "report", "introductions", "--json", "--today", R.TODAY), repeat)
    t_path = _median_run(R.guanxi(root, "path", a, b), repeat)
    t_find = _median_run(R.guanxi(root, "find", "kubernetes", "mentor"), repeat)
    t_watch, _ = R.measure_watch(root, rels, max(repeat, 5))
    label = f"{n:,}"
    floor = "CSafeLoader of every front matter"
    return [
        R.Row(f"{label}: report introductions --json", t_intro, t_yaml, floor, "", None),
        R.Row(f"{label}: path A B", t_path, t_yaml, floor, "", None),
        R.Row(f"{label}: find QUERY (every body read)", t_find, t_yaml, floor, "", None),
        R.Row(f"{label}: cold index with the extra pages", with_pages, without_pages,
              "cold index without them", "", None),
        R.Row(f"{label}: one save → pages (work after debounce)", t_watch, t_debounce,
              f"debounce window ({t_debounce * 1000:.0f} ms)", "≤ 100 ms", 0.1 / t_debounce),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=30000, help="number of people")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="guanxi-bench-net-"))
    R.SOURCE = work / "src"  # a snapshot of the code, as benchmarks.run does
    R.STORE = work / "xdg-cache"  # never the user's own store
    shutil.copytree(R.REPO / "notebook_tool", R.SOURCE / "notebook_tool",
                    ignore=shutil.ignore_patterns("__pycache__"))
    import compileall

    compileall.compile_dir(str(R.SOURCE / "notebook_tool"), quiet=1)
    os.chdir(work)
    try:
        print(f"benchmarking the network at {args.size:,} people…", file=sys.stderr, flush=True)
        rows = bench(args.size, args.repeat, work)
    finally:
        os.chdir(R.REPO)
        shutil.rmtree(work, ignore_errors=True)
    print(R.table(rows))


if __name__ == "__main__":
    main()
