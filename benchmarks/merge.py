"""The merge driver's cost against the size of the merge: linear, under 1 s at 1,000 per side.

Each side of a three-way merge adds N new entries to one contact file; the
figure is the median time of :func:`notebook_tool.git.merge.merge_contact`
at N = 250, 500, 1000 and 2000, each beside a floor measured in the same run
on the same bytes: one ``parse_contact`` of the merged result. The ratio to
the floor should stay flat as N grows (linear); a quadratic merge shows as a
ratio that doubles with N.

Run: ``python -m benchmarks.merge [--sizes 250,500,1000,2000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from notebook_tool.git.merge import merge_contact
from notebook_tool.read.parse import parse_contact


def sides(n: int) -> tuple[bytes, bytes, bytes]:
    """A base with a few entries; ours and theirs each add ``n`` entries on interleaved dates."""
    day0 = dt.date(2020, 1, 1)
    head = "---\nemail: a@example.com\ngive:\n  - 2019-12-31 the first one\ntake:\n"
    def side(offset: int, label: str) -> bytes:
        lines = [f"  - {(day0 + dt.timedelta(days=2 * i + offset)).isoformat()} {label} {i}" for i in range(n)]
        return (head.replace("give:\n", "give:\n" + "".join(f"{x}\n" for x in lines), 1) + "---\nnotes\n").encode()
    return (head + "---\nnotes\n").encode(), side(0, "ours"), side(1, "theirs")


def median_time(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250,500,1000,2000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print("| new entries per side | merge (s) | floor: parse the result (s) | ratio | clean |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for n in (int(x) for x in args.sizes.split(",")):
        base, ours, theirs = sides(n)
        result = merge_contact(base, ours, theirs, "people/A.md", max_front_matter=10**9)
        merge_s = median_time(lambda: merge_contact(base, ours, theirs, "people/A.md", max_front_matter=10**9),
                              args.repeat)
        floor_s = median_time(lambda: parse_contact(result.data, "people/A.md", 10**9), args.repeat)
        print(f"| {n} | {merge_s:.3f} | {floor_s:.4f} | {merge_s / floor_s:.1f} | {result.clean} |")


if __name__ == "__main__":
    main()
