"""Importing 20,000 LinkedIn connections into an empty vault, beside a cold ``index`` of the result.

Both run as subprocesses, as a user runs them (start-up counts), and each
figure is the median of ``--repeat`` runs on fresh copies. The ratio
``import --apply`` / cold ``index`` is the figure that means something on a
shared machine (goal: at most 3×); peak RSS of the import is printed too.

Run: ``python -m benchmarks.imports [--rows 20000] [--repeat 3]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"


def linkedin_csv(rows: int) -> str:
    """A LinkedIn export of ``rows`` distinct people (deterministic)."""
    first = ["Alice", "Bob", "Chen", "Dana", "Élodie", "Farid", "Grace", "Hiro", "Ines", "José", "Kofi", "Lena"]
    last = ["Smith", "Müller", "Wang", "Okafor", "Silva", "Kowalski", "Dubois", "Tanaka", "Rossi", "Nguyen"]
    out = ["Notes:\r\n", '"When exporting your connection data, you may notice that some of the email addresses '
           'are missing."\r\n', "\r\n", HEADER]
    start = dt.date(2015, 1, 1)
    for i in range(rows):
        f, la = first[i % len(first)], last[(i // len(first)) % len(last)]
        name_last = f"{la} {i}"
        when = (start + dt.timedelta(days=i % 3000)).strftime("%d %b %Y")
        email = f"p{i}@example.com" if i % 7 == 0 else ""
        out.append(f'{f},{name_last},https://www.linkedin.com/in/{f.lower()}-{i},{email},"Company {i % 500}, Inc.",'
                   f"Engineer,{when}\r\n")
    return "".join(out)


def _run(args: list[str], cwd: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one ``guanxi`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "notebook_tool", *args], cwd=cwd, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "GUANXI_CACHE": "1"})
    took = time.perf_counter() - t0
    return took, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args(argv)
    imports, indexes = [], []
    peak = 0
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "Connections.csv"
        csv_path.write_text(linkedin_csv(opts.rows), encoding="utf-8", newline="")
        for n in range(opts.repeat):
            vault = Path(tmp) / f"v{n}"
            subprocess.run([sys.executable, "-m", "notebook_tool", "init", str(vault)], check=True,
                           stdout=subprocess.DEVNULL)
            took, rss = _run(["import", "linkedin", str(csv_path), "--apply", "--today", "2026-12-01"], vault)
            imports.append(took)
            if n == 0:  # children's max RSS only grows: the first import's is read before any index ran
                peak = rss
            shutil.rmtree(vault / ".guanxi", ignore_errors=True)  # a cold index: no cache
            took, _ = _run(["index", "--today", "2026-12-01"], vault)
            indexes.append(took)
            shutil.rmtree(vault)
    imp, idx = statistics.median(imports), statistics.median(indexes)
    print(f"rows: {opts.rows}, runs: {opts.repeat}")
    print(f"import --apply (median): {imp:.2f} s")
    print(f"cold index of the result (median): {idx:.2f} s")
    print(f"ratio import / cold index: {imp / idx:.2f}x (goal <= 3x)")
    print(f"peak RSS of import --apply: {peak / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
