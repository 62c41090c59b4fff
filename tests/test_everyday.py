"""Issue 12, everyday use: each numbered defect a new user hit, through the CLI."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from notebook_tool.cli.main import main
from tests.conftest import run_cli

Vault = Callable[[dict[str, str | bytes]], Path]
DAY = ("--today", "2025-06-01")


def run_in(folder: Path, *args: str) -> Result:
    """``guanxi ARGS`` with ``folder`` as the working directory and no $GUANXI_VAULT."""
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(folder)
    try:
        return runner.invoke(main, list(args), env={"GUANXI_VAULT": ""}, catch_exceptions=False)
    finally:
        os.chdir(old)


# -- 2: outside a vault, nothing is read or written -----------------------------------------------
def test_outside_a_vault_commands_exit_1_and_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# not a contact\n")
    for args in (("list",), ("add", "Some One"), ("index",), ("check",), ("show", "notes")):
        r = run_in(tmp_path, *args)
        assert r.exit_code == 1, args
        assert r.stderr.startswith(f"guanxi: no vault here: neither {tmp_path.resolve()} nor a folder "
                                   "above it holds guanxi.toml.\n  Start one with `guanxi init`")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_folder_named_by_vault_or_env_needs_no_toml(tmp_path: Path) -> None:
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "Ann.md").write_text("---\nmet: 2025-05-01\n---\n")
    assert run_cli("--vault", str(tmp_path), "list", *DAY).exit_code == 0
    r = run_cli("list", *DAY, env={"GUANXI_VAULT": str(tmp_path)})
    assert (r.exit_code, r.stdout.splitlines()[1].split()[0]) == (0, "Ann")


def test_a_vault_is_found_from_a_subfolder(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "v")).exit_code == 0
    assert run_cli("--vault", str(tmp_path / "v"), "add", "Ann").exit_code == 0
    r = run_in(tmp_path / "v" / "people", "list", *DAY)
    assert r.exit_code == 0 and "Ann" in r.stdout


# -- 3: init honours --vault ----------------------------------------------------------------------
def test_init_sets_up_the_folder_named_by_vault(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    r = run_in(tmp_path / "here", "init", "--vault", str(tmp_path / "net"))
    assert r.exit_code == 0
    assert (tmp_path / "net" / "guanxi.toml").is_file()
    assert list((tmp_path / "here").iterdir()) == []
    r = run_in(tmp_path / "here", "--vault", str(tmp_path / "net2"), "init")
    assert r.exit_code == 0 and (tmp_path / "net2" / "guanxi.toml").is_file()
    clash = run_in(tmp_path / "here", "init", str(tmp_path / "a"), "--vault", str(tmp_path / "b"))
    assert clash.exit_code == 2


# -- 8: show names the problem of the file NAME means ----------------------------------------------
def test_show_of_a_file_that_fails_to_parse_says_its_problem(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Alice Chen.md": "---\nemail: a@x.example\ncompany:Acme\n---\n"})
    for args in (("show", "alice"), ("show", "Alice Chen")):
        r = run_cli("--vault", str(root), *args, *DAY)
        assert r.exit_code == 1
        assert r.stderr == ("guanxi: people/Alice Chen.md:3:1: 'company:Acme' needs a space after the colon: "
                            "'company: Acme'\n(people/Alice Chen.md cannot be shown or written to until it "
                            "reads cleanly; guanxi check lists every problem)\n")
        assert "no contact named" not in r.stderr


# -- 9: names equal after folding ------------------------------------------------------------------
def test_add_refuses_a_name_equal_after_folding_and_exact_names_resolve(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Zoë Ångström.md": "---\nmet: 2025-05-01\n---\n"})
    r = run_cli("--vault", str(root), "add", "Zoe Angstrom")
    assert (r.exit_code, r.stderr) == (
        1, "guanxi: people/Zoë Ångström.md already exists: 'Zoe Angstrom' is already a contact\n")
    assert not (root / "people" / "Zoe Angstrom.md").exists()
    # Two such files made by hand (or by git): each is reached by its exact name or its path.
    (root / "people" / "Zoe Angstrom.md").write_text("---\nmet: 2025-04-01\n---\n")
    for query, path in (("Zoë Ångström", "people/Zoë Ångström.md"), ("Zoe Angstrom", "people/Zoe Angstrom.md"),
                        ("people/Zoe Angstrom.md", "people/Zoe Angstrom.md"),
                        ("people/Zoë Ångström", "people/Zoë Ångström.md")):
        s = run_cli("--vault", str(root), "show", query, *DAY)
        assert s.exit_code == 0, (query, s.stderr)
        assert s.stdout.splitlines()[1] == path
    amb = run_cli("--vault", str(root), "show", "zoe", *DAY)
    assert amb.exit_code == 1 and "ambiguous" in amb.stderr


@pytest.mark.parametrize("front, line", [("email: a@x\ncompany:Acme\n", 3), ("company:Acme\nemail: a@x\n", 2),
                                         ("company:Acme\n", 2)])
def test_a_missing_space_after_a_colon_names_the_line_and_the_fix(vault: Vault, front: str, line: int) -> None:
    root = vault({"guanxi.toml": "", "people/A.md": f"---\n{front}---\n"})
    r = run_cli("--vault", str(root), "check")
    assert r.exit_code == 1
    assert r.stdout == f"people/A.md:{line}:1: 'company:Acme' needs a space after the colon: 'company: Acme'\n"


# -- 4: a comma-separated string in a list field ---------------------------------------------------
def test_tags_without_brackets_are_the_list_meant_and_check_says_so(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\ntags: hiring, engineering\nmet: 2025-05-01\n---\n"})
    for cache in ("1", "0"):
        r = run_cli("--vault", str(root), "list", "--tag", "hiring", *DAY, env={"GUANXI_CACHE": cache})
        assert r.exit_code == 0 and r.stdout.splitlines()[1].startswith("Ann"), r.stdout
    c = run_cli("--vault", str(root), "check")
    assert (c.exit_code, c.stdout) == (0, "people/Ann.md:2:7: warning: 'tags: hiring, engineering' is read as the "
                                          "list [hiring, engineering]; write it in brackets so other tools agree\n")


# -- 5: an unknown key close to a known one --------------------------------------------------------
def test_a_misspelt_key_gets_a_warning_with_the_fix(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\nEmail: ann@x.example\ntag: [a]\nbirthdate: 1990-01-02\n"
                                                      "hobby: chess\n---\n"})
    c = run_cli("--vault", str(root), "check")
    assert c.exit_code == 0
    assert c.stdout == (
        "people/Ann.md:2:1: warning: unknown field 'Email': did you mean 'email'? (rename it to 'email:' for Guanxi to read it)\n"
        "people/Ann.md:3:1: warning: unknown field 'tag': did you mean 'tags'? (rename it to 'tags:' for Guanxi to read it)\n"
        "people/Ann.md:4:1: warning: unknown field 'birthdate': did you mean 'birthday'? "
        "(rename it to 'birthday:' for Guanxi to read it)\n")


# -- 11: cadence: monthly --------------------------------------------------------------------------
def test_cadence_as_a_word_gets_a_clear_message(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\ncadence: monthly\n---\n"})
    c = run_cli("--vault", str(root), "check")
    assert (c.exit_code, c.stdout) == (1, "people/Ann.md:2:10: 'cadence: monthly' is not a duration; for 'monthly' "
                                          "write 1m (durations: 30d, 2w, 3m, 1y; or none to opt out)\n")


def test_dates_without_zero_padding_read_as_meant_with_a_warning(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\nmet: 2025-6-1\ntouch:\n  - 2025-5-3 Coffee\n---\n"})
    c = run_cli("--vault", str(root), "check", *DAY)
    assert (c.exit_code, c.stdout) == (0, "people/Ann.md:2:6: warning: 'met: 2025-6-1' is read as 2025-06-01; write "
                                          "dates as YYYY-MM-DD\npeople/Ann.md:4:5: warning: touch entry: '2025-5-3' is "
                                          "read as 2025-05-03; write dates as YYYY-MM-DD\n")
    s = run_cli("--vault", str(root), "show", "ann", *DAY)
    assert "met 2025-06-01" in s.stdout and "2025-05-03  touch  Coffee" in s.stdout


# -- 11: touch --help, history --json --------------------------------------------------------------
def test_touch_offers_no_weight_or_promise(vault: Vault) -> None:
    h = run_cli("touch", "--help")
    assert h.exit_code == 0 and "--date" in h.stdout
    assert "--weight" not in h.stdout and "--promise" not in h.stdout
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\nmet: 2025-05-01\n---\n"})
    r = run_cli("--vault", str(root), "touch", "ann", "Coffee", "--weight", "2")
    assert r.exit_code == 2 and "No such option '--weight'" in r.stderr


def git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Me", "GIT_AUTHOR_EMAIL": "me@x.example",
                        "GIT_COMMITTER_NAME": "Me", "GIT_COMMITTER_EMAIL": "me@x.example"})


def test_history_json_weights_are_json_numbers(tmp_path: Path) -> None:
    import json

    root = tmp_path / "v"
    git(tmp_path, "init", "-q", str(root))
    assert run_cli("init", str(root)).exit_code == 0
    assert run_cli("--vault", str(root), "add", "Ann").exit_code == 0
    assert run_cli("--vault", str(root), "give", "ann", "Intro", "--date", "2025-05-01").exit_code == 0
    assert run_cli("--vault", str(root), "give", "ann", "Review", "--date", "2025-05-02", "--weight", "2.5").exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "log")
    r = run_cli("--vault", str(root), "history", "ann", "--json")
    assert r.exit_code == 0
    weights = [e["weight"] for e in json.loads(r.stdout)["entries"]]
    assert weights == [1, 2.5] and isinstance(weights[0], int)
    assert '"weight": 1,' in r.stdout


# -- 7: the attention page renders the same with Python-Markdown and CommonMark -------------------
def test_attention_page_nests_reasons_in_python_markdown_and_commonmark(vault: Vault) -> None:
    import markdown
    from markdown_it import MarkdownIt

    files: dict[str, str | bytes] = {"guanxi.toml": 'contacts = ["people"]\n'}
    for i in range(7):  # more than fit in Today: the rest go under "Everyone else"
        files[f"people/P{i}.md"] = f"---\ncadence: 30d\nmet: 2024-0{i + 1}-01\nbirthday: 1990-06-0{i + 2}\n---\n"
    root = vault(files)
    r = run_cli("--vault", str(root), "index", *DAY)
    assert r.exit_code == 0
    page = (root / "_index" / "attention.md").read_text()
    assert page.count("[P0]") == 1  # nobody is listed twice
    lines = page.splitlines()
    items = [x for x in lines if x.startswith("- ") or (x[:1].isdigit() and ". " in x[:4])]
    subs = [x for x in lines if x.startswith("    - ")]
    nested = sum(1 for a, b in itertools.pairwise(lines) if not a.startswith("    - ") and b.startswith("    - "))
    assert len(items) == 7 and nested >= 6
    for html in (markdown.markdown(page), MarkdownIt("commonmark").render(page)):
        squashed = "".join(html.split())
        # Every person's reasons are a list inside that person's item, in Today and below.
        for i in range(7):
            assert f'P{i}</a>' in squashed
        assert squashed.count("<li>") == len(items) + len(subs)
        assert squashed.count("<ul>") == 1 + nested  # one list inside each person with more reasons
        assert squashed.count("</ul></li>") == nested  # ... and it sits inside that person's item
        assert "<ol>" in squashed and "<h2>Everyoneelse</h2>" in squashed


# -- 10: done keeps the promise date visible -------------------------------------------------------
def test_done_keeps_the_promise_date_visible_in_show_and_history(tmp_path: Path) -> None:
    root = tmp_path / "v"
    git(tmp_path, "init", "-q", str(root))
    assert run_cli("init", str(root)).exit_code == 0
    assert run_cli("--vault", str(root), "add", "Ann").exit_code == 0
    assert run_cli("--vault", str(root), "give", "ann", "Send the report", "--promise", "--date", "2025-03-01",
                   "--weight", "2").exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "promise")
    d = run_cli("--vault", str(root), "done", "ann", "report", "--date", "2025-03-10")
    assert (d.exit_code, d.stdout) == (0, "people/Ann.md:3: give 2025-03-10 [x] Send the report "
                                          "(promised 2025-03-01) +2\n")
    show = run_cli("--vault", str(root), "show", "ann", *DAY)
    assert "2025-03-10  give   [x] Send the report (promised 2025-03-01) +2" in show.stdout, show.stdout
    h = run_cli("--vault", str(root), "history", "ann")
    assert h.exit_code == 0 and "(promised 2025-03-01)" in h.stdout


# -- 6: watch puts back its pages when they are reverted or deleted --------------------------------
def test_watch_puts_back_pages_reverted_or_deleted(tmp_path: Path) -> None:
    import shutil
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "v"
    assert run_cli("init", str(root)).exit_code == 0
    (root / "people" / "Ann.md").write_text("---\nmet: 2025-05-01\ntouch:\n  - 2025-05-02 Coffee\n---\n")
    page = root / "_index" / "attention.md"
    proc = subprocess.Popen([sys.executable, "-m", "notebook_tool", "--vault", str(root), "watch", *DAY],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GUANXI_VAULT": ""})

    def wait(cond: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if cond():
                return
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        raise AssertionError(f"timed out: {what}")

    def good() -> bool:
        try:
            return page.read_bytes() == expected
        except FileNotFoundError:
            return False

    try:
        wait(page.exists, "the first index")
        time.sleep(0.3)
        expected = page.read_bytes()
        page.write_text("an old version, as `git restore _index` would leave it\n")
        wait(good, "the reverted page put back")
        page.unlink()
        wait(good, "the deleted page put back")
        shutil.rmtree(root / "_index")
        wait(good, "the deleted folder put back")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


# -- friction: git ---------------------------------------------------------------------------------
def test_init_ignores_pages_and_editor_files_so_a_daily_index_leaves_git_clean(tmp_path: Path) -> None:
    import subprocess

    root = tmp_path / "v"
    git(tmp_path, "init", "-q", str(root))
    assert run_cli("init", str(root)).exit_code == 0
    lines = (root / ".gitignore").read_text().splitlines()
    for pattern in (".guanxi/", "/_index/", "*.swp", "*~", ".#*", "4913"):
        assert pattern in lines
    assert run_cli("--vault", str(root), "add", "Ann", "--met", "2025-01-01").exit_code == 0
    assert run_cli("--vault", str(root), "index", "--today", "2025-06-01").exit_code == 0
    for junk in ("people/.Ann.md.swp", "people/Ann.md~", "people/4913", "people/.#Ann.md"):
        (root / junk).write_text("x")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    assert run_cli("--vault", str(root), "index", "--today", "2025-06-02").exit_code == 0  # the next day
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == ""
    tracked = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True).stdout
    assert tracked.split() == [".gitattributes", ".gitignore", "guanxi.toml", "people/Ann.md"]


# -- friction: readable reports on a terminal ------------------------------------------------------
def test_report_prints_names_and_the_page_is_one_option_away() -> None:
    from tests.conftest import EXAMPLE_VAULT

    ex = ("--vault", str(EXAMPLE_VAULT), *DAY)
    text = run_cli("report", "attention", *ex)
    assert text.exit_code == 0
    assert text.stdout.splitlines()[:4] == [
        "Who needs attention, as of 2025-06-01. 7 people need attention.", "", "Today:",
        " 1. Alice Chen — you promised “Send the DevOps hiring report” 92 days ago (2025-03-01)"]
    assert "%20" not in text.stdout and "](" not in text.stdout
    assert "  - Priya Raman — no way to reach them (no email, phone or links)" in text.stdout
    md = run_cli("report", "attention", "--markdown", *ex)
    assert md.stdout == (EXAMPLE_VAULT / "_index" / "attention.md").read_text(encoding="utf-8").replace("../", "")
    rec = run_cli("report", "reciprocity", *ex)
    assert "王伟                     1      3       -2  2025-03-10  2025-04-20  2025-05-02" in rec.stdout
    assert run_cli("report", "attention", "--json", "--markdown", *ex).exit_code == 2


# -- friction: show --------------------------------------------------------------------------------
def test_show_prints_entry_lines_notes_and_with_links_who_names_them(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\ntouch:\n  - 2025-05-02 Coffee\n---\nLikes chess.\n",
                  "people/Bob.md": "---\nvia: \"[[Ann]]\"\ngive:\n  - 2025-05-03 Intro to [[Ann]]\n---\n"})
    r = run_cli("--vault", str(root), "show", "ann", *DAY)
    assert r.stdout.endswith("Entries (1):\n3  2025-05-02  touch  Coffee\n\nNotes:\nLikes chess.\n"), r.stdout
    assert "Named by" not in r.stdout
    r = run_cli("--vault", str(root), "show", "ann", "--links", *DAY)
    assert "\nNamed by (1):\n- Bob (via, line 4)\n" in r.stdout


# -- friction: snooze; writes by a one- or two-letter prefix ---------------------------------------
def test_snooze_refuses_the_past_says_how_to_end_it_and_lists(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\nmet: 2025-05-01\n---\n",
                  "people/Bob.md": "---\nmet: 2025-05-01\n---\n"})
    v = ("--vault", str(root))
    past = run_cli(*v, "snooze", "ann", "2025-01-01", "--date", "2025-06-01")
    assert past.exit_code == 2 and "2025-01-01 is in the past" in past.stderr and "guanxi snooze ann 0" in past.stderr
    ok = run_cli(*v, "snooze", "ann", "2w", "--date", "2025-06-01")
    assert (ok.exit_code, ok.stdout.splitlines()[-1]) == (
        0, "Ann snoozed until 2025-06-15 (`guanxi snooze ann 0` to end it sooner)")
    listed = run_cli(*v, "snooze", "--list", "--date", "2025-06-01")
    assert (listed.exit_code, listed.stdout) == (0, "2025-06-15  Ann\n")
    end = run_cli(*v, "snooze", "ann", "0", "--date", "2025-06-01")
    assert end.stdout.splitlines()[-1] == "Ann is no longer snoozed"
    assert run_cli(*v, "snooze", "--list", "--date", "2025-06-01").stdout == "Nobody is snoozed after 2025-06-01.\n"


def test_a_write_by_a_two_letter_prefix_is_refused_with_candidates(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Annabel Lee.md": "---\nmet: 2025-05-01\n---\n",
                  "people/Al.md": "---\nmet: 2025-05-01\n---\n"})
    before = (root / "people" / "Annabel Lee.md").read_bytes()
    r = run_cli("--vault", str(root), "give", "an", "Coffee")
    assert (r.exit_code, r.stderr) == (1, "guanxi: 'an' is too short a name to write with; type more of it. "
                                          "It starts:\n  Annabel Lee  (people/Annabel Lee.md)\n")
    assert (root / "people" / "Annabel Lee.md").read_bytes() == before
    assert run_cli("--vault", str(root), "show", "an", *DAY).exit_code == 0  # reading is fine
    assert run_cli("--vault", str(root), "give", "al", "Coffee").exit_code == 0  # a whole name is fine
    assert run_cli("--vault", str(root), "give", "anna", "Coffee").exit_code == 0
    typo = run_cli("--vault", str(root), "show", "anabel", *DAY)
    assert typo.exit_code == 1 and "did you mean" in typo.stderr and "Annabel Lee" in typo.stderr


# -- friction: list --------------------------------------------------------------------------------
def test_list_several_tags_all_match_sort_by_tags_and_reverse(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/Ann.md": "---\ntags: [hiring, eng]\n---\n",
                  "people/Bob.md": "---\ntags: [eng]\n---\n", "people/Cy.md": "---\n---\n"})
    v = ("--vault", str(root), *DAY)

    def names(*args: str) -> list[str]:
        r = run_cli("list", *v, *args)
        assert r.exit_code == 0, r.stderr
        return [line.split()[0] for line in r.stdout.splitlines()[1:]]

    assert names("--tag", "eng", "--tag", "HIRING") == ["Ann"]
    assert names("--tag", "eng") == ["Ann", "Bob"]
    assert names("--sort", "tags") == ["Bob", "Ann", "Cy"]  # by the TAGS column: "eng" < "hiring, eng"; none last
    assert names("--sort", "name", "--reverse") == ["Cy", "Bob", "Ann"]


# -- friction: add ---------------------------------------------------------------------------------
def test_add_takes_alias_birthday_link_and_warns_on_unknown_via_or_bad_email(vault: Vault) -> None:
    root = vault({"guanxi.toml": 'contacts = ["people"]\n', "people/Bob.md": "---\n---\n"})
    r = run_cli("--vault", str(root), "add", "Ann Lee", "--alias", "Annie", "--birthday", "--06-14",
                "--link", "https://example.com/ann", "--email", "ann.example.com", "--via", "Zed")
    assert r.exit_code == 0
    assert r.stderr == ("guanxi: warning: 'ann.example.com' does not look like an email address\n"
                        "guanxi: warning: --via 'Zed' is not a contact yet (guanxi add Zed)\n")
    assert (root / "people" / "Ann Lee.md").read_text() == (
        '---\nemail: ann.example.com\nvia: "[[Zed]]"\naliases: [Annie]\nlinks: [https://example.com/ann]\n'
        "birthday: --06-14\ngive:\ntake:\ntouch:\n---\n")
    ok = run_cli("--vault", str(root), "add", "Cy", "--via", "bob", "--email", "cy@x.example")
    assert (ok.exit_code, ok.stderr) == (0, "")
    assert run_cli("--vault", str(root), "show", "annie", *DAY).stdout.startswith("Ann Lee\n")
    bad = run_cli("--vault", str(root), "add", "Di", "--birthday", "June 14")
    assert (bad.exit_code, bad.stderr) == (1, "guanxi: cannot add 'Di': 'birthday': expected YYYY-MM-DD or "
                                              "--MM-DD, got 'June 14'\n")
    assert not (root / "people" / "Di.md").exists()


# -- friction: edit --------------------------------------------------------------------------------
def test_edit_opens_the_file_in_editor_split_like_a_shell_and_reports_problems(vault: Vault, tmp_path: Path) -> None:
    root = vault({"guanxi.toml": "", "people/Mary O'Brien.md": "---\nmet: 2025-05-01\n---\n"})
    log = tmp_path / "editor.log"
    fake = tmp_path / "my editor"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}'\nprintf -- '---\\ncompany:Acme\\n---\\n' > \"$2\"\n")
    fake.chmod(0o755)
    editor = f"'{fake}' --wait"
    r = run_cli("--vault", str(root), "edit", "mary", env={"EDITOR": editor, "VISUAL": ""})
    assert log.read_text().splitlines() == ["--wait", str(root / "people" / "Mary O'Brien.md")]
    assert (r.exit_code, r.stderr) == (1, "people/Mary O'Brien.md:2:1: 'company:Acme' needs a space after the "
                                          "colon: 'company: Acme'\n")
    again = run_cli("--vault", str(root), "edit", "mary", env={"EDITOR": editor, "VISUAL": ""})
    assert again.exit_code == 1 and log.read_text().splitlines()[1].endswith("Mary O'Brien.md")  # opens broken files
    gone = run_cli("--vault", str(root), "edit", "mary", env={"EDITOR": str(tmp_path / "nope"), "VISUAL": ""})
    assert gone.exit_code == 1 and "cannot run the editor" in gone.stderr


# -- friction: watch prints config errors ----------------------------------------------------------
def test_watch_prints_errors_of_a_saved_guanxi_toml(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "v"
    assert run_cli("init", str(root)).exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "notebook_tool", "--vault", str(root), "watch", *DAY],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GUANXI_VAULT": ""})
    try:
        deadline = time.monotonic() + 60
        while not (root / "_index" / "attention.md").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        (root / "guanxi.toml").write_text('cadence = "often"\n')
        page = root / "_index" / "attention.md"
        while "guanxi.toml" not in page.read_text(encoding="utf-8") and time.monotonic() < deadline + 60:
            time.sleep(0.05)  # the page lists the problem; the terminal line is printed right after
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "guanxi.toml:1: 'cadence': expected a duration like 30d, 2w, 3m or 1y, got 'often'" in err, err


# -- friction: a person just added appears on the attention page, once ----------------------------
def test_a_person_added_bare_is_on_the_attention_page_once(tmp_path: Path) -> None:
    root = tmp_path / "v"
    assert run_cli("init", str(root)).exit_code == 0
    assert run_cli("--vault", str(root), "add", "Ann", "--email", "ann@x.example").exit_code == 0
    assert run_cli("--vault", str(root), "index", *DAY).exit_code == 0
    page = (root / "_index" / "attention.md").read_text(encoding="utf-8")
    assert "1. [Ann](../people/Ann.md) — no exchange yet: say hello, say why\n" in page
    assert page.count("[Ann]") == 1
    assert run_cli("--vault", str(root), "touch", "ann", "Coffee", "--date", "2025-05-30").exit_code == 0
    assert "Nobody needs attention." in run_cli("--vault", str(root), "report", "attention", *DAY).stdout


# -- friction: rename ------------------------------------------------------------------------------
def test_rename_moves_the_file_and_rewrites_links_and_via_minimally(vault: Vault) -> None:
    bob = "---\nemail: bob@x.example\n---\nBob's notes.\n"
    ann = ('---\nvia: "[[Bob Smith]]"  # met at a meetup\ngive:\n  - 2025-05-03 Intro to [[bob smith|Bob]] +2\n'
           "  - 2025-05-04 Lunch with [[Cy]]\n---\nSee [[Bob Smith]].\n")
    root = vault({"guanxi.toml": 'contacts = ["people"]\n', "people/Bob Smith.md": bob, "people/Ann.md": ann,
                  "people/Cy.md": "---\n---\n"})
    r = run_cli("--vault", str(root), "rename", "bob smith", "Robert Smith")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "Renamed people/Bob Smith.md to people/Robert Smith.md\npeople/Ann.md: links updated\n"
    assert r.stderr == "guanxi: note: not changed (in the notes): people/Ann.md: See [[Bob Smith]].\n"
    assert not (root / "people" / "Bob Smith.md").exists()
    assert (root / "people" / "Robert Smith.md").read_text() == bob
    assert (root / "people" / "Ann.md").read_text() == ann.replace('"[[Bob Smith]]"', '"[[Robert Smith]]"').replace(
        "[[bob smith|Bob]]", "[[Robert Smith|Bob]]")
    show = run_cli("--vault", str(root), "show", "robert", "--links", *DAY)
    assert "- Ann (via, line 4)" in show.stdout
    clash = run_cli("--vault", str(root), "rename", "robert", "cy")
    assert (clash.exit_code, clash.stderr) == (1, "guanxi: people/Cy.md already exists: 'cy' is already a contact\n")


# -- friction: merge-people ------------------------------------------------------------------------
def test_merge_people_unites_entries_and_shows_conflicts(vault: Vault) -> None:
    a = "---\nemail: ann@x.example\ntouch:\n  - 2025-05-02 Coffee\n---\n"
    b = "---\nemail: ann@home.example\ngive:\n  - 2025-04-01 Intro +2\ntouch:\n  - 2025-05-02 Coffee\n---\n"
    root = vault({"guanxi.toml": 'contacts = ["people"]\n', "people/Ann Lee.md": a, "people/Ann L.md": b,
                  "people/Cy.md": '---\nvia: "[[Ann L]]"\n---\n'})
    r = run_cli("--vault", str(root), "merge-people", "Ann Lee", "Ann L")
    assert r.exit_code == 1
    assert r.stdout == "people/Ann Lee.md:6: give 2025-04-01 Intro\npeople/Cy.md: links updated\n"
    assert r.stderr == ("Merged the entries of people/Ann L.md into people/Ann Lee.md; people/Ann L.md kept:\n"
                        "  conflict: emails: people/Ann Lee.md has [ann@x.example]; people/Ann L.md has "
                        "[ann@home.example]\n")
    assert (root / "people" / "Ann Lee.md").read_text() == (
        "---\nemail: ann@x.example\ntouch:\n  - 2025-05-02 Coffee\ngive:\n  - 2025-04-01 Intro +2\n---\n")
    assert (root / "people" / "Cy.md").read_text() == '---\nvia: "[[Ann Lee]]"\n---\n'
    # Settled by hand: the second run has nothing left to add and removes B.
    (root / "people" / "Ann L.md").write_text(b.replace("ann@home.example", "ann@x.example"))
    again = run_cli("--vault", str(root), "merge-people", "Ann Lee", "Ann L")
    assert (again.exit_code, again.stdout) == (0, "Merged people/Ann L.md into people/Ann Lee.md; people/Ann L.md removed\n")
    assert not (root / "people" / "Ann L.md").exists()


def test_a_second_give_block_is_reported_not_silently_ignored(vault: Vault) -> None:
    root = vault({"guanxi.toml": "", "people/A.md": "---\ngive:\n  - 2025-01-01 A\ntake:\ngive:\n  - 2025-02-01 B\n---\n"})
    c = run_cli("--vault", str(root), "check")
    assert (c.exit_code, c.stdout) == (1, "people/A.md:5:1: duplicate key 'give' (first on line 2); this one is ignored\n")
