"""Golden cases: ``tests/golden/<case>/vault`` in, ``expected/`` out, through the real CLI.

Each case holds ``today`` (the ``--today`` date), a ``vault/`` and an
``expected/`` folder with the generated pages, both JSON reports and the
output of ``guanxi check``. Regenerate after an intended change with
``GUANXI_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "vault").is_dir())
UPDATE = os.environ.get("GUANXI_UPDATE_GOLDEN") == "1"


def snapshot(root: Path) -> dict[str, bytes]:
    # .guanxi/ is machine-local state (the cache, SPEC §1), not output: not compared.
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".guanxi" not in p.relative_to(root).parts}


def outputs(root: Path, today: str, case: Path | None = None) -> dict[str, str]:
    """Everything the CLI produces for a vault, by expected file name."""
    got: dict[str, str] = {}
    before = snapshot(root)
    index = run_cli("--vault", str(root), "index", "--today", today)
    assert index.exit_code == 0, index.output
    after = snapshot(root)
    # Indexing writes its pages and nothing else: every input file is byte-identical.
    assert {k: v for k, v in after.items() if k in before} == before
    for rel in sorted(set(after) - set(before)):
        got[rel.rsplit("/", 1)[-1]] = after[rel].decode("utf-8")
    for which in ("attention", "reciprocity"):
        r = run_cli("--vault", str(root), "report", which, "--json", "--today", today)
        assert r.exit_code == 0, r.output
        got[f"{which}.json"] = r.stdout
    check = run_cli("--vault", str(root), "check", "--today", today)
    got["check.txt"] = check.stdout + f"[exit {check.exit_code}]\n"
    intro = run_cli("--vault", str(root), "report", "introductions", "--json", "--today", today)
    got["introductions.json"] = intro.stdout
    if case is not None:
        got.update(commands(root, case))
    return got


def commands(root: Path, case: Path) -> dict[str, str]:
    """A case's ``commands`` file: one command line per line (``path alice dan``), each
    run with --vault; its stdout, stderr and exit code go to ``cmd-N.txt``."""
    import shlex

    listing = case / "commands"
    if not listing.is_file():
        return {}
    got = {}
    lines = [line for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, line in enumerate(lines, 1):
        r = run_cli("--vault", str(root), *shlex.split(line))
        got[f"cmd-{i}.txt"] = f"$ guanxi {line}\n{r.stdout}{r.stderr}[exit {r.exit_code}]\n"
    return got


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    src = GOLDEN / case
    root = tmp_path / "vault"
    shutil.copytree(src / "vault", root)
    today = (src / "today").read_text().strip()
    got = outputs(root, today, src)
    expected_dir = src / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        expected_dir.mkdir()
        for name, text in got.items():
            (expected_dir / name).write_bytes(text.encode("utf-8"))
    expected = {p.name: p.read_bytes().decode("utf-8") for p in sorted(expected_dir.iterdir())}
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{case}/expected/{name} differs"


@pytest.mark.parametrize("case", CASES)
def test_golden_is_deterministic(case: str, tmp_path: Path) -> None:
    """The same vault and --today give the same bytes, wherever the vault lives."""
    src = GOLDEN / case
    today = (src / "today").read_text().strip()
    a, b = tmp_path / "a", tmp_path / "elsewhere" / "b"
    shutil.copytree(src / "vault", a)
    shutil.copytree(src / "vault", b)
    assert outputs(a, today, src) == outputs(b, today, src)
