"""The merge driver under hostile histories: real git, real files; it never crashes or loses an entry."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.merge import sides
from notebook_tool.git.merge import merge_contact
from notebook_tool.read.parse import parse_contact
from tests.conftest import run_cli

REL = "people/Ann.md"
D0 = dt.date(2024, 1, 1)


pytestmark = pytest.mark.usefixtures("isolated_git")  # tests.conftest: no user git config, fixed identities


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    return proc


def new_repo(root: Path, toml: str | None = None) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    if toml is not None:
        (root / "guanxi.toml").write_text(toml)
    assert run_cli("init", str(root)).exit_code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "vault")
    return root


def merge_in_git(root: Path, rel: str, base: bytes, ours: bytes, theirs: bytes) -> subprocess.CompletedProcess[str]:
    """base committed, theirs on a branch, ours on main; `git merge theirs` with the drivers."""
    f = root / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(base)
    git(root, "add", "-f", rel)  # -f: init ignores the pages; this vault tracks them on purpose
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "theirs")
    f.write_bytes(theirs)
    git(root, "commit", "-q", "--allow-empty", "-am", "theirs")
    git(root, "checkout", "-q", "main")
    f.write_bytes(ours)
    git(root, "commit", "-q", "--allow-empty", "-am", "ours")
    return git(root, "merge", "-q", "--no-edit", "theirs", check=False)


# ---------------------------------------------------------------------------
# The property: random histories through real git
# ---------------------------------------------------------------------------

COMPANY = st.sampled_from([None, "Acme", "Beta", "no", "'no'"])  # None: this side leaves it alone


@st.composite
def histories(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(0, 12))
    base = [(D0 + dt.timedelta(days=draw(st.integers(0, 60))), f"base {i}") for i in range(n)]
    if draw(st.booleans()):
        base += [(D0 + dt.timedelta(days=i % 90), f"bulk {i}") for i in range(150)]  # a large list
    sides = {}
    for label in ("ours", "theirs"):
        sides[label] = {
            "delete": draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=3)) if n else set(),
            "add": [(D0 + dt.timedelta(days=draw(st.integers(0, 90))), f"{label} {i}")
                    for i in range(draw(st.integers(0, 6)))],
            "company": draw(COMPANY),
            "body": draw(st.sampled_from([None, f"{label} wrote this"])),
            "crlf": draw(st.booleans()),
            "edit": draw(st.sampled_from([None, 0, 1])),  # re-text one base entry (a delete plus an add)
        }
    return {"base": base, "sides": sides}


def render(entries: list[tuple[dt.date, str]], company: str | None, body: list[str], crlf: bool) -> bytes:
    lines = ["---", "# kept by hand", "email: ann@example.org"]
    if company is not None:
        lines.append(f"company: {company}")
    lines.append("give:")
    lines += [f"  - {d.isoformat()} {t}" for d, t in entries]
    lines += ["take:", "---", *body, ""]
    return ("\r\n" if crlf else "\n").join(lines).encode()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(h=histories())
def test_property_random_histories_through_real_git(tmp_path_factory: pytest.TempPathFactory,
                                                     h: dict[str, object]) -> None:
    root = new_repo(tmp_path_factory.mktemp("prop") / "v")
    base_entries: list[tuple[dt.date, str]] = h["base"]  # type: ignore[assignment]
    body = ["Notes about Ann.", "Second line."]
    base = render(base_entries, "Start", body, False)
    versions = {}
    want: Counter[tuple[dt.date, str]] = Counter(base_entries)
    removed: set[tuple[dt.date, str]] = set()
    for label, side in h["sides"].items():  # type: ignore[attr-defined]
        mine = [e for i, e in enumerate(base_entries) if i not in side["delete"]]
        removed |= {e for i, e in enumerate(base_entries) if i in side["delete"]}
        if side["edit"] is not None and side["edit"] < len(mine):
            old = mine[side["edit"]]
            removed.add(old)
            mine[side["edit"]] = (old[0], f"{old[1]} edited by {label}")
            want[mine[side["edit"]]] += 1
        mine += side["add"]
        want.update(side["add"])
        versions[label] = render(mine, side["company"] or "Start",
                                 body + ([side["body"]] if side["body"] else []), side["crlf"])
    for e in removed:
        del want[e]
    proc = merge_in_git(root, REL, base, versions["ours"], versions["theirs"])
    data = (root / REL).read_bytes()
    s = h["sides"]  # type: ignore[assignment]
    meaning = {None: None, "Acme": "Acme", "Beta": "Beta", "no": "no", "'no'": "no"}
    field_conflict = (s["ours"]["company"] and s["theirs"]["company"]  # type: ignore[index]
                      and meaning[s["ours"]["company"]] != meaning[s["theirs"]["company"]])  # type: ignore[index]
    body_conflict = s["ours"]["body"] and s["theirs"]["body"]  # type: ignore[index]
    if proc.returncode == 0:
        res = parse_contact(data, REL, 10**9)
        assert res.contact is not None, data
        got = Counter((e.date, e.text) for e in res.contact.entries)
        assert got == want  # every add kept, every one-side delete gone, nothing else dropped
        assert not field_conflict and not body_conflict
        assert b"<<<<<<<" not in data
    else:
        assert b"<<<<<<<" in data, (proc.stdout, proc.stderr, data)  # a real conflict is marked
        assert "Traceback" not in proc.stderr
        # Even in conflict, every entry added on either side is still in the file.
        text = data.decode()
        for _, t in [e for side in s.values() for e in side["add"]]:  # type: ignore[attr-defined]
            assert t in text
        if not (field_conflict or body_conflict):
            # Only a side that re-ended every line (LF → CRLF) makes git's text merge of the body
            # see overlapping changes; the front matter never conflicts then.
            assert s["ours"]["crlf"] or s["theirs"]["crlf"], (proc.stderr, data)  # type: ignore[index]
            assert "notes below the front matter" in proc.stderr


# ---------------------------------------------------------------------------
# The scenarios, one by one
# ---------------------------------------------------------------------------


def test_two_thousand_entries_per_side_merge_clean_and_whole() -> None:
    base, ours, theirs = sides(2000)
    result = merge_contact(base, ours, theirs, REL, max_front_matter=10**9)
    assert result.clean
    res = parse_contact(result.data, REL, 10**9)
    assert res.contact is not None and len(res.contact.entries) == 4001


def test_union_past_max_front_matter_keeps_every_entry_and_is_a_conflict(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v", 'contacts = ["people"]\nmax_front_matter = 4000\n')
    base, ours, theirs = sides(150)  # each side ~3.7 kB of front matter; the union ~7.4 kB
    proc = merge_in_git(root, REL, base, ours, theirs)
    assert proc.returncode != 0
    assert "over max_front_matter (4000); every entry is kept" in proc.stderr
    res = parse_contact((root / REL).read_bytes(), REL, 10**9)
    assert res.contact is not None and len(res.contact.entries) == 301


def test_a_utf16_side_is_merged_not_a_crash(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v")
    base = b"---\ngive:\n  - 2024-01-01 one\n---\n"
    ours = b"---\ngive:\n  - 2024-01-01 one\n  - 2024-01-02 ours\n---\n"
    theirs = "---\ngive:\n  - 2024-01-01 one\n  - 2024-01-03 theirs\n---\n".encode("utf-16")
    proc = merge_in_git(root, REL, base, ours, theirs)
    assert proc.returncode == 0, proc.stderr
    assert "UTF-16 version was merged as UTF-8" in proc.stderr
    assert (root / REL).read_bytes() == b"---\ngive:\n  - 2024-01-01 one\n  - 2024-01-02 ours\n  - 2024-01-03 theirs\n---\n"


def test_company_no_and_quoted_no_are_the_same_text() -> None:
    base = b"---\ncompany: Acme\ngive:\n---\n"
    r = merge_contact(base, b"---\ncompany: no\ngive:\n---\n", b"---\ncompany: 'no'\ngive:\n---\n", REL)
    assert r.clean and r.data == b"---\ncompany: no\ngive:\n---\n"


@pytest.mark.parametrize("ours, theirs", [
    (b"\x00\x01binary\xff" * 10, b"---\ngive:\n---\n"),
    (b"---\ngive: [a\n---\n", b"---\ngive:\n  - 2024-01-01 x\n---\n"),
    (b"---\n" + b"give:\n" + b"  - 2024-01-01 x\n" * 5 + b"---\n", b"\xfe\xff\xd8\x00"),  # broken UTF-16
])
def test_the_driver_never_crashes(tmp_path: Path, ours: bytes, theirs: bytes) -> None:
    files = {}
    for name, data in (("base", b"---\ngive:\n---\n"), ("ours", ours), ("theirs", theirs)):
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    r = run_cli("merge-driver", str(files["base"]), str(files["ours"]), str(files["theirs"]), REL)
    assert r.exit_code in (0, 1)
    after = files["ours"].read_bytes()
    assert r.exit_code == 1 and (b"<<<<<<<" in after or b">>>>>>>" in after or "check the file" in r.stderr)


def test_guanxi_generated_keeps_ours_only_for_the_output_folder(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v")
    with (root / ".gitattributes").open("a") as f:
        f.write("*.c merge=guanxi-generated\n")
    git(root, "commit", "-q", "-am", "route C files to the generated driver")
    proc = merge_in_git(root, "src/main.c", b"a\nb\nc\n", b"a\nb\nc\nours\n", b"theirs\na\nb\nc\n")
    assert proc.returncode == 0, proc.stderr
    assert (root / "src/main.c").read_bytes() == b"theirs\na\nb\nc\nours\n"  # both changes, not just ours


def test_guanxi_generated_conflicts_normally_outside_the_output_folder(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v")
    with (root / ".gitattributes").open("a") as f:
        f.write("*.c merge=guanxi-generated\n")
    git(root, "commit", "-q", "-am", "route")
    proc = merge_in_git(root, "main.c", b"x\n", b"ours\n", b"theirs\n")
    assert proc.returncode != 0 and b"<<<<<<<" in (root / "main.c").read_bytes()


def test_guanxi_generated_keeps_ours_for_a_page(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v")
    proc = merge_in_git(root, "_index/attention.md", b"x\n", b"ours\n", b"theirs\n")
    assert proc.returncode == 0 and (root / "_index/attention.md").read_bytes() == b"ours\n"


def test_init_escapes_pattern_characters_in_folder_names(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v", 'contacts = ["a*b", "#c"]\n')
    lines = (root / ".gitattributes").read_text().splitlines()
    assert "a\\*b/**/*.md merge=guanxi" in lines and "\\#c/**/*.md merge=guanxi" in lines
    (root / "a*b").mkdir()
    (root / "axb").mkdir()
    attr = git(root, "check-attr", "merge", "--", "a*b/P.md", "axb/P.md", "#c/P.md").stdout
    assert attr == "a*b/P.md: merge: guanxi\naxb/P.md: merge: unspecified\n#c/P.md: merge: guanxi\n"


def test_init_refuses_a_folder_name_with_a_newline(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / "guanxi.toml").write_text('contacts = ["people\\n*.c"]\n')
    r = run_cli("init", str(root))
    assert r.exit_code == 1
    assert "control character" in r.stderr
    assert not (root / ".gitattributes").exists()


def test_driver_commands_are_not_true(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "v")
    assert git(root, "config", "merge.guanxi-generated.driver").stdout.strip().endswith(
        "merge-driver --generated --marker-size=%L %O %A %B %P")
    assert os.environ["GIT_CONFIG_NOSYSTEM"] == "1"
