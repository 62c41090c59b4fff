"""The views at scale: the calendar feed and notes in the cold and warm index, beside their floors.

Reuses the protocol and floors of :mod:`benchmarks.run` (same vault generator,
same subprocess timing, medians, floors measured in the same run). On top of
the generated people it writes one dated note per three people, each naming
two of them by ``[[link]]`` or ``with:``, and turns ``notes`` on. Figures:

- ``guanxi index`` cold and warm with the notes and ``_index/guanxi.ics``,
  against the floors of ``benchmarks.run`` over every file (contacts and notes)
  and against the same index with no notes configured (the notes' own cost);
- the calendar feed rendered in process (``render.calendar.page``) against
  reading every file's bytes;
- one contact saved → pages by ``guanxi watch`` (the run.py target), with notes on.

Run: ``python -m benchmarks.views [--sizes 30000] [--repeat 3]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import run
from benchmarks.genvault import generate
from benchmarks.run import (
    DEBOUNCE,
    PAST,
    REPO,
    TODAY,
    Row,
    floor_read,
    floor_stat,
    floor_yaml,
    guanxi,
    measure_watch,
    median_time,
    run_timed,
    table,
)


def add_notes(root: Path, rels: list[str], seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = [Path(r).stem for r in rels]
    (root / "notes").mkdir(exist_ok=True)
    out = []
    for i in range(len(rels) // 3):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(150))
        a, b = rng.sample(names, 2)
        rel = f"notes/{day.isoformat()} Meeting {i}.md"
        if i % 2:
            text = f"---\ndate: {day.isoformat()}\nwith: [{a}, \"[[{b}]]\"]\ntags: [meeting]\n---\nMet {a}.\n"
        else:
            text = f"# Meeting {i}\n\nWith [[{a}]] and [[{b}|them]]; agenda, decisions, next steps.\n"
        (root / rel).write_text(text, encoding="utf-8")
        out.append(rel)
    return out


def set_notes(root: Path, on: bool) -> None:
    extra = 'notes = ["notes"]\n' if on else ""
    (root / "guanxi.toml").write_text('contacts = ["people"]\n' + extra, encoding="utf-8")
    os.utime(root / "guanxi.toml", (PAST, PAST))


def cold_index(root: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        shutil.rmtree(run.STORE, ignore_errors=True)  # the store lives outside the vault (XDG cache)
        shutil.rmtree(root / ".guanxi", ignore_errors=True)
        shutil.rmtree(root / "_index", ignore_errors=True)
        times.append(run_timed(guanxi(root, "index", "--today", TODAY))[0])
    return statistics.median(times)


def warm_index(root: Path, repeat: int) -> float:
    time.sleep(2.1)  # past the racy window, as in benchmarks.run
    run_timed(guanxi(root, "index", "--today", TODAY))
    return statistics.median(run_timed(guanxi(root, "index", "--today", TODAY))[0] for _ in range(max(repeat, 5)))


def bench(n: int, repeat: int, work: Path) -> list[Row]:
    root = work / f"views-{n}"
    shutil.rmtree(root, ignore_errors=True)
    rels = generate(root, n)
    notes = add_notes(root, rels)
    for p in [root, *root.rglob("*")]:
        os.utime(p, (PAST, PAST))
    contacts = [str(root / r) for r in rels]
    every = contacts + [str(root / r) for r in notes]
    floor_read(every)
    t_read = median_time(lambda: floor_read(every), max(repeat, 3))
    t_stat = median_time(lambda: floor_stat(every), max(repeat, 3))
    t_yaml = median_time(lambda: floor_yaml(contacts), repeat)

    set_notes(root, False)
    cold_plain, warm_plain = cold_index(root, repeat), warm_index(root, repeat)
    set_notes(root, True)
    cold_notes, warm_notes = cold_index(root, repeat), warm_index(root, repeat)

    sys.path.insert(0, str(run.SOURCE))
    from notebook_tool.read.vault import load_vault
    from notebook_tool.render.calendar import page

    vault = load_vault(root)
    day = dt.date.fromisoformat(TODAY)
    t_ics = median_time(lambda: page(vault, day, ""), repeat)
    t_watch, watch_rss = measure_watch(root, rels, max(repeat, 5))
    label = f"{n:,} people, {len(notes):,} notes"
    return [
        Row(f"{label}: cold index with notes + .ics", cold_notes, t_yaml, "CSafeLoader of every contact's front matter",
            "", None),
        Row(f"{label}: cold index with notes + .ics", cold_notes, t_read, "read every file's bytes (contacts + notes)",
            "", None),
        Row(f"{label}: cold index with notes + .ics", cold_notes, cold_plain, "the same cold index, notes off", "", None),
        Row(f"{label}: warm index with notes + .ics", warm_notes, t_stat, "os.stat of every file (contacts + notes)",
            "≤ 3×", 3.0),
        Row(f"{label}: warm index with notes + .ics", warm_notes, warm_plain, "the same warm index, notes off", "", None),
        Row(f"{label}: calendar feed rendered in process", t_ics, t_read, "read every file's bytes", "", None),
        Row(f"{label}: one save → pages (work after debounce)", t_watch, DEBOUNCE,
            f"debounce window ({DEBOUNCE * 1000:.0f} ms)", "≤ 100 ms", 0.1 / DEBOUNCE),
        Row(f"{label}: watch peak RSS", watch_rss, None, "", "≤ 150 MB", 150.0, "MB"),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="30000", help="comma-separated numbers of people")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--work", metavar="DIR", help="where to generate vaults (default: a temporary folder)")
    args = ap.parse_args(argv)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="guanxi-views-"))
    work.mkdir(parents=True, exist_ok=True)
    run.STORE = work / "xdg-cache"  # the commands' store: never the user's, never the repository
    run.SOURCE = work / "src"  # a snapshot of the code, byte-compiled, as benchmarks.run does
    shutil.rmtree(run.SOURCE, ignore_errors=True)
    shutil.copytree(REPO / "notebook_tool", run.SOURCE / "notebook_tool", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(str(run.SOURCE / "notebook_tool"), quiet=1)
    os.chdir(work)
    rows: list[Row] = []
    try:
        for n in [int(s) for s in args.sizes.split(",") if s]:
            print(f"benchmarking views at {n:,} people…", file=sys.stderr, flush=True)
            rows += bench(n, args.repeat, work)
    finally:
        os.chdir(REPO)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(table(rows))


if __name__ == "__main__":
    main()
