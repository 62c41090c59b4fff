"""The per-person reports (``list``, ``report attention|reciprocity``, ``check``) made from the rows the
store keeps: byte-equal to the same reports computed from the whole vault, after every kind of change,
and after an edit only the edited file's row is made again."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.cli.main import json_text
from notebook_tool.compute import checks as checks_mod
from notebook_tool.compute import rows as rows_mod
from notebook_tool.compute.ledger import summarize
from notebook_tool.compute.rows import Row, row_from_json, row_of
from notebook_tool.read.vault import load_vault
from notebook_tool.render import pages as render
from notebook_tool.render.terminal import attention_text, reciprocity_text
from notebook_tool.render.views import list_json, list_text, select, with_fields
from notebook_tool.store import incremental
from notebook_tool.store.cache import store_path
from tests.conftest import run_cli, write_vault
from tests.test_snapshot import age, edit, people

TODAY = "2025-06-01"
DAY = dt.date.fromisoformat(TODAY)
EXAMPLE = Path(__file__).resolve().parent.parent / "example-vault"

EXTRA: dict[str, str | bytes] = {
    # Snoozed; imported and only a name (counted, not listed); a name two files share; a merge left over;
    # an entry in the future; a file with no contact at all; CJK and accents to pad.
    "people/Snoozed One.md": "---\nsnooze: 2025-09-01\ntake:\n  - 2025-01-02 A favour\n---\n",
    "people/Imported Ivy.md": "---\nsource: linkedin\nlinks: [https://www.linkedin.com/in/ivy]\n---\n",
    "people/Twin A.md": "---\nname: Twin\ntags: [Ops]\ngive:\n  - 2025-02-02 Lunch +2\n---\n",
    "people/Twin B.md": "---\nname: Other\naliases: [twin]\ncompany: Acme Ltd\n---\n",
    "people/Merged.md": "---\ngive:\n<<<<<<< HEAD\n  - 2025-03-03 Ours\n=======\n  - 2025-03-03 Theirs\n>>>>>>> b\n---\n",
    "people/Later.md": "---\ntouch:\n  - 2026-01-01 Next year\n---\n",
    "people/empty.md": "no front matter at all\n",
    "people/Ünïcödé 名前.md": "---\ntags: [家族]\noffers: [an intro to ML people]\ngive:\n  - 2024-05-05 Tea +1.5\n---\n",
}


def reference(root: Path, args: tuple[str, ...]) -> tuple[str, str]:
    """The command's stdout (and check's summary line) computed straight from the whole vault."""
    vault = load_vault(root)
    which = args[0]
    as_json = "--json" in args
    if which == "list":
        def opt(name: str) -> str | None:
            return args[args.index(name) + 1] if name in args else None

        tags = tuple(args[i + 1] for i, a in enumerate(args) if a == "--tag")
        found = with_fields(vault.contacts, opt("--company"), opt("--needs"), opt("--offers"))
        rows = select([summarize(c, DAY, vault.config.half_life_days) for c in found], tags,
                      opt("--sort") or "name", "--reverse" in args)
        return (json_text(list_json(rows, TODAY)) + "\n" if as_json else list_text(rows)), ""
    if which == "report":
        rep = render.build(vault, DAY)
        attention = args[1] == "attention"
        if as_json:
            return json_text(render.attention_json(rep) if attention else render.reciprocity_json(rep)) + "\n", ""
        if "--markdown" in args:
            return (render.attention_markdown if attention else render.reciprocity_markdown)(rep, ""), ""
        return (attention_text if attention else reciprocity_text)(rep), ""
    found_all = checks_mod.run_checks(vault, DAY)
    errors = sum(1 for p in found_all if p.severity == "error")
    warnings = len(found_all) - errors
    n = len(vault.results)
    summary = (f"{n} file{'s' if n != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}, "
               f"{warnings} warning{'s' if warnings != 1 else ''}\n")
    return "".join(p.format() + "\n" for p in found_all), summary


COMMANDS: list[tuple[str, ...]] = [
    ("list",),
    ("list", "--json", "--sort", "balance"),
    ("list", "--sort", "last-contact", "--reverse"),
    ("list", "--tag", "ops", "--sort", "tags"),
    ("list", "--company", "acme", "--json"),
    ("list", "--needs", "design", "--offers", "sre"),
    ("report", "attention"),
    ("report", "attention", "--json"),
    ("report", "attention", "--markdown"),
    ("report", "reciprocity"),
    ("report", "reciprocity", "--json"),
    ("report", "reciprocity", "--markdown"),
    ("check",),
]


def assert_as_from_the_vault(root: Path) -> None:
    for args in COMMANDS:
        got = run_cli("--vault", str(root), *args, "--today", TODAY)
        want, summary = reference(root, args)
        assert got.stdout == want, args
        if summary:
            assert got.stderr == summary, args


def add(root: Path, rel: str, text: str) -> None:
    write_vault(root, {rel: text})
    age(root / rel, 3600)


def counting_rows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    real = rows_mod.row_of

    def counted(result: object, *rest: object) -> Row:
        made.append(result.path)  # type: ignore[attr-defined]
        return real(result, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(rows_mod, "row_of", counted)  # looked up when the store makes rows
    return made


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("_index"))
    write_vault(root, {**people(), **EXTRA})
    for p in [root, *root.rglob("*")]:
        age(p, 3600)
    return root


def test_the_reports_from_rows_are_the_reports_from_the_vault_through_every_change(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_as_from_the_vault(root)  # the rows made for the first time
    made = counting_rows(monkeypatch)
    changes: list[Callable[[], None]] = [
        lambda: edit(root, "people/P03.md", "Advice", "Advice +5"),
        lambda: edit(root, "people/Twin B.md", "company: Acme Ltd", "company: Acme Ltd\ntags: [Ops, new]"),
        lambda: (root / "people/Later.md").unlink(),
        lambda: add(root, "people/Newcomer.md", "---\ngive:\n  - 2025-05-30 Intro to Acme +2\n---\n"),
        lambda: edit(root, "people/P05.md", "tags: [ops]", "tags: [ops"),  # broken: its error, on the pages
        lambda: edit(root, "people/P05.md", "tags: [ops", "tags: [ops]"),
        lambda: edit(root, "people/Merged.md", ">>>>>>> b\n", ""),
    ]
    for change in changes:
        change()
        age(root / "people", 3600)
        made.clear()
        assert_as_from_the_vault(root)
        # The first report after the change made the changed file's row; every other one was kept.
        assert len(made) <= 1, made
    (root / "guanxi.toml").write_text('half_life = "180d"\n' + (root / "guanxi.toml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    age(root / "guanxi.toml")
    made.clear()
    assert_as_from_the_vault(root)  # other settings: every row made again, once
    assert len(made) == len(load_vault(root).results)


def test_one_edit_makes_one_row_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("--vault", str(root), "report", "reciprocity", "--json", "--today", TODAY)
    run_cli(*args)
    made = counting_rows(monkeypatch)
    edit(root, "people/P07.md", "Advice", "Advice +3")
    got = run_cli(*args).stdout
    assert made == ["people/P07.md"]
    assert got == reference(root, args[2:-2])[0]
    assert '"taken": 3' in got
    made.clear()
    run_cli("--vault", str(root), "list", "--today", TODAY)  # another report, the same rows: none made
    assert made == []


def test_a_delta_that_outgrows_its_limit_becomes_a_new_base(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "DELTA_MAX", 2)
    base = store_path(root).with_suffix(".rows")
    assert_as_from_the_vault(root)
    first = base.stat().st_mtime_ns
    for i, rel in enumerate(["people/P01.md", "people/P02.md", "people/P04.md"]):
        edit(root, rel, "Advice", f"Advice +{i + 2}")
        assert_as_from_the_vault(root)
        rewritten = base.stat().st_mtime_ns != first
        assert rewritten == (i == 2), i  # the delta holds two people; the third makes a base
    assert not base.with_suffix(".rowsdelta").exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other-shape", "checks-not-json",
                                    "checks-of-another-shape", "checks-one-short"])
def test_damaged_rows_are_made_again(root: Path, damage: str) -> None:
    assert_as_from_the_vault(root)
    base = store_path(root).with_suffix(".rows")
    data = base.read_bytes()
    if damage.startswith("checks"):  # every row as it was; the per-file checks' text damaged
        from notebook_tool.store import rowfile, snapshot

        cols = snapshot.unpack(data)
        members = cols["m_path"]
        texts = rowfile.checks(cols, members)
        assert any(texts)  # the vault has entries dated after TODAY: there is text to damage
        bad = {"checks-not-json": "[[3, \"cut", "checks-of-another-shape": '[[3, "x", null, "fatal"]]'}
        texts = [bad.get(damage, t) if t else t for t in texts][: -1 if damage == "checks-one-short" else None]
        out = [("m_path", "s", members), ("m_stamp", "q", cols["m_stamp"]),
               *rowfile.columns(members, rowfile.rows(cols, members)), ("r_checks", "s", texts)]
        snapshot.write(base, cols.meta, out)
        with sqlite3.connect(store_path(root)) as conn:  # else check prints its memo, reading no rows
            conn.execute("DELETE FROM memo")
        got = run_cli("--vault", str(root), "check", "--today", TODAY)  # nothing edited: the damage alone
        assert (got.stdout, got.stderr) == reference(root, ("check",))
        again = snapshot.unpack(base.read_bytes())  # and the rows were kept anew, undamaged
        assert [rows_mod.checks_from_text(t, rel) is not None
                for rel, t in zip(again["m_path"], rowfile.checks(again, again["m_path"]), strict=True)]
    elif damage == "garbage":
        base.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        base.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        base.write_bytes(b"")
    else:  # a valid file whose columns are not rows: the names column one short
        from notebook_tool.store import snapshot

        cols = snapshot.unpack(data)
        names = cols["r_name"][:-1]
        parts = [(n, "s", names if n == "r_name" else cols[n]) for n in ("m_path", "r_name")]
        snapshot.write(base, cols.meta, [*parts, ("m_stamp", "q", cols["m_stamp"])])
    edit(root, "people/P03.md", "Advice", "Advice +5")
    assert_as_from_the_vault(root)


def test_every_check_is_per_file_or_across_files() -> None:
    """A check in neither list would silently go missing from ``check`` (it runs from the rows)."""
    split = {*checks_mod.PER_FILE, *checks_mod.ACROSS_FILES, checks_mod.check_merge_driver}
    assert split == set(checks_mod.CHECKS)
    assert not set(checks_mod.PER_FILE) & set(checks_mod.ACROSS_FILES)


def test_a_row_round_trips_and_refuses_other_shapes(root: Path) -> None:
    vault = load_vault(root)
    for r in vault.results:
        row = row_of(r, DAY, vault.config)
        assert row_from_json(row.to_json()) == row
    good = row_of(vault.results[0], DAY, vault.config).to_json()
    for bad in (good[:-1], [1, *good[1:]], [*good[:2], "3", *good[3:]], [*good[:-1], [[1, "x", None, "fatal"]]],
                [good[0], [*good[1][:-1], "yes"], *good[2:]]):
        with pytest.raises((ValueError, TypeError)):
            row_from_json(bad)


def test_with_notes_the_reports_from_rows_are_the_reports_from_the_vault(tmp_path: Path) -> None:
    """Notes add touches to the people they name and problems of their own: both in the rows' reports."""
    root = tmp_path / "vault"
    shutil.copytree(Path(__file__).resolve().parent / "golden" / "notes" / "vault", root)
    for p in [root, *root.rglob("*")]:
        age(p, 3600)
    assert_as_from_the_vault(root)
    edit(root, "people/Alice Chen.md", "---\n", "---\ntags: [noted]\n")
    assert_as_from_the_vault(root)


def test_check_sorts_in_the_problems_of_paths_that_hold_no_row(tmp_path: Path) -> None:
    """``check`` streams each file's problems in path order: the vault's own (a setting, symlinks the
    walk refused, before, between and after the rows' paths) and duplicate names across folders land
    where a sort of the whole vault's problems puts them, on the first run and from the memo."""
    root = tmp_path / "vault"
    outside = tmp_path / "outside.md"
    outside.write_text("---\nname: Outside\n---\n", encoding="utf-8")
    write_vault(root, {
        "guanxi.toml": "bogus = 1\n",
        "aa/B.md": "---\nname: A\ntouch:\n  - 2099-02-02 Later\n---\n",
        "people/A.md": "---\ngive:\n  - 2099-01-01 Future\n  - 2099-01-01 Future\n---\n",
        "people/M.md": "---\ngive:\n  - 2025-01-01 Fine\n---\n",
    })
    for rel in ("aa/0.md", "people/L.md", "people/zz.md"):
        (root / rel).symlink_to(outside)
    for p in [root, *root.rglob("*")]:
        age(p, 3600)
    want, summary = reference(root, ("check",))
    assert [line.split(":")[0] for line in want.splitlines()] == [
        "aa/0.md", "aa/B.md", "aa/B.md", "guanxi.toml", "people/A.md", "people/A.md", "people/A.md", "people/L.md",
        "people/zz.md"]
    for _ in range(2):  # made from the rows, then printed from the memo
        got = run_cli("--vault", str(root), "check", "--today", TODAY)
        assert (got.stdout, got.stderr) == (want, summary)
