"""The calendar feed: golden .ics of the example vault, parsed back and checked event by event."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import EXAMPLE_VAULT, REPO, run_cli

TODAY = "2025-06-01"
GOLDEN_ICS = EXAMPLE_VAULT / "_index" / "guanxi.ics"


def events(text: str | bytes) -> list:
    cal = Calendar.from_ical(text)
    return list(cal.walk("VEVENT"))


def test_golden_ics_parses_and_every_event_has_uid_dtstamp_dtstart() -> None:
    data = GOLDEN_ICS.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    evs = events(data)
    assert len(evs) == 16
    uids = [str(e["UID"]) for e in evs]
    assert len(set(uids)) == len(uids)  # stable and unique
    for e in evs:
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert prop in e, (prop, e)
        assert e.decoded("DTSTAMP") == dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
        assert isinstance(e.decoded("DTSTART"), dt.date)
        assert e.decoded("DTEND") == e.decoded("DTSTART") + dt.timedelta(days=1)
        kind = str(e["UID"]).split("-")[0]
        assert kind in ("birthday", "check", "promise", "snooze")
        if kind == "birthday":
            assert e["RRULE"]["FREQ"] == ["YEARLY"]
        else:
            assert "RRULE" not in e
            assert e.decoded("DTSTART") >= dt.date(2025, 6, 1)  # past-due reminders sit on today
    summaries = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in evs}
    assert summaries["Birthday: Alice Chen"] == dt.date(1985, 6, 14)
    assert summaries["Birthday: 李娜"] == dt.date(2000, 6, 10)  # no year: the rule starts in 2000
    assert summaries["Promise to Alice Chen: Send the DevOps hiring report"] == dt.date(2025, 6, 1)


def test_calendar_command_prints_the_committed_feed_and_is_deterministic(tmp_path: Path) -> None:
    copy = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, copy, ignore=shutil.ignore_patterns(".guanxi"))
    a = run_cli("--vault", str(copy), "calendar", "--today", TODAY)
    b = run_cli("--vault", str(copy), "calendar", "--today", TODAY)
    assert a.exit_code == 0
    assert a.stdout_bytes == b.stdout_bytes == GOLDEN_ICS.read_bytes()


def test_uids_do_not_depend_on_the_day(tmp_path: Path) -> None:
    one = run_cli("--vault", str(EXAMPLE_VAULT), "calendar", "--json", "--today", TODAY)
    two = run_cli("--vault", str(EXAMPLE_VAULT), "calendar", "--json", "--today", "2025-06-20")
    uids1 = {e["uid"] for e in json.loads(one.stdout)["events"] if e["kind"] == "birthday"}
    uids2 = {e["uid"] for e in json.loads(two.stdout)["events"] if e["kind"] == "birthday"}
    assert uids1 == uids2 and uids1


def test_reminder_dates_follow_the_attention_rules(vault: Callable[..., Path]) -> None:
    root = vault({
        "guanxi.toml": 'contacts = ["people"]\n',
        "people/Ann.md": """\
            ---
            cadence: 30d
            birthday: --02-29
            snooze: 2025-07-01
            email: a@example.com
            give:
              - 2025-06-20 [ ] Send the book
            touch:
              - 2025-05-20 Lunch
            ---
            """,
        "people/Ben.md": """\
            ---
            cadence: none
            email: b@example.com
            touch:
              - 2025-01-01 Call
            ---
            """,
    })
    r = run_cli("--vault", str(root), "calendar", "--json", "--today", "2025-06-01")
    assert r.exit_code == 0, r.output
    got = [(e["kind"], e["name"], e["date"]) for e in json.loads(r.stdout)["events"]]
    assert got == [
        ("birthday", "Ann", "2000-02-29"),
        # snoozed until 07-01: the check-in (due 06-20) and the late promise (06-28) wait for it
        ("check-in", "Ann", "2025-07-01"),
        ("promise", "Ann", "2025-07-01"),
        ("snooze-ends", "Ann", "2025-07-01"),
    ]
    ics = run_cli("--vault", str(root), "calendar", "--today", "2025-06-01").stdout
    (bday,) = [e for e in events(ics) if str(e["SUMMARY"]).startswith("Birthday")]
    # 29 February falls on the last day of February in other years, as on the attention page.
    assert bday["RRULE"]["BYMONTHDAY"] == [-1] and bday["RRULE"]["BYMONTH"] == [2]


def test_hostile_text_cannot_inject_calendar_lines(vault: Callable[..., Path]) -> None:
    root = vault({
        "people/Eve.md": '---\nname: "Eve\\r\\nBEGIN:VEVENT\\r\\nUID:x"\nsnooze: 2030-01-01\n---\n',
    })
    r = run_cli("--vault", str(root), "calendar", "--today", "2025-06-01")
    assert r.exit_code == 0
    assert len(events(r.stdout)) == len([ln for ln in r.stdout.splitlines() if ln == "BEGIN:VEVENT"])


@pytest.mark.parametrize("where", ["example", *sorted(p.name for p in (REPO / "tests/golden").iterdir()
                                                    if (p / "vault").is_dir()), "hostile_html"])
def test_the_fast_writer_gives_icalendars_bytes(where: str) -> None:
    """page() writes events from a template: byte for byte what icalendar itself writes."""
    from notebook_tool.read.vault import load_vault
    from notebook_tool.render.calendar import calendar_of, page

    root = {"example": EXAMPLE_VAULT, "hostile_html": REPO / "tests/golden_html/small/vault"}.get(
        where, REPO / "tests/golden" / where / "vault")
    vault = load_vault(root)
    for day in (dt.date(2025, 6, 1), dt.date(2024, 2, 28)):
        assert page(vault, day, "") == calendar_of(vault, day).to_ical().decode("utf-8")


def test_escaping_and_folding_match_icalendar_on_odd_text() -> None:
    from icalendar import Event

    from notebook_tool.render.calendar import escape_text, fold

    for text in ["a;b,c\\d\ne\r\nf\rg", "é" * 80, "x" * 73 + "\\;" + "y" * 10, "日本語" * 40, "a" * 74, "a" * 75,
                 "\\" * 120, "^" * 80, "é\\" * 60, "a" * 200]:
        e = Event()
        e.add("summary", text)
        expected = e.to_ical().decode("utf-8").split("\r\n")
        body = "\r\n".join(expected[1:-2])
        assert fold("SUMMARY:" + escape_text(text)) == body, text


def test_watch_keeps_the_feed_per_person_and_equal_to_a_fresh_one(tmp_path: Path) -> None:
    """watch re-renders one person's events per save; the feed stays byte-equal to `guanxi calendar`."""
    import threading

    from notebook_tool.watch.watcher import Watcher
    from tests.conftest import write_vault
    from tests.test_watch import TIMEOUT, wait_for

    root = write_vault(tmp_path / "v", {
        "people/Ann.md": "---\nemail: a@x.org\nbirthday: --03-04\ncadence: 30d\ntouch:\n  - 2025-05-01 Call\n---\n",
        "people/Ben.md": "---\nemail: b@x.org\ngive:\n  - 2025-05-01 [ ] Send it\n---\n"})
    w = Watcher(root, today=dt.date(2025, 6, 1), debounce=0.1)
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    try:
        assert w.ready.wait(TIMEOUT)
        ics = root / "_index/guanxi.ics"

        def fresh() -> bytes:
            return run_cli("--vault", str(root), "calendar", "--today", "2025-06-01",
                           env={"GUANXI_CACHE": "0"}).stdout_bytes

        wait_for(lambda: ics.exists() and ics.read_bytes() == fresh() and w.idle(), "the first feed")
        (root / "people/Ben.md").write_text("---\nemail: b@x.org\nsnooze: 2025-07-01\n---\n")
        (root / "people/Cy.md").write_text("---\nemail: c@x.org\nbirthday: 1990-01-02\n---\n")
        (root / "people/Ann.md").unlink()
        wait_for(lambda: b"Birthday: Cy" in ics.read_bytes() and ics.read_bytes() == fresh() and w.idle(),
                 "the feed after three changes")
        assert b"Ann" not in ics.read_bytes() and b"Snooze ends: Ben" in ics.read_bytes()
    finally:
        w.stop()
        t.join(TIMEOUT)


def test_the_last_day_of_the_calendar(vault: Callable[..., Path]) -> None:
    root = vault({"people/Ann.md": "---\nemail: a@x\nbirthday: --12-31\ncadence: 30d\n"
                                   "give:\n  - 9999-12-30 [ ] Send it\n---\n"})
    r = run_cli("--vault", str(root), "calendar", "--today", "9999-12-31")
    assert r.exit_code == 0, r.output
    for e in events(r.stdout):
        assert e.decoded("DTSTART") <= dt.date.max and "UID" in e


@pytest.mark.parametrize("line", ["SUMMARY:abcdef", "SUMMARY:Zoë 王伟 \\, x"])
def test_folding_at_the_smallest_limits_ends_and_keeps_every_character(line: str) -> None:
    """A limit of 2 (one octet a piece, an escape's two kept together) still ends and loses nothing;
    1 and 0 would leave no room for an octet after the space: refused, never a loop."""
    from notebook_tool.render.calendar import fold

    for limit in (2, 3, 6):
        assert fold(line, limit).replace("\r\n ", "") == line
    for limit in (1, 0):
        with pytest.raises(ValueError):
            fold(line, limit)
