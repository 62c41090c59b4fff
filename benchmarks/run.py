"""One command that measures Guanxi at 1k, 10k and 30k people, each figure beside its floor.

Owns the benchmark protocol only (the vault comes from :mod:`benchmarks.genvault`).
Every figure is the median of several runs and is printed beside a floor
measured in the same run on the same files, so the ratio means something on
a shared, noisy machine where absolute times do not:

- cold ``guanxi index`` (no store) vs a naive python-frontmatter indexer
  (``benchmarks/peers.py``), vs reading every file's bytes and vs
  ``yaml.load(..., CSafeLoader)`` of every front matter;
- warm ``guanxi index`` (nothing changed) vs ``os.stat`` of every file;
- ``guanxi index`` after one edited file vs the warm ``index``;
- ``list``, ``report … --json`` and ``check`` on a current store vs a stat
  walk of the vault from a fresh interpreter;
- one file saved → both pages updated by ``guanxi watch``, minus the debounce
  window, vs the debounce window;
- ``guanxi show NAME`` vs ``python -c "import click, yaml"``;
- peak RSS of every command.

Commands run as subprocesses, as a user runs them (so start-up counts).
Floors run in this process, after a first pass that warms the OS page cache.

Run: ``python -m benchmarks.run [--sizes 1000,10000,30000] [--repeat 3] [--write BENCHMARKS.md]``.
It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.genvault import generate

REPO = Path(__file__).resolve().parent.parent
TODAY = "2025-06-01"
DEBOUNCE = 0.2
PAST = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()


@dataclass
class Row:
    figure: str
    value: float  # seconds, or MB for memory
    floor: float | None
    floor_name: str
    target: str
    limit: float | None  # the ratio (or MB) the target allows
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        return None if not self.floor else self.value / self.floor

    @property
    def met(self) -> str:
        if self.limit is None:
            return ""
        got = self.ratio if self.unit == "s" else self.value
        return "met" if got is not None and got <= self.limit else "NOT met"


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


SOURCE = REPO  # replaced by a snapshot in main(): see there
STORE = REPO / ".bench-store"  # the XDG cache folder of every command run; set in main()


def env() -> dict[str, str]:
    return {**os.environ, "GUANXI_VAULT": "", "PYTHONPATH": str(SOURCE), "GUANXI_CACHE": "1",
            "XDG_CACHE_HOME": str(STORE)}


def guanxi(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "notebook_tool", "--vault", str(root), *args]


def run_timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one subprocess."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


# -- floors -------------------------------------------------------------------------

def floor_read(paths: list[str]) -> None:
    for p in paths:
        with open(p, "rb") as f:
            f.read()


def floor_stat(paths: list[str]) -> None:
    for p in paths:
        os.stat(p)


def floor_yaml(paths: list[str]) -> None:
    loader = yaml.CSafeLoader
    for p in paths:
        with open(p, "rb") as f:
            text = f.read().decode("utf-8")
        end = text.find("\n---", 3)
        yaml.load(text[4:end], Loader=loader)


# -- watch ----------------------------------------------------------------------------

def measure_watch(root: Path, people: list[str], saves: int) -> tuple[float, float]:
    """Median (save → both pages updated) − debounce, and the watcher's peak RSS in MB."""
    proc = subprocess.Popen(guanxi(root, "watch", "--today", TODAY, "--debounce", str(DEBOUNCE)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(), text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    while line and "watching" not in line:
        line = proc.stderr.readline()
    if "watching" not in line:
        raise SystemExit("watch did not start")
    pages = [root / "_index/attention.md", root / "_index/reciprocity.md"]
    latencies = []
    try:
        for i in range(saves):
            before = [p.read_bytes() for p in pages]
            target = root / people[(i * 7919) % len(people)]
            text = target.read_text(encoding="utf-8")
            # A new kept give and an open promise: both pages must change.
            extra = f"give:\n  - 2025-05-{i + 1:02d} [ ] benchmark promise {i}\n  - 2025-05-{i + 1:02d} bench {i} +7\n"
            new = text.replace("give:\n", extra, 1) if "give:\n" in text else text.replace("\n---\n", "\n" + extra.rstrip("\n") + "\n---\n", 1)
            t = time.perf_counter()
            target.write_text(new, encoding="utf-8")
            deadline = t + 120
            while any(p.read_bytes() == b for p, b in zip(pages, before)):
                if time.perf_counter() > deadline:
                    raise SystemExit("watch did not update the pages")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - t)
            time.sleep(0.3)
        rss = 0.0
        with open(f"/proc/{proc.pid}/status") as f:
            for ln in f:
                if ln.startswith("VmHWM:"):
                    rss = int(ln.split()[1]) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return max(0.0, statistics.median(latencies) - DEBOUNCE), rss


# -- one size ----------------------------------------------------------------------------

def bench(n: int, repeat: int, work: Path) -> list[Row]:
    root = work / f"vault-{n}"
    if root.exists():
        shutil.rmtree(root)
    rels = generate(root, n)
    for p in [root, *root.rglob("*")]:
        os.utime(p, (PAST, PAST))  # a real vault's files are not all fresh
    paths = [str(root / r) for r in rels]
    floor_read(paths)  # warm the page cache: every figure below is "files in memory"
    t_read = median_time(lambda: floor_read(paths), max(repeat, 3))
    t_stat = median_time(lambda: floor_stat(paths), max(repeat, 3))
    t_yaml = median_time(lambda: floor_yaml(paths), repeat)
    t_import = statistics.median(run_timed([sys.executable, "-c", "import click, yaml"])[0] for _ in range(max(repeat, 5)))

    def peer(which: str) -> list[str]:
        return [sys.executable, "-m", "benchmarks.peers", which, str(root)]

    rss: dict[str, float] = {}  # command -> peak RSS over its runs (MB)

    def timed(what: str, cmd: list[str], runs: int, before: Callable[[], object] | None = None) -> float:
        times = []
        for _ in range(runs):
            if before is not None:
                before()
            t, mb = run_timed(cmd)
            times.append(t)
            rss[what] = max(rss.get(what, 0.0), mb)
        return statistics.median(times)

    def cold_start() -> None:
        shutil.rmtree(STORE, ignore_errors=True)  # the store lives outside the vault (XDG cache)
        shutil.rmtree(root / "_index", ignore_errors=True)

    t_walk = timed("stat walk", peer("statwalk"), max(repeat, 5))
    t_naive = timed("naive", peer("naive"), repeat)
    t_cold = timed("cold index", guanxi(root, "index", "--today", TODAY), repeat, cold_start)
    time.sleep(2.1)  # let the store's folder stamps age past the racy window, as they would
    run_timed(guanxi(root, "index", "--today", TODAY))
    t_warm = timed("warm index", guanxi(root, "index", "--today", TODAY), max(repeat, 5))
    edits = iter(range(10_000))

    def edit_one() -> None:
        i = next(edits)
        target = root / rels[(i * 7919 + 13) % len(rels)]
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("\n---\n", f"\ntouch:\n  - 2025-05-{i % 28 + 1:02d} bench {i}\n---\n", 1)
                          if "touch:" not in text else
                          text.replace("touch:\n", f"touch:\n  - 2025-05-{i % 28 + 1:02d} bench {i}\n", 1),
                          encoding="utf-8")
        os.utime(target, (PAST + i + 1, PAST + i + 1))  # an old mtime, as after the racy window

    t_edit = timed("index after 1 edit", guanxi(root, "index", "--today", TODAY), max(repeat, 5), edit_one)
    run_timed(guanxi(root, "index", "--today", TODAY))
    t_list = timed("list", guanxi(root, "list", "--today", TODAY), max(repeat, 5))
    t_ratt = timed("report attention --json", guanxi(root, "report", "attention", "--json", "--today", TODAY),
                   max(repeat, 5))
    t_rrec = timed("report reciprocity --json",
                   guanxi(root, "report", "reciprocity", "--json", "--today", TODAY), max(repeat, 5))
    t_check = timed("check", guanxi(root, "check", "--today", TODAY), max(repeat, 5))
    # The first of these after an edit (no memo for it): one person's row made again, the rest kept.
    t_list_edit = timed("list after 1 edit", guanxi(root, "list", "--today", TODAY), max(repeat, 5), edit_one)
    t_ratt_edit = timed("report attention --json after 1 edit",
                        guanxi(root, "report", "attention", "--json", "--today", TODAY), max(repeat, 5), edit_one)
    t_check_edit = timed("check after 1 edit", guanxi(root, "check", "--today", TODAY), max(repeat, 5), edit_one)
    name = Path(rels[n // 2]).stem
    t_show = timed("show", guanxi(root, "show", name, "--today", TODAY), max(repeat, 5))
    t_watch, watch_rss = measure_watch(root, rels, max(repeat, 5))
    rss["watch"] = watch_rss

    label = f"{n:,}"
    walk = "stat walk (fresh interpreter)"
    rows = [
        Row(f"{label}: cold index", t_cold, t_naive, "naive python-frontmatter indexer", "≤ 0.75×", 0.75),
        Row(f"{label}: cold index", t_cold, t_yaml, "CSafeLoader of every front matter", "≤ 1.2×", 1.2),
        Row(f"{label}: cold index", t_cold, t_read, "read every file's bytes", "goal ≤ 4×", 4.0),
        Row(f"{label}: warm index, nothing changed", t_warm, t_stat, "os.stat of every file", "≤ 3×", 3.0),
        Row(f"{label}: index after 1 edited file", t_edit, t_warm, "warm index, nothing changed", "≤ 2×", 2.0),
        Row(f"{label}: list", t_list, t_walk, walk, "≤ 3×", 3.0),
        Row(f"{label}: report attention --json", t_ratt, t_walk, walk, "≤ 3×", 3.0),
        Row(f"{label}: report reciprocity --json", t_rrec, t_walk, walk, "≤ 3×", 3.0),
        Row(f"{label}: check", t_check, t_walk, walk, "≤ 3×", 3.0),
        Row(f"{label}: list after 1 edited file", t_list_edit, t_walk, walk, "", None),
        Row(f"{label}: report attention --json after 1 edited file", t_ratt_edit, t_walk, walk, "", None),
        Row(f"{label}: check after 1 edited file", t_check_edit, t_walk, walk, "", None),
        Row(f"{label}: one save → pages (work after debounce)", t_watch, DEBOUNCE, f"debounce window ({DEBOUNCE * 1000:.0f} ms)",
            "≤ 100 ms", 0.1 / DEBOUNCE),
        Row(f"{label}: show NAME", t_show, t_import, 'python -c "import click, yaml"', "≤ 2×", 2.0),
    ]
    for what in ("cold index", "warm index", "index after 1 edit", "list", "report attention --json",
                 "report reciprocity --json", "check", "list after 1 edit", "report attention --json after 1 edit",
                 "check after 1 edit", "show", "watch"):
        rows.append(Row(f"{label}: {what} peak RSS", rss[what], None, "", "≤ 150 MB", 150.0, "MB"))
    rows.append(Row(f"{label}: naive indexer peak RSS", rss["naive"], None, "", "", None, "MB"))
    return rows


def fmt_value(row: Row) -> str:
    if row.unit == "MB":
        return f"{row.value:.0f} MB"
    return f"{row.value * 1000:.0f} ms"


def table(rows: list[Row]) -> str:
    out = ["| figure | measured | floor (same run) | ratio | target | |",
           "| --- | ---: | --- | ---: | --- | --- |"]
    for r in rows:
        floor = f"{r.floor * 1000:.0f} ms — {r.floor_name}" if r.floor else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        out.append(f"| {r.figure} | {fmt_value(r)} | {floor} | {ratio} | {r.target} | {r.met} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,30000", help="comma-separated numbers of people")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--write", metavar="FILE", help="also write the table into FILE (BENCHMARKS.md)")
    ap.add_argument("--work", metavar="DIR", help="where to generate vaults (default: a temporary folder)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="guanxi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # Run a snapshot of the code: an edit to the package during the run (the
    # cache fingerprints Guanxi's own modules) would otherwise turn warm runs cold.
    global SOURCE, STORE
    SOURCE = work / "src"
    STORE = work / "xdg-cache"  # never the user's own store
    shutil.rmtree(SOURCE, ignore_errors=True)
    for package in ("notebook_tool", "benchmarks"):  # benchmarks: the peers run from the snapshot too
        shutil.copytree(REPO / package, SOURCE / package, ignore=shutil.ignore_patterns("__pycache__"))
    # Byte-compiled, as an installed package is (pip compiles on install): with
    # PYTHONDONTWRITEBYTECODE set, as on some machines, every command would
    # otherwise compile Guanxi's source again (~30 ms of every run).
    compileall.compile_dir(str(SOURCE / "notebook_tool"), quiet=1)
    write = Path(args.write).resolve() if args.write else None
    os.chdir(work)  # so that "" on sys.path is not the repository either
    started = time.perf_counter()
    rows: list[Row] = []
    try:
        for n in sizes:
            print(f"benchmarking {n:,} people…", file=sys.stderr, flush=True)
            rows += bench(n, args.repeat, work)
    finally:
        os.chdir(REPO)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text = table(rows)
    print(text)
    took = time.perf_counter() - started
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"\n{machine}; whole run {took:.0f} s", file=sys.stderr)
    if write:
        path = write
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        start, end = "<!-- results:start -->", "<!-- results:end -->"
        block = f"{start}\n{machine}; run took {took:.0f} s; medians of {args.repeat}+ runs.\n\n{text}\n{end}"
        if start in old and end in old:
            new = old[: old.index(start)] + block + old[old.index(end) + len(end):]
        else:
            new = old + ("\n" if old else "") + block + "\n"
        path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
