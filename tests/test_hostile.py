"""Hostile and broken input: every bad file gets its exact message, nothing crashes, nothing is lost.

``tests/hostile/NAME.md`` is a bad contact file (its bytes exactly as stored:
CRLF, BOMs, Latin-1 and UTF-16 are the point) and ``NAME.expected`` the lines
``guanxi check`` prints for it, as ``people/NAME.md:line[:col]: message``. One
test globs them all into one vault beside a good file, so a bad file also
proves it does not stop the others from indexing; ``guanxi index`` must leave
every one of them byte-identical.

The vault walk (symlinks, unreadable folders, colliding and undecodable file
names) needs a file system rather than fixed bytes, so it is tested below.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from notebook_tool.core.config import Config
from notebook_tool.read.harden import MAX_DEPTH, prescan
from notebook_tool.read.parse import parse_contact
from notebook_tool.read.vault import contact_paths, load_vault
from tests.conftest import run_cli, write_vault

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.stem for p in HOSTILE.glob("*.md"))
TODAY = "2025-06-01"
GOOD = """\
---
name: Good Person
email: good@example.com
give:
  - 2025-05-01 Introduced them to [[Ann 32]] +2
---
Notes.
"""


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    missing = [c for c in CASES if not (HOSTILE / f"{c}.expected").is_file()]
    assert not missing, f"cases without a .expected file: {missing}"


def test_hostile_corpus(tmp_path: Path) -> None:
    """Every case prints exactly its expected lines; index keeps every byte; the good file indexes."""
    root = tmp_path / "vault"
    write_vault(root, {"people/Good Person.md": GOOD})
    for case in CASES:
        shutil.copyfile(HOSTILE / f"{case}.md", root / "people" / f"{case}.md")
    before = {p.name: p.read_bytes() for p in (root / "people").iterdir()}

    check = run_cli("--vault", str(root), "check", "--today", TODAY)
    assert check.exit_code == 1, check.output
    got: dict[str, list[str]] = defaultdict(list)
    for line in check.stdout.splitlines():
        got[line.split(":", 1)[0]].append(line)
    mismatches = []
    for case in CASES:
        want = (HOSTILE / f"{case}.expected").read_text(encoding="utf-8").splitlines()
        have = got.pop(f"people/{case}.md", [])
        if have != want:
            mismatches.append(f"{case}:\n  want {want}\n  have {have}")
        if not have:
            mismatches.append(f"{case}: no message at all")
    assert not mismatches, "\n".join(mismatches)
    assert got == {}, f"unexpected messages for other files: {dict(got)}"
    assert "Traceback" not in check.output and "internal error" not in check.output

    index = run_cli("--vault", str(root), "index", "--today", TODAY)
    assert index.exit_code == 0, index.output
    after = {p.name: p.read_bytes() for p in (root / "people").iterdir()}
    assert after == before, "index changed a contact file"
    reciprocity = (root / "_index" / "reciprocity.md").read_text(encoding="utf-8")
    assert "Good Person" in reciprocity
    # Every other reading command keeps working on the broken vault, too.
    for args in (("report", "attention", "--json"), ("report", "reciprocity"), ("list",), ("show", "Good")):
        r = run_cli("--vault", str(root), *args, "--today", TODAY) if args[0] != "list" else \
            run_cli("--vault", str(root), *args)
        assert r.exit_code == 0, (args, r.output)
    after = {p.name: p.read_bytes() for p in (root / "people").iterdir()}
    assert after == before, "a reading command changed a contact file"


@pytest.mark.parametrize("case", CASES)
def test_each_case_is_one_clear_problem_in_the_file(case: str) -> None:
    """Directly through the parser: no internal error, and every line is inside the file."""
    data = (HOSTILE / f"{case}.md").read_bytes()
    result = parse_contact(data, f"people/{case}.md")
    assert result.problems
    n_lines = max(data.count(b"\n"), data.count(b"\r"), data.count(b"\n\x00")) + 1
    for p in result.problems:
        assert "internal error" not in p.message
        assert 1 <= p.line <= n_lines, p.format()
        assert "\n" not in p.message, p.format()


# -- the pre-scan ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'why: "R&D, *not* sales!"\n',
    "why: Thanks! Great help & advice\n",
    "give:\n  - 2025-01-10 Introduced [[A]] [[B]] [[C]] [[D]] [[E]] [[F]] [[G]] [[H]] [[I]] [[J]]\n",
    "notes: |\n  * a markdown list\n  & an ampersand line\n  ! a bang line\n",
    "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n",  # + the fields mapping = MAX_DEPTH
    "a: [[[1]]]\nb: {c: {d: [e]}}\n",
])
def test_prescan_allows_ordinary_text(text: str) -> None:
    assert prescan(text) is None


@pytest.mark.parametrize("text, fragment", [
    ("a: &x 1\n", "anchor '&x'"),
    ("- *x\n", "alias '*x'"),
    ("a: !!binary aGk=\n", "tag '!!binary'"),
    ("a: !custom 1\n", "tag '!custom'"),
    ("a: [!!str 1]\n", "tag '!!str'"),
    ("x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", "deeper than"),
    ("- " * (MAX_DEPTH + 1) + "x\n", "deeper than"),
    ("x: " + "[" * 100_000, "deeper than"),
    ("x:\n" + "".join(" " * i + f"k{i}:\n" for i in range(60)), "deeper than"),
])
def test_prescan_refuses(text: str, fragment: str) -> None:
    finding = prescan(text)
    assert finding is not None and fragment in finding.message


def test_deep_nesting_never_reaches_libyaml(tmp_path: Path) -> None:
    """The segfault shape, in a child process: a crash there fails this test, not pytest."""
    import subprocess

    code = (
        "from notebook_tool.read.parse import parse_contact\n"
        "for n in (1000, 30000, 200000):\n"
        "    for body in ('x: ' + '[' * n, 'x: ' + '{a: ' * n, '- ' * n + 'x', 'x: ' + '[' * n + ']' * n):\n"
        "        r = parse_contact(('---\\n' + body + '\\n---\\n').encode(), 'p/x.md', 10**7)\n"
        "        assert r.contact is None and 'deeper than' in r.problems[0].message, r.problems\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_size_cap_is_configurable(tmp_path: Path) -> None:
    big = "---\nname: Big\nnotes: |\n" + ("  " + "x" * 78 + "\n") * 1000 + "---\n"
    root = write_vault(tmp_path / "v", {"people/Big.md": big})
    vault = load_vault(root)
    assert vault.contacts == () and "larger than 65536 bytes" in vault.all_problems()[0].message
    (root / "guanxi.toml").write_text("max_front_matter = 200000\n")
    assert [c.name for c in load_vault(root).contacts] == ["Big"]


# -- the vault walk -------------------------------------------------------------

def _walk(root: Path) -> tuple[list[str], list[str]]:
    paths, problems = contact_paths(root, Config())
    return paths, [p.format() for p in problems]


def test_symlink_leaving_the_vault_is_reported_not_followed(tmp_path: Path) -> None:
    outside = write_vault(tmp_path / "outside", {"Secret.md": "---\nname: Secret\n---\n", "dir/X.md": ""})
    root = write_vault(tmp_path / "vault", {"people/Ann.md": "---\nname: Ann\n---\n"})
    (root / "people" / "Secret.md").symlink_to(outside / "Secret.md")
    (root / "people" / "dir").symlink_to(outside / "dir")
    (root / "people" / "Gone.md").symlink_to(tmp_path / "nowhere.md")
    (root / "people" / "Loop.md").symlink_to(root / "people" / "Loop.md")
    paths, problems = _walk(root)
    assert paths == ["people/Ann.md"]
    assert sorted(problems) == [
        "people/Gone.md:1: warning: broken symlink; not read",
        "people/Loop.md:1: warning: broken symlink; not read",
        "people/Secret.md:1: warning: symlink points outside the vault; not followed",
        "people/dir:1: warning: symlink points outside the vault; not followed",
    ]


def test_contacts_folder_outside_the_vault_is_refused(tmp_path: Path) -> None:
    outside = write_vault(tmp_path / "outside", {"Secret.md": "---\nname: Secret\n---\n"})
    root = write_vault(tmp_path / "vault", {"guanxi.toml": 'contacts = ["people"]\n'})
    (root / "people").symlink_to(outside)  # the configured folder itself leads out
    vault = load_vault(root)
    assert vault.contacts == ()
    assert [p.format() for p in vault.problems] == [
        "guanxi.toml:1: contacts folder 'people' is outside the vault; not read"]


def test_case_and_normalisation_collisions_are_reported(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", {
        "people/Alice.md": "", "people/alice.md": "",
        "people/Zo\u00eb.md": "", "people/Zoe\u0308.md": "",  # NFC and NFD spellings
        "people/Bob.md": "",
    })
    paths, problems = _walk(root)
    assert len(paths) == 5  # every file is still read: nothing is lost
    assert sorted(problems) == sorted([
        "people/Alice.md:1: file name collides with people/alice.md (equal ignoring case or Unicode "
        "normalisation; one is lost on macOS and Windows); rename one",
        "people/alice.md:1: file name collides with people/Alice.md (equal ignoring case or Unicode "
        "normalisation; one is lost on macOS and Windows); rename one",
        "people/Zo\u00eb.md:1: file name collides with people/Zoe\u0308.md (equal ignoring case or Unicode "
        "normalisation; one is lost on macOS and Windows); rename one",
        "people/Zoe\u0308.md:1: file name collides with people/Zo\u00eb.md (equal ignoring case or Unicode "
        "normalisation; one is lost on macOS and Windows); rename one",
    ])


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux stores arbitrary bytes in names")
def test_undecodable_file_name_is_reported_and_every_command_survives(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", {"people/Ann.md": "---\nname: Ann\n---\n"})
    try:
        with open(os.path.join(os.fsencode(root / "people"), b"Caf\xe9.md"), "wb") as f:
            f.write(b"---\nname: Cafe\n---\n")
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    paths, problems = _walk(root)
    assert paths == ["people/Ann.md"]
    assert problems == ["people/Caf\\xe9.md:1: file name is not valid UTF-8; rename it to be read"]
    check = run_cli("--vault", str(root), "check", "--today", TODAY)
    assert check.exit_code == 1 and "Caf\\xe9.md" in check.stdout
    assert run_cli("--vault", str(root), "index", "--today", TODAY).exit_code == 0


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where chmod 000 does not stop reading: make the
    # listing fail the way it does for an ordinary user instead.
    root = write_vault(tmp_path / "vault", {"people/Ann.md": "", "people/locked/Bob.md": ""})
    real_scandir = os.scandir
    locked = str(root / "people" / "locked")

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    paths, problems = _walk(root)
    assert paths == ["people/Ann.md"]
    assert problems == ["people/locked:1: cannot read folder: Permission denied"]


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_vault(tmp_path / "vault", {"people/Ann.md": "---\nname: Ann\n---\n", "people/Bob.md": ""})
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "Bob.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    vault = load_vault(root)
    assert [c.name for c in vault.contacts] == ["Ann"]
    assert [p.format() for p in vault.all_problems()] == ["people/Bob.md:1: cannot read file: Permission denied"]


def test_a_huge_file_costs_only_its_head() -> None:
    """A pasted 90 MB log: the front matter is read, the body never decoded or split."""
    import time

    big = b"---\nname: Big\n---\n" + (b"log line \xc3\xa9 " * 8 + b"\n") * 1_000_000
    t0 = time.perf_counter()
    result = parse_contact(big, "people/Big.md")
    assert time.perf_counter() - t0 < 1.0
    assert result.contact is not None and result.contact.name == "Big" and result.problems == ()
    unclosed = b"---\nname: Big\n" + b"x: 1\n" * 2_000_000
    assert [p.format() for p in parse_contact(unclosed, "people/Big.md").problems] == [
        "people/Big.md:1: front matter is larger than 65536 bytes (max_front_matter in guanxi.toml); not read"]


def test_thousands_of_mistakes_are_fifty_lines_and_a_count() -> None:
    data = ("---\nname: Many\n" + "a: 1\n" * 5000 + "---\n").encode()
    problems = parse_contact(data, "people/Many.md").problems
    assert len(problems) == 51
    assert problems[-1].format() == ("people/Many.md:54: 4949 more problems in this file are not listed; "
                                     "fix the ones above first")


@pytest.mark.parametrize("indent", [1, 2])
def test_prescan_depth_is_exact_where_it_matters(indent: int) -> None:
    """Block mappings nested ``b`` deep holding flow lists ``f`` deep: refused exactly past MAX_DEPTH."""
    for b in range(1, 40):
        for f in range(0, 40):
            lines = [" " * (indent * i) + f"k{i}:" for i in range(b)]
            lines[-1] += " " + "[" * f + "x" + "]" * f
            text = "\n".join(lines) + "\n"
            depth = b + f  # b mappings, f lists
            finding = prescan(text)
            assert (finding is not None) == (depth > MAX_DEPTH), (b, f, finding)
            if finding is not None:
                assert "deeper than" in finding.message


def test_prescan_depth_of_compact_block_lists() -> None:
    for n in range(1, 60):
        text = "x:\n" + "- " * n + "leaf\n"
        assert (prescan(text) is not None) == (n + 1 > MAX_DEPTH), n
