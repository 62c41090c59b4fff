"""The YAML conformance suite, every case as a contact's front matter: parsed or a clean error.

``tests/yaml-test-suite/`` (the suite's ``in.yaml`` files, vendored with its MIT
licence) holds one folder per case, some with numbered sub-cases, each with an ``in.yaml``:
valid YAML of every shape, and invalid YAML meant to be refused. Each becomes
``---\\n<in.yaml>\\n---\\n`` and goes through :func:`parse_contact`. The bar:
zero crashes (a segfault in libyaml or the C composer included), zero
tracebacks and internal errors, every problem on a line inside the file, and
every case under a time bound.

The cases run in a child process, so that a segfault fails this test with the
case's name instead of killing pytest; the child prints one JSON line per case
before and after it, so the last case started is known whatever happens.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent / "yaml-test-suite"
PER_CASE_SECONDS = 1.0
TOTAL_SECONDS = 300

CHILD = r"""
import json, sys, time
from pathlib import Path
from notebook_tool.read.parse import parse_contact

suite = Path(sys.argv[1])
for path in sorted(suite.glob("**/in.yaml")):
    case = path.parent.relative_to(suite).as_posix()
    raw = path.read_bytes()
    data = b"---\n" + raw + (b"" if raw.endswith(b"\n") or not raw else b"\n") + b"---\n"
    print(json.dumps({"start": case}), flush=True)
    t0 = time.perf_counter()
    result = parse_contact(data, "people/" + case.replace("/", "-") + ".md")
    seconds = time.perf_counter() - t0
    n_lines = data.count(b"\n") + 1
    print(json.dumps({
        "case": case,
        "seconds": seconds,
        "contact": result.contact is not None,
        "errors": [p.format() for p in result.problems if p.severity == "error"],
        "bad_lines": [p.format() for p in result.problems if not 1 <= p.line <= n_lines],
        "internal": [p.format() for p in result.problems if "internal error" in p.message],
    }), flush=True)
"""


def test_every_yaml_suite_case_parses_or_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(SUITE)], capture_output=True, text=True,
                          timeout=TOTAL_SECONDS)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    started = [r["start"] for r in records if "start" in r]
    done = [r for r in records if "case" in r]
    assert proc.returncode == 0 and len(done) == len(started), (
        f"child died (exit {proc.returncode}) on case {started[-1] if started else '?'}:\n{proc.stderr[-3000:]}"
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    expected = len(list(SUITE.glob("**/in.yaml")))
    assert len(done) == expected

    slow = [f"{r['case']}: {r['seconds']:.2f}s" for r in done if r["seconds"] > PER_CASE_SECONDS]
    internal = [m for r in done for m in r["internal"]]
    outside = [m for r in done for m in r["bad_lines"]]
    silent = [r["case"] for r in done if not r["contact"] and not r["errors"]]
    assert not slow, slow
    assert not internal, internal
    assert not outside, outside
    assert not silent, f"no contact and no error: {silent}"

    parsed = sum(1 for r in done if r["contact"] and not r["errors"])
    partial = sum(1 for r in done if r["contact"] and r["errors"])
    refused = sum(1 for r in done if not r["contact"])
    slowest = max(done, key=lambda r: r["seconds"])
    with capsys.disabled():
        print(f"\nyaml-test-suite: {len(done)} cases: {parsed} parsed, {partial} parsed with field errors, "
              f"{refused} refused with a clean error, 0 crashes; slowest {slowest['case']} "
              f"{slowest['seconds'] * 1000:.1f} ms")
