"""The command line (SPEC §6) end to end with CliRunner: exact output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_VAULT, REPO, run_cli

Vault = Callable[[dict[str, str | bytes]], Path]
EX = ("--vault", str(EXAMPLE_VAULT))
DAY = ("--today", "2025-06-01")


def test_init_creates_a_vault_and_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "net"
    r = run_cli("init", str(target))
    assert r.exit_code == 0
    assert r.stdout.startswith(f"Initialised vault in {target}: created guanxi.toml, people/, .gitignore")
    assert 'contacts = ["people"]' in (target / "guanxi.toml").read_text()
    assert ".guanxi/" in (target / ".gitignore").read_text().splitlines()
    config_before = (target / "guanxi.toml").read_bytes()
    again = run_cli("init", str(target))
    assert again.exit_code == 0
    assert (target / "guanxi.toml").read_bytes() == config_before
    assert (target / ".gitignore").read_text().count(".guanxi/") == 1


def test_add_then_show_then_index(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    r = run_cli("--vault", str(root), "add", "Alice Chen", "--email", "alice@acme.example", "--tag", "recruiting",
                "--met", "2025-05-20", "--why", "Places IT people: DevOps #1")
    assert (r.exit_code, r.stdout) == (0, "Created people/Alice Chen.md\n")
    assert (root / "people" / "Alice Chen.md").read_text() == (
        "---\n"
        "email: alice@acme.example\n"
        "tags: [recruiting]\n"
        "met: 2025-05-20\n"
        'why: "Places IT people: DevOps #1"\n'
        "give:\ntake:\ntouch:\n---\n"
    )
    dup = run_cli("--vault", str(root), "add", "ALICE CHEN")
    assert (dup.exit_code, dup.stderr) == (1, "guanxi: people/Alice Chen.md already exists: 'ALICE CHEN' is already a contact\n")
    show = run_cli("--vault", str(root), "show", "alice", *DAY)
    assert show.exit_code == 0
    assert show.stdout == (
        "Alice Chen\npeople/Alice Chen.md\n\n"
        "tags: recruiting\nemail: alice@acme.example\nmet 2025-05-20\nwhy: Places IT people: DevOps #1\ncadence: 90d\n\n"
        "balance 0 (given 0, taken 0) · last contact 2025-05-20 · no exchange yet\n\n"
        "Needs attention:\n"
        "- no-follow-up: met 12 days ago (2025-05-20) and no give or touch since: say hello, say why,"
        " ask what you can do for them — why: Places IT people: DevOps #1\n\n"
        "No entries yet.\n"
    )
    idx = run_cli("--vault", str(root), "index", *DAY)
    assert (idx.exit_code, idx.stderr) == (0, "Indexed 1 person: _index/attention.md, _index/reciprocity.md, "
                                              "_index/guanxi.ics, _index/introductions.md, _index/network.md\n")
    again = run_cli("--vault", str(root), "index", *DAY)
    assert again.stderr == "Indexed 1 person: pages unchanged\n"


def test_add_refuses_a_name_that_differs_only_by_normalisation(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    assert run_cli("--vault", str(root), "add", "Zo\u00eb").exit_code == 0
    r = run_cli("--vault", str(root), "add", "zoe\u0308")
    assert r.exit_code == 1 and "already a contact" in r.stderr


def test_add_keeps_odd_names_inside_the_vault(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    r = run_cli("--vault", str(root), "add", "../../etc/passwd")
    assert r.exit_code == 0
    (created,) = list((root / "people").iterdir())
    assert created.parent == root / "people" and not created.name.startswith(".")
    assert created.read_text().startswith("---\nname: ../../etc/passwd\n")
    # .guanxi: the write lock (machine-local, ignored by git)
    assert sorted(p.name for p in root.iterdir()) == [".gitattributes", ".gitignore", ".guanxi", "guanxi.toml", "people"]


def test_show_unknown_and_ambiguous_names_exit_1_with_candidates() -> None:
    r = run_cli(*EX, "show", "Alise")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == "guanxi: no contact named 'Alise'; did you mean:\n  Alice Chen  (people/Alice Chen.md)\n"
    amb = run_cli(*EX, "show", "a")
    assert amb.exit_code == 1
    assert amb.stderr == (
        "guanxi: 'a' is ambiguous; it could be:\n"
        "  Alice Chen  (people/Alice Chen.md)\n"
        "  Dr. Amara Okafor  (people/Amara Okafor.md)\n"
    )


def test_show_by_alias_and_accentless_name() -> None:
    assert run_cli(*EX, "show", "Wang Wei", *DAY).stdout.startswith("王伟\npeople/王伟.md\n")
    assert run_cli(*EX, "show", "zoe", *DAY).stdout.startswith("Zoë Ångström\n")


def test_show_json() -> None:
    r = run_cli(*EX, "show", "alice", "--json", *DAY)
    data = json.loads(r.stdout)
    assert (data["name"], data["balance"], data["cadence_days"], data["birthday"]) == ("Alice Chen", 1, 30, "1985-06-14")
    assert [x["rule"] for x in data["reasons"]] == ["promise", "birthday", "overdue"]
    assert data["entries"][0] == {"kind": "give", "date": "2025-01-10", "text": "Introduced her to [[Carol Diaz]] at Initech",
                                  "weight": 3, "status": None, "links": ["Carol Diaz"], "tags": [], "line": 19}


def test_list_sort_and_tag() -> None:
    r = run_cli(*EX, "list", "--tag", "ENGINEERING", "--sort", "balance", *DAY)
    assert (r.exit_code, r.stdout) == (0, (
        "NAME        BALANCE  LAST CONTACT  TAGS\n"
        "Bob Smith       0.5  2025-05-15    engineering\n"
        "Carol Diaz        4  2025-05-28    engineering, hiring\n"
    ))
    js = json.loads(run_cli(*EX, "list", "--sort", "last-contact", "--json", *DAY).stdout)
    assert [p["name"] for p in js["people"]][:3] == ["Greg Lee", "Søren Madsen", "Frank Müller"]


def test_report_attention_markdown_and_json_agree() -> None:
    md = run_cli(*EX, "report", "attention", "--markdown", *DAY)
    js = json.loads(run_cli(*EX, "report", "attention", "--json", *DAY).stdout)
    assert md.exit_code == 0
    assert "1. [Alice Chen](people/Alice%20Chen.md) — you promised “Send the DevOps hiring report” 92 days ago (2025-03-01)" in md.stdout
    assert js["as_of"] == "2025-06-01" and js["problems"] == []
    names = [p["name"] for p in js["people"]]
    assert names == ["Alice Chen", "王伟", "李娜", "José Álvarez", "Greg Lee", "Zoë Ångström", "Priya Raman"]
    rules = {r["rule"] for p in js["people"] for r in p["reasons"]}
    assert rules == {"owe", "overdue", "promise", "no-contact-info", "no-follow-up", "birthday"}


def test_report_reciprocity_json_schema() -> None:
    js = json.loads(run_cli(*EX, "report", "reciprocity", "--json", *DAY).stdout)
    assert set(js) == {"as_of", "totals", "people"}
    assert js["totals"] == {"people": 14, "entries": 35, "given": 22, "taken": 14.5, "give_first_share": 0.8}
    assert set(js["people"][0]) == {"name", "path", "given", "taken", "balance", "last_give", "last_take",
                                    "last_contact", "give_first"}


def test_check_clean_vault_exits_0_and_broken_exits_1(vault: Vault) -> None:
    ok = run_cli(*EX, "check", *DAY)
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "14 files checked: 0 errors, 0 warnings\n")
    root = vault({"people/A.md": "---\nemail: a@x\ngive:\n  - 2025-13-01 x\n  - 2026-01-01 Future\n---\n"})
    bad = run_cli("--vault", str(root), "check", *DAY)
    assert bad.exit_code == 1
    assert bad.stdout == (
        "people/A.md:4:5: give entry: no such date: 2025-13-01 (an entry starts with its date: 'YYYY-MM-DD text')\n"
        "people/A.md:5: warning: give entry is dated in the future (2026-01-01)\n"
    )
    warn_only = vault({"people/A.md": "---\nemail: a@x\ngive:\n  - 2026-01-01 Future\n---\n"})
    assert run_cli("--vault", str(warn_only), "check", *DAY).exit_code == 0
    assert run_cli("--vault", str(warn_only), "check", "--strict", *DAY).exit_code == 1


def test_index_reports_problems_on_stderr_and_still_indexes(vault: Vault) -> None:
    root = vault({"people/Good.md": "---\nemail: g@x\n---\n", "people/Bad.md": "---\nemail: [\n"})
    r = run_cli("--vault", str(root), "index", *DAY)
    assert r.exit_code == 0
    assert r.stderr == (
        "people/Bad.md:1: front matter opened with '---' on line 1 is never closed (add a '---' line after the last field)\n"
        "Indexed 1 person: _index/attention.md, _index/reciprocity.md, _index/guanxi.ics, _index/introductions.md, "
        "_index/network.md\n"
    )
    page = (root / "_index" / "attention.md").read_text()
    assert "- [people/Bad.md:1](../people/Bad.md): front matter opened with '---' on line 1 is never closed" in page


@pytest.mark.parametrize(
    "args",
    [("show",), ("report", "weekly"), ("index", "--today", "2025-02-30"), ("list", "--sort", "age"), ("frobnicate",)],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    r = run_cli(*EX, *args)
    assert r.exit_code == 2
    assert "Usage:" in r.stderr or "Error:" in r.stderr


def test_bad_today_says_why() -> None:
    r = run_cli(*EX, "index", "--today", "2025-02-30")
    assert "Invalid value for '--today': no such date: 2025-02-30" in r.stderr


def test_every_command_has_help() -> None:
    top = run_cli("--help")
    commands = [line.split()[0] for line in top.stdout.split("Commands:")[1].strip().splitlines()]
    assert {"init", "add", "show", "list", "index", "report", "check"} <= set(commands)
    for name in commands:
        r = run_cli(name, "--help")
        assert r.exit_code == 0 and r.stdout.startswith("Usage: ") and len(r.stdout.splitlines()) > 3, name


def test_shell_completion_of_names() -> None:
    env = {**os.environ, "_GUANXI_COMPLETE": "bash_complete", "COMP_WORDS": "guanxi show Zo", "COMP_CWORD": "2",
           "GUANXI_VAULT": str(EXAMPLE_VAULT)}
    out = subprocess.run([sys.executable, "-c", "from notebook_tool.cli.main import main; main(prog_name='guanxi')"],
                         env=env, capture_output=True, text=True, cwd=REPO)
    assert out.stdout.splitlines() == ["plain,Zoë\\ Ångström"]  # escaped for bash (cli.completion)


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "notebook_tool", *EX, "report", "attention", "--markdown", *DAY],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and out.stdout.startswith("<!-- Generated by guanxi")


def test_list_aligns_wide_characters() -> None:
    r = run_cli(*EX, "list", "--tag", "investor", *DAY)
    assert r.stdout == "NAME  BALANCE  LAST CONTACT  TAGS\n王伟       -2  2025-05-02    investor\n"


def test_vault_option_after_the_command_as_the_readme_shows(tmp_path: Path) -> None:
    after = run_cli("report", "attention", "--vault", str(EXAMPLE_VAULT), *DAY)
    before = run_cli("--vault", str(tmp_path), "report", "attention", "--vault", str(EXAMPLE_VAULT), *DAY)
    assert after.exit_code == 0 and "Alice Chen" in after.stdout
    assert before.stdout == after.stdout  # the innermost --vault wins
    assert "--vault DIRECTORY" in run_cli("show", "--help").stdout


def test_add_refuses_a_name_already_in_another_contacts_folder(vault: Vault) -> None:
    root = vault({"guanxi.toml": 'contacts = ["people", "work"]\n', "work/Bob Lee.md": "notes\n"})
    r = run_cli("--vault", str(root), "add", "bob lee")
    assert (r.exit_code, r.stderr) == (1, "guanxi: work/Bob Lee.md already exists: 'bob lee' is already a contact\n")
    assert not (root / "people").exists() or list((root / "people").iterdir()) == []


def test_add_leaves_no_temporary_file(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    assert run_cli("--vault", str(root), "add", "Ann").exit_code == 0
    assert sorted(p.name for p in (root / "people").iterdir()) == ["Ann.md"]


def test_check_reports_a_case_collision_once(vault: Vault) -> None:
    root = vault({"people/Alice.md": "---\nemail: a@x\n---\n", "people/alice.md": "---\nemail: b@x\n---\n"})
    r = run_cli("--vault", str(root), "check", *DAY)
    assert r.exit_code == 1
    assert [line.split(": ", 1)[0] for line in r.stdout.splitlines()] == ["people/Alice.md:1", "people/alice.md:1"]
    assert "also used by" not in r.stdout


def test_init_appends_to_an_existing_gitignore_keeping_its_bytes(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / ".gitignore").write_bytes(b"*.pdf\r\nsecrets")  # CRLF, no final newline
    run_cli("init", str(root))
    assert (root / ".gitignore").read_bytes().startswith(
        b"*.pdf\r\nsecrets\r\n# Guanxi's machine-local cache and temporary files\r\n.guanxi/\r\n.*.guanxi-tmp\r\n"
        b"# Guanxi's generated pages")
    assert b"\n/_index/\r\n" in (root / ".gitignore").read_bytes()
    # already ignored, spelled without the slash(es)
    ignored = b".guanxi\n.*.guanxi-tmp\n_index\n*.swp\n*.swo\n*~\n.#*\n4913\n"
    (root / ".gitignore").write_bytes(ignored)
    run_cli("init", str(root))
    assert (root / ".gitignore").read_bytes() == ignored


def test_json_text_is_json_dumps_with_an_indent() -> None:
    """The --json outputs join the encoder's pieces in blocks (memory): the text is json.dumps's."""
    from notebook_tool.cli.main import json_text

    many = {"as_of": "2025-06-01", "people": [{"name": f"名前 {i}", "n": i / 3, "tags": [], "x": {}, "ok": None}
                                              for i in range(5000)]}  # ~100,000 pieces: a dozen blocks
    for value in (many, [], {}, "text", 1.5, {"a": [1, {"b": [float("inf"), "\u2028\""]}]}):
        assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)
