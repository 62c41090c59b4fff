"""Import (LinkedIn, Google, vCard), export (vCard, CSV, JSON), triage and the no-flood attention page.

Fixtures in tests/fixtures/imports/ are written from the documented formats;
golden plans (``--json`` into an empty vault) in tests/fixtures/imports/plans/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import vobject

from notebook_tool.compute.importplan import plan_import
from notebook_tool.core.model import Birthday
from notebook_tool.read.imports.google import parse_google
from notebook_tool.read.imports.linkedin import parse_linkedin
from notebook_tool.read.imports.rows import ImportRow, clean_person_name, parse_date
from notebook_tool.read.imports.vcard import parse_vcard
from notebook_tool.read.vault import load_vault
from notebook_tool.write.create import init_vault
from notebook_tool.write.importapply import apply_plan
from notebook_tool.write.writer import AddValues, WriteError, apply_change
from tests.conftest import run_cli

FIX = Path(__file__).parent / "fixtures" / "imports"
PLANS = FIX / "plans"
TODAY = "2026-12-01"
KINDS = {"linkedin": "csv", "google": "csv", "vcard": "vcf"}


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    root = tmp_path / "v"
    (root / "people").mkdir(parents=True)
    (root / "guanxi.toml").write_text('contacts = ["people"]\n')
    return root


def imp(root: Path, kind: str, src: Path | str, *more: str):
    return run_cli("import", kind, str(src), "--vault", str(root), "--today", TODAY, *more)


def fixtures() -> list[tuple[str, Path]]:
    return [(kind, f) for kind in KINDS for f in sorted((FIX / kind).iterdir())]


# -- the parsers -------------------------------------------------------------------------------

def test_fixture_counts() -> None:
    assert len(list((FIX / "linkedin").iterdir())) >= 6
    assert len(list((FIX / "google").iterdir())) >= 3
    assert len(list((FIX / "vcard").iterdir())) >= 25


def _rows(kind: str, name: str) -> tuple[list[ImportRow], list[str]]:
    parser = {"linkedin": parse_linkedin, "google": parse_google, "vcard": parse_vcard}[kind]
    rows, problems = parser((FIX / kind / name).read_bytes(), name)
    return rows, [p.format() for p in problems]


def test_linkedin_preamble_bom_crlf_and_url_third() -> None:
    rows, problems = _rows("linkedin", "2023-bom-crlf-notes.csv")
    assert problems == []
    assert [(r.line, r.name, r.links, r.company, r.role, r.met) for r in rows] == [
        (5, "Carol Diaz", ("https://www.linkedin.com/in/carol-diaz",), "Initech", "VP, Sales", dt.date(2023, 2, 7)),
        (6, "David O'Brien", ("https://www.linkedin.com/in/dobrien",), None, None, dt.date(2022, 11, 11)),
    ]
    assert rows[1].emails == ("dave@obrien.example",) and rows[1].aliases == ("David O'Brien MBA",)


def test_linkedin_url_last_short_dates_and_no_url_column() -> None:
    rows, _ = _rows("linkedin", "2019-url-last-short-dates.csv")
    assert [(r.name, r.met, r.links, r.company) for r in rows] == [
        ("Alice Chen", dt.date(2024, 1, 15), ("https://www.linkedin.com/in/alice-chen",), "ACME Recruiting"),
        ("Wang Wei", dt.date(2021, 6, 3), ("https://www.linkedin.com/in/wangwei",), "Initech, Ltd"),
    ]
    rows, _ = _rows("linkedin", "2017-no-url.csv")
    assert [(r.name, r.links, r.emails) for r in rows] == [("Erin Fox", (), ("erin@fox.example",)),
                                                           ("Frank Green", (), ())]


def test_linkedin_emoji_credentials_blank_member_and_bad_date() -> None:
    rows, problems = _rows("linkedin", "2024-emoji-credentials-dupes.csv")
    assert [r.name for r in rows] == ["Grace Hopper", "Heidi Klum", "Grace Hopper"]
    assert rows[0].aliases == ("✨ Grace Hopper, PhD, PMP",) and rows[0].role == "Rear Admiral, Retired"
    assert problems == ["2024-emoji-credentials-dupes.csv:7: warning: row has no name "
                        "(LinkedIn blanks members who left); nothing to import"]
    rows, problems = _rows("linkedin", "cp1252-bad-date.csv")
    assert (rows[0].name, rows[0].company, rows[0].met) == ("José Müller", "Café SA", None)
    assert problems == ["cp1252-bad-date.csv:2: warning: 'Connected On' 'sometime' is not a date; "
                        "imported without 'met'"]


@pytest.mark.parametrize(("raw", "clean"), [
    ("Jane Doe, PhD", "Jane Doe"), ("🚀 Bob Smith 🚀", "Bob Smith"), ("Li Wei MBA, CFA", "Li Wei"),
    ("Smith, John", "Smith, John"), ("Henry Ford II", "Henry Ford II"), ("王伟", "王伟"),
])
def test_clean_person_name(raw: str, clean: str) -> None:
    assert clean_person_name(raw) == clean


@pytest.mark.parametrize(("text", "day"), [("15 Jan 2024", dt.date(2024, 1, 15)), ("15-Jan-24", dt.date(2024, 1, 15)),
                                          ("2024-01-15", dt.date(2024, 1, 15)), ("soon", None)])
def test_linkedin_dates(text: str, day: dt.date | None) -> None:
    assert parse_date(text) == day


def test_google_current_layout() -> None:
    rows, problems = _rows("google", "current.csv")
    alice, ivan = rows
    assert alice.emails == ("alice@acme.example", "alice.chen@mail.example")
    assert alice.tags == ("Friends", "Recruiting") and alice.aliases == ("Ali",)
    assert alice.birthday == Birthday(6, 14, 1985) and alice.note == "Met at DevOps days.\r\nLikes hiking, coffee."
    assert ivan.phones == ("+7 900 111 2233", "+7 900 444 5566") and ivan.tags == ("starred",)
    assert ivan.birthday == Birthday(12, 1, None)
    assert problems == ["current.csv:5: warning: contact has no name and no e-mail address; nothing to import"]


def test_google_older_layout_and_utf16() -> None:
    rows, _ = _rows("google", "older-google-csv.csv")
    assert [(r.name, r.company, r.role, r.tags, r.links, r.note) for r in rows] == [
        ("Judy Kim", "Kim & Co", "Owner", ("Family",), ("https://judykim.example",), None),
        ("Lee Min", None, None, (), (), "Line 1\nLine 2"),
    ]
    rows, _ = _rows("google", "utf16-minimal.csv")
    assert (rows[0].name, rows[0].tags, rows[0].birthday) == ("Zoë Ångström", ("Climbing",), Birthday(2, 29))


def test_vcard_versions_encodings_and_properties() -> None:
    got = {}
    for f in sorted((FIX / "vcard").iterdir()):
        rows, _ = parse_vcard(f.read_bytes(), f.name)
        for r in rows:
            got[r.name] = r
    assert got["Jürgen Müller"].phones == ("+49 170 1234567",)  # 2.1 quoted-printable UTF-8
    assert got["Karin Berg"].note == "Met at the Stockholm meetup, åker from Uppsala."  # QP soft break, comma kept
    assert got["Liam O'Connor"].note.endswith("folded it over several lines as RFC 6350 says, with a leading space.")
    assert got["Maya Patel"].links == ("https://maya.example",)  # itemN. groups
    assert (got["Nora Lind"].aliases, got["Nora Lind"].tags) == (("Nono", "NL"), ("Friends", "Climbing"))
    assert got["Omar Haddad"].birthday == Birthday(6, 14) and got["Paula Reyes"].birthday == Birthday(11, 3)
    assert got["Bob Smith"].birthday == Birthday(4, 12, 1980) and got["Bob Smith"].phones == ("+1-555-0101",)
    assert (got["Anna Bell"].company, got["Anna Bell"].role) == ("Bell, Book & Candle", "Head of Sales, EMEA")
    assert got["François Lefèvre"].emails == ("francois@lefevre.example",)  # ISO-8859-1 QP
    assert got["Hélène Côté"].note == "Café au lait"  # Windows-1252 file
    assert got["Ingrid Ås"].tags == ("Nordic",)  # UTF-16 file
    assert got["Initech"].company == "Initech" and "Yara Young" in got and "王伟" in got
    assert {"Rita Moreno", "Sam Lee", "Tara Singh", "Uma Roy", "Victor Hugo", "Xavier Dupont"} <= set(got)


def test_vcard_breakage_is_a_problem_at_file_line_and_the_rest_imports() -> None:
    assert _rows("vcard", "12-broken-middle-card.vcf")[1] == [
        "12-broken-middle-card.vcf:6: card cannot be read (At line 7: Failed to parse line: "
        "THIS LINE HAS NO COLON); skipped"]
    assert [r.name for r in _rows("vcard", "12-broken-middle-card.vcf")[0]] == ["Uma Roy", "Victor Hugo"]
    assert _rows("vcard", "13-missing-end.vcf")[1] == [
        "13-missing-end.vcf:1: card has no END:VCARD before the next BEGIN:VCARD; skipped"]
    assert _rows("vcard", "14-no-name.vcf")[1] == [
        "14-no-name.vcf:1: card has no name (FN or N), organisation or e-mail; skipped"]
    assert _rows("vcard", "10-photo-skipped.vcf")[1] == [
        "10-photo-skipped.vcf:1: warning: Quinn Adams: PHOTO skipped (the vault keeps text, not images)"]
    assert _rows("vcard", "20-not-a-vcard.vcf")[1] == [
        "20-not-a-vcard.vcf:1: no BEGIN:VCARD in the file: is it a vCard (.vcf)?"]


# -- golden plans, apply, idempotence -------------------------------------------------------------

@pytest.mark.parametrize(("kind", "src"), fixtures(), ids=lambda x: x.name if isinstance(x, Path) else x)
def test_golden_plan_then_apply_then_nothing(kind: str, src: Path, empty: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIX / kind)
    r = imp(empty, kind, src.name, "--json")
    plan = json.loads(r.stdout)
    golden = PLANS / f"{kind}-{src.stem}.json"
    if os.environ.get("GUANXI_UPDATE_GOLDEN"):
        golden.write_text(r.stdout, encoding="utf-8")
    assert r.stdout == golden.read_text(encoding="utf-8")
    assert r.exit_code == (0 if plan["clean"] and all(p["severity"] == "warning" for p in plan["problems"]) else 1)
    assert list((empty / "people").iterdir()) == []  # a plan writes nothing
    r = imp(empty, kind, src.name, "--apply")
    assert len(list((empty / "people").iterdir())) == len(plan["create"])
    again = json.loads(imp(empty, kind, src.name, "--json").stdout)
    assert again["create"] == [] and again["update"] == []  # idempotent: 0 changes
    assert again["unchanged"] == len(plan["create"])


def test_plan_text_exact(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIX / "linkedin")
    r = imp(empty, "linkedin", "2019-url-last-short-dates.csv")
    assert r.exit_code == 0
    assert r.stdout == (
        "Import linkedin from 2019-url-last-short-dates.csv: 2 rows. 2 to create, 0 to update, 0 unchanged, "
        "0 skipped, 0 duplicates.\n\nCreate (2):\n"
        "  + Alice Chen (line 2): email alice@acme.example, links https://www.linkedin.com/in/alice-chen, "
        "company ACME Recruiting, role Partner, met 2024-01-15\n"
        "  + Wang Wei (line 3): links https://www.linkedin.com/in/wangwei, company Initech, Ltd, role CTO, "
        "met 2021-06-03\n\nNothing would be written until you run this again with --apply.\n")
    imp(empty, "linkedin", "2019-url-last-short-dates.csv", "--apply")
    assert (empty / "people" / "Alice Chen.md").read_text() == (
        "---\nemail: alice@acme.example\ncompany: ACME Recruiting\nrole: Partner\nmet: 2024-01-15\n"
        "links: [https://www.linkedin.com/in/alice-chen]\nsource: linkedin\nimported: 2026-12-01\n"
        "give:\ntake:\ntouch:\n---\n")


ALICE = ("---\r\n# my notes on Alice\r\nemail: alice@acme.example   # work\r\ncompany: ACME\r\n"
         "tags:\r\n  - mentor\r\ngive:\r\n  - 2025-01-10 Intro to Carol +2\r\n---\r\nBody stays.\r\n")


def test_update_adds_only_and_reports_conflicts(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (empty / "people" / "Alice Chen.md").write_bytes(ALICE.encode())
    monkeypatch.chdir(FIX / "google")
    r = imp(empty, "google", "current.csv")
    assert r.exit_code == 1  # a conflict: company differs
    assert ("  ~ people/Alice Chen.md (line 2): add email alice.chen@mail.example, phone +1 555 0100, "
            "links https://www.linkedin.com/in/alice-chen, tags Friends, tags Recruiting, aliases Ali, "
            "role Partner, birthday 1985-06-14\n") in r.stdout
    assert "  ! people/Alice Chen.md (line 2): company is 'ACME', the export says 'ACME Recruiting'\n" in r.stdout
    assert imp(empty, "google", "current.csv", "--apply").exit_code == 1
    assert (empty / "people" / "Alice Chen.md").read_bytes().decode() == (
        "---\r\n# my notes on Alice\r\nemail: [alice@acme.example, alice.chen@mail.example]   # work\r\n"
        "company: ACME\r\ntags:\r\n  - mentor\r\n  - Friends\r\n  - Recruiting\r\n"
        "give:\r\n  - 2025-01-10 Intro to Carol +2\r\nphone: +1 555 0100\r\n"
        "links: [https://www.linkedin.com/in/alice-chen]\r\naliases: [Ali]\r\nrole: Partner\r\n"
        "birthday: 1985-06-14\r\n---\r\nBody stays.\r\n")
    again = json.loads(imp(empty, "google", "current.csv", "--json").stdout)
    assert [u["add"] for u in again["update"]] == [[]]
    assert again["update"][0]["conflicts"] == [{"field": "company", "have": "ACME", "incoming": "ACME Recruiting"}]


def test_matching_order_and_ambiguity() -> None:
    from notebook_tool.core.model import Contact

    people = (
        Contact("Alice Chen", "people/Alice Chen.md", emails=("alice@acme.example",)),
        Contact("A. Chen", "people/A. Chen.md", links=("https://www.linkedin.com/in/alice-chen",)),
        Contact("Zoë Ångström", "people/Zoë Ångström.md", phones=("+46 70 123 45 67",)),
        Contact("John Smith", "people/John Smith.md", links=("https://www.linkedin.com/in/john-a",)),
        Contact("王伟", "people/王伟.md"),
    )

    rows = [
        ImportRow("linkedin", "x.csv", 2, "Someone", emails=("ALICE@acme.example",)),  # e-mail first, any case
        ImportRow("linkedin", "x.csv", 3, "Alice", links=("https://uk.linkedin.com/in/Alice-Chen/",)),  # then URL
        ImportRow("linkedin", "x.csv", 4, "Z", phones=("070-123 45 67",), tags=("x",)),  # then normalised phone
        ImportRow("linkedin", "x.csv", 5, "zoe angstrom", role="Climber"),  # then folded name
        ImportRow("linkedin", "x.csv", 6, "John Smith", links=("https://www.linkedin.com/in/john-b",)),
        ImportRow("linkedin", "x.csv", 7, "Wang Wei"),  # transliteration only suggests
    ]
    plan = plan_import(rows, people, "linkedin", "x.csv", dt.date(2026, 12, 1))
    assert [(u.path, u.lines, u.adds) for u in plan.updates] == [
        ("people/Zoë Ångström.md", (4, 5), (("tags", "x"), ("role", "Climber")))]
    assert plan.unchanged == 2  # Alice Chen (line 2) and A. Chen (line 3): matched, nothing new
    assert plan.creates == ()
    assert [(s.line, s.reason.split(";")[0]) for s in plan.skips] == [
        (6, "people/John Smith.md already exists and is not this person (their details differ)"),
        (7, "may be 王伟 (same name transliterated)"),
    ]
    assert [(d.line, d.first_line) for d in plan.duplicates] == [(5, 4)]
    assert not plan.clean


def test_ambiguous_match_is_a_conflict_never_a_guess() -> None:
    from notebook_tool.core.model import Contact

    people = (Contact("Sam Lee", "people/Sam Lee.md"), Contact("Samuel Lee", "people/Samuel Lee.md",
                                                              aliases=("Sam Lee",)))
    plan = plan_import([ImportRow("vcard", "x.vcf", 4, "Sam Lee", emails=("sam@lee.example",))], people,
                       "vcard", "x.vcf", dt.date(2026, 12, 1))
    assert plan.updates == () and plan.creates == ()
    assert [(s.line, s.reason, s.candidates) for s in plan.skips] == [
        (4, "matches 2 people by name; settle by hand", ("people/Sam Lee.md", "people/Samuel Lee.md"))]


def test_duplicates_inside_the_file_are_merged(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIX / "linkedin")
    plan = json.loads(imp(empty, "linkedin", "2024-emoji-credentials-dupes.csv", "--json").stdout)
    assert plan["duplicates"] == [{"line": 8, "same_as": 5, "name": "Grace Hopper"}]
    assert [c["name"] for c in plan["create"]] == ["Grace Hopper", "Heidi Klum"]
    assert ["email", "grace@navy.example"] in plan["create"][0]["values"]


def test_updated_export_plans_just_the_difference(empty: Path, tmp_path: Path) -> None:
    head = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    one = tmp_path / "one.csv"
    one.write_text(head + "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,Dev,01 Jan 2024\n")
    assert imp(empty, "linkedin", one, "--apply").exit_code == 0
    one.write_text(head + "Ann,Lee,https://www.linkedin.com/in/ann,ann@lee.example,Globex,Dev,01 Jan 2024\n"
                   "Ben,Ode,https://www.linkedin.com/in/ben,,,,02 Jan 2024\n")
    plan = json.loads(imp(empty, "linkedin", one, "--json").stdout)
    assert [c["name"] for c in plan["create"]] == ["Ben Ode"]
    assert plan["update"] == [{"path": "people/Ann Lee.md", "name": "Ann Lee", "lines": [2],
                               "add": [["email", "ann@lee.example"]],
                               "conflicts": [{"field": "company", "have": "Acme", "incoming": "Globex"}]}]


def test_usage_errors_exit_2(empty: Path) -> None:
    assert run_cli("import", "outlook", "x.csv", "--vault", str(empty)).exit_code == 2
    assert run_cli("import", "vcard", str(empty / "missing.vcf"), "--vault", str(empty)).exit_code == 2


def test_folder_of_vcards(empty: Path) -> None:
    r = imp(empty, "vcard", FIX / "vcard", "--json")
    plan = json.loads(r.stdout)
    assert r.exit_code == 1  # broken cards
    assert len(plan["create"]) >= 25


# -- the writer's additive edit ---------------------------------------------------------------------

@pytest.mark.parametrize(("before", "values", "after"), [
    ("---\nemail: a@x.example\n---\n", (("email", "b@y.example"),), "---\nemail: [a@x.example, b@y.example]\n---\n"),
    ("---\nlinks: [https://a.example]\n---\n", (("links", "https://b.example"),),
     "---\nlinks: [https://a.example, https://b.example]\n---\n"),
    ("---\nlinks: []\n---\n", (("links", "https://b.example"),), "---\nlinks: [https://b.example]\n---\n"),
    ("---\ntags:\n    - a\n---\nbody\n", (("tags", "b, c"),), "---\ntags:\n    - a\n    - b, c\n---\nbody\n"),
    ("---\nrole:\n---\n", (("role", "CTO"), ("met", "2024-01-15")), "---\nrole: CTO\nmet: 2024-01-15\n---\n"),
    ("---\nemail: \"odd, one@x.example\"\n---", (("email", "b@y.example"),),
     "---\nemail: [\"odd, one@x.example\", b@y.example]\n---"),
    ("---\nbirthday:\n---\n", (("birthday", "--06-14"),), "---\nbirthday: --06-14\n---\n"),
])
def test_add_values_minimal_edit(tmp_path: Path, before: str, values: tuple[tuple[str, str], ...],
                                 after: str) -> None:
    (tmp_path / "A.md").write_bytes(before.encode())
    apply_change(tmp_path, "A.md", AddValues(values))
    assert (tmp_path / "A.md").read_bytes().decode() == after


def test_add_values_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("---\ncompany: ACME\n---\n")
    with pytest.raises(WriteError, match="already has a value; import never overwrites it"):
        apply_change(tmp_path, "A.md", AddValues((("company", "Globex"),)))
    assert (tmp_path / "A.md").read_text() == "---\ncompany: ACME\n---\n"


# -- no flood ----------------------------------------------------------------------------------------

def _linkedin(n: int, emails_every: int = 0) -> str:
    from benchmarks.imports import linkedin_csv

    text = linkedin_csv(n)
    if not emails_every:
        text = "\r\n".join(",".join(p if "@" not in p else "" for p in line.split(",")) for line in text.split("\r\n"))
    return text


def test_no_flood_after_2000_connections(empty: Path, tmp_path: Path) -> None:
    src = tmp_path / "Connections.csv"
    src.write_text(_linkedin(2000), newline="")
    r = imp(empty, "linkedin", src, "--apply")
    assert r.exit_code == 0
    # One with an e-mail address and one with an exchange are real rows; the 1,998 others are one line.
    alice = empty / "people" / "Alice Smith 0.md"
    apply_change(empty, "people/Alice Smith 0.md", AddValues((("email", "alice@x.example"),)))
    assert alice.exists()
    assert run_cli("index", "--vault", str(empty), "--today", "2026-12-02").exit_code == 0
    page = (empty / "_index" / "attention.md").read_text()
    assert page.splitlines()[1:] == [
        "# Who needs attention", "", "As of 2026-12-02. Nobody needs attention.", "",
        "1999 imported people are only a name so far (no contact details, nothing exchanged): "
        "work through them with `guanxi triage`."]
    # watch's incremental pages (LivePages) say the same, byte for byte
    from notebook_tool.render.live import LivePages
    from notebook_tool.render.pages import attention_markdown, build

    vault = load_vault(empty)
    live = LivePages(dt.date(2026, 12, 2), vault.config)
    for res in vault.results:
        live.put(res.path, res)
    live.put("people/Alice Dubois 1032.md", None)  # a file deleted: one fewer in the count
    assert live.pages(vault.problems)[0]["attention.md"] == attention_markdown(
        build(vault.__class__(vault.root, vault.config, tuple(r for r in vault.results
                                                             if r.path != "people/Alice Dubois 1032.md")),
              dt.date(2026, 12, 2)))

    triage = run_cli("triage", "--vault", str(empty), "--today", "2026-12-02", "--limit", "1")
    assert triage.stdout.startswith("2000 imported people to turn into relationships (showing 1; --limit 0 for all):")


def test_check_ins_are_spread_not_all_due_one_day(empty: Path, tmp_path: Path) -> None:
    src = tmp_path / "Connections.csv"
    src.write_text(_linkedin(900, emails_every=7), newline="")
    assert imp(empty, "linkedin", src, "--apply").exit_code == 0
    from notebook_tool.compute.attention import Context, attention
    from notebook_tool.compute.ledger import summarize

    vault = load_vault(empty)
    due: Counter[str] = Counter()
    for day in range(0, 200):
        today = dt.date(2026, 12, 1) + dt.timedelta(days=day)
        people = attention([summarize(c, today) for c in vault.contacts], Context(today, vault.config))
        for p in people:
            if p.contact.path not in due:
                due[p.contact.path] = today.isoformat()  # type: ignore[assignment]
    per_day = Counter(due.values())
    reachable = sum(1 for c in vault.contacts if c.emails)
    assert len(due) == reachable  # everyone with an e-mail falls due within two cadences
    assert max(per_day.values()) <= 8  # a few a day, not 129 on one day
    assert min(per_day) > "2027-02-28"  # none before the first cadence after the import


# -- export and round trip ------------------------------------------------------------------------------

FULL = """---
aliases: [Ali, "A, C"]
email: [alice@acme.example, alice@home.example]
phone: "+1 555 0100"
links: [https://www.linkedin.com/in/alice-chen, https://alice.example/blog]
company: ACME Recruiting, Inc.
role: Partner; Talent
tags: [recruiting, mentor]
birthday: --06-14
met: 2024-03-02
why: Places IT people
give:
  - 2025-01-10 Introduced her to Carol +3
---
"""


def test_export_vcard_round_trip_into_an_empty_vault(empty: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "people").mkdir(parents=True)
    (src / "guanxi.toml").write_text('contacts = ["people"]\n')
    (src / "people" / "Alice Chen.md").write_text(FULL)
    (src / "people" / "王伟.md").write_text("---\nemail: wang@example.cn\nbirthday: 1980-02-29\n---\n")
    out = tmp_path / "all.vcf"
    assert run_cli("export", "vcard", str(out), "--vault", str(src)).exit_code == 0
    cards = list(vobject.readComponents(out.read_text(encoding="utf-8")))
    assert [c.fn.value for c in cards] == ["Alice Chen", "王伟"] and cards[0].version.value == "4.0"
    assert imp(empty, "vcard", out, "--apply").exit_code == 0
    before = {c.name: c for c in load_vault(src).contacts}
    after = {c.name: c for c in load_vault(empty).contacts}
    for name, c in before.items():
        d = after[name]
        assert (d.aliases, d.emails, d.phones, d.links, d.company, d.role, d.tags, d.birthday) == (
            c.aliases, c.emails, c.phones, c.links, c.company, c.role, c.tags, c.birthday)
    split = tmp_path / "cards"
    assert run_cli("export", "vcard", str(split), "--split", "--vault", str(src)).exit_code == 0
    assert sorted(p.name for p in split.iterdir()) == ["Alice Chen.vcf", "王伟.vcf"]


def test_export_csv_and_json(tmp_path: Path) -> None:
    (tmp_path / "people").mkdir()
    (tmp_path / "guanxi.toml").write_text('contacts = ["people"]\n')
    (tmp_path / "people" / "Alice Chen.md").write_text(FULL)
    r = run_cli("export", "csv", "--vault", str(tmp_path), "--today", "2026-01-01")
    assert r.stdout.splitlines()[1] == (
        'Alice Chen,people/Alice Chen.md,"Ali; A, C",alice@acme.example; alice@home.example,+1 555 0100,'
        'https://www.linkedin.com/in/alice-chen; https://alice.example/blog,"ACME Recruiting, Inc.",Partner; Talent,'
        "recruiting; mentor,2024-03-02,,Places IT people,,--06-14,,,,3,0,3,2025-01-10")
    data = json.loads(run_cli("export", "json", "--vault", str(tmp_path), "--today", "2026-01-01").stdout)
    assert data["schema"] == 1 and data["as_of"] == "2026-01-01"
    p = data["people"][0]
    assert (p["name"], p["balance"], p["entries"][0]["text"], p["birthday"]) == (
        "Alice Chen", 3.0, "Introduced her to Carol", "--06-14")


# -- 20,000 rows ----------------------------------------------------------------------------------------

def test_twenty_thousand_linkedin_rows(tmp_path: Path) -> None:
    root = tmp_path / "big"
    init_vault(root)
    src = tmp_path / "Connections.csv"
    src.write_text(_linkedin(20000, emails_every=7), newline="")
    rows, problems = parse_linkedin(src.read_bytes(), "Connections.csv")
    assert len(rows) == 20000 and problems == []
    vault = load_vault(root)
    plan = plan_import(rows, vault.contacts, "linkedin", "Connections.csv", dt.date(2026, 12, 1))
    assert len(plan.creates) == 20000 and plan.clean
    applied = apply_plan(root, vault.config, plan)
    assert len(applied.created) == 20000 and applied.failed == ()
    assert len(list((root / "people").iterdir())) == 20000


def test_apply_goes_on_past_a_file_the_writer_refuses(empty: Path, tmp_path: Path) -> None:
    odd = "---\nemail: >\n  ann@lee.example\n---\n"  # a folded block scalar: not a one-line value
    (empty / "people" / "Ann Lee.md").write_text(odd)
    (empty / "people" / "Ben Ode.md").write_text("---\nemail: ben@ode.example\n---\n")
    src = tmp_path / "c.csv"
    src.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                   "Ann,Lee,https://www.linkedin.com/in/ann,ann2@lee.example,,,\n"
                   "Ben,Ode,https://www.linkedin.com/in/ben,,Globex,,\n"
                   "Cy,New,https://www.linkedin.com/in/cy,,,,\n")
    r = imp(empty, "linkedin", src, "--apply")
    assert r.exit_code == 1
    assert r.stderr == ("guanxi: not written: people/Ann Lee.md: people/Ann Lee.md:2: 'email' spans several lines; "
                        "edit it by hand\n")
    assert (empty / "people" / "Ann Lee.md").read_text() == odd
    assert (empty / "people" / "Ben Ode.md").read_text() == "---\nemail: ben@ode.example\n" \
        "links: [https://www.linkedin.com/in/ben]\ncompany: Globex\n---\n"
    assert (empty / "people" / "Cy New.md").exists()


def test_triage_text_and_json(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIX / "linkedin")
    imp(empty, "linkedin", "2023-bom-crlf-notes.csv", "--apply")
    run_cli("touch", "carol", "Said hello", "--vault", str(empty), "--date", "2026-12-01")
    r = run_cli("triage", "--vault", str(empty), "--today", TODAY)
    assert r.exit_code == 0
    assert r.stdout == (
        "2 imported people to turn into relationships:\n\n"
        "Carol Diaz — VP, Sales, Initech (people/Carol Diaz.md), connected 2023-02-07\n"
        "  [ ] get and give contact details\n  [ ] say why you connected\n  [ ] ask what you can do for them\n"
        "David O'Brien (people/David O'Brien.md), connected 2022-11-11\n"
        "  [ ] say hello\n  [ ] say why you connected\n  [ ] ask what you can do for them\n")
    data = json.loads(run_cli("triage", "--json", "--vault", str(empty), "--today", TODAY).stdout)
    assert data["count"] == 2 and data["people"][1]["missing"] == [
        "say hello", "say why you connected", "ask what you can do for them"]
