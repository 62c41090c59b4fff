"""The model (SPEC §3) and each attention rule (SPEC §4), on contacts built inline."""

from __future__ import annotations

import datetime as dt

import pytest

from notebook_tool.compute import attention as A
from notebook_tool.compute.ledger import summarize
from notebook_tool.core.config import Config
from notebook_tool.core.model import Birthday, Contact, Entry

D = dt.date
TODAY = D(2025, 6, 1)
CTX = A.Context(TODAY, Config())


def e(kind: str, date: dt.date, text: str = "x", weight: float = 1.0, status: str | None = None) -> Entry:
    return Entry(kind, date, text, weight, status)  # type: ignore[arg-type]


def person(*entries: Entry, **fields: object) -> Contact:
    fields.setdefault("emails", ("p@example.com",))
    return Contact(name=str(fields.pop("name", "P")), path="people/P.md", entries=entries, **fields)  # type: ignore[arg-type]


def reasons(c: Contact, ctx: A.Context = CTX) -> dict[str, str]:
    return {r.rule: r.text for r in A.reasons_for(summarize(c, ctx.today), ctx)}


# -- the model -------------------------------------------------------------------

def test_balance_counts_kept_and_plain_not_open() -> None:
    s = summarize(person(e("give", D(2025, 1, 1), weight=3), e("give", D(2025, 1, 2), status="open", weight=5),
                         e("give", D(2025, 1, 3), status="kept"), e("take", D(2025, 1, 4), weight=2.5),
                         e("take", D(2025, 1, 5), status="open")), TODAY)
    assert (s.given, s.taken, s.balance) == (4.0, 2.5, 1.5)


def test_last_contact_is_latest_kept_entry_or_touch_else_met() -> None:
    c = person(e("give", D(2025, 1, 1)), e("touch", D(2025, 3, 1)), e("give", D(2025, 5, 1), status="open"),
               met=D(2024, 1, 1))
    s = summarize(c, TODAY)
    assert (s.last_contact, s.last_give) == (D(2025, 3, 1), D(2025, 1, 1))
    assert summarize(person(met=D(2024, 1, 1)), TODAY).last_contact == D(2024, 1, 1)
    assert summarize(person(), TODAY).last_contact is None


@pytest.mark.parametrize(
    "entries, expected",
    [
        ((), None),
        ((e("touch", D(2025, 1, 1)),), None),
        ((e("give", D(2025, 2, 1)), e("take", D(2025, 1, 1))), False),
        ((e("take", D(2025, 2, 1)), e("give", D(2025, 1, 1))), True),
        ((e("take", D(2025, 1, 1)), e("give", D(2025, 1, 1))), True),  # same day: counts as give-first
        ((e("give", D(2024, 1, 1), status="open"), e("take", D(2025, 1, 1))), False),  # open promise is no exchange
    ],
)
def test_give_first(entries: tuple[Entry, ...], expected: bool | None) -> None:
    assert summarize(person(*entries), TODAY).give_first is expected


def test_decay_halves_weight_every_half_life() -> None:
    c = person(e("give", D(2023, 6, 2), weight=4), e("take", D(2025, 6, 1), weight=1))
    s = summarize(c, TODAY, half_life_days=365)
    assert s.given == pytest.approx(1.0)  # two half-lives: 4 → 1
    assert s.taken == 1.0


# -- the rules -------------------------------------------------------------------

def test_owe_fires_below_band_and_says_what_and_when() -> None:
    c = person(e("take", D(2025, 2, 1), "Referred me to Globex", 2), e("give", D(2025, 3, 1)))
    assert reasons(c)["owe"] == "you owe them (balance -1); last favour: “Referred me to Globex” on 2025-02-01"
    banded = A.Context(TODAY, Config(owe_band=1.0))
    assert "owe" not in reasons(c, banded)


def test_they_owe_you_is_never_a_reason() -> None:
    c = person(e("give", D(2025, 5, 1), weight=10))
    assert reasons(c) == {}


def test_overdue_uses_contact_then_tag_then_default_cadence() -> None:
    c = person(e("touch", D(2025, 2, 1)))  # 120 days ago
    assert reasons(c)["overdue"] == "no contact for 120 days (cadence 90d; last 2025-02-01)"
    assert "overdue" not in reasons(person(e("touch", D(2025, 3, 3))))  # exactly 90: not yet
    tagged = A.Context(TODAY, Config(tag_cadence_map={"family": 14, "work": 30}))
    fam = person(e("touch", D(2025, 5, 1)), tags=("Family", "work"))
    assert reasons(fam, tagged)["overdue"] == "no contact for 31 days (cadence 14d; last 2025-05-01)"
    own = person(e("touch", D(2025, 5, 1)), tags=("family",), cadence_days=60)
    assert "overdue" not in reasons(own, tagged)


def test_cadence_none_opts_out_and_no_date_means_no_overdue() -> None:
    assert "overdue" not in reasons(person(e("touch", D(2015, 1, 1)), cadence_days=0))
    assert "overdue" not in reasons(person())


def test_overdue_ranks_by_ratio() -> None:
    a = person(e("touch", D(2025, 1, 1)), name="A", cadence_days=30)  # 151 days: ratio 4.03
    b = person(e("touch", D(2024, 6, 1)), name="B")  # 365 days, cadence 90: ratio 3.06
    people = A.attention([summarize(a, TODAY), summarize(b, TODAY)], CTX)
    assert [p.contact.name for p in people] == ["A", "B"]


def test_promise_after_grace_oldest_first() -> None:
    c = person(e("give", D(2025, 5, 25), "recent", status="open"), e("give", D(2025, 5, 1), "Send report", status="open"),
               e("give", D(2025, 4, 1), "kept one", status="kept"))
    assert reasons(c)["promise"] == "you promised “Send report” 31 days ago (2025-05-01)"
    assert "promise" not in reasons(person(e("give", D(2025, 5, 25), status="open")))  # 7 days: in grace
    two = person(e("give", D(2025, 5, 1), "a", status="open"), e("give", D(2025, 4, 1), "b", status="open"))
    assert reasons(two)["promise"] == "you promised “b” 61 days ago (2025-04-01) (and 1 more)"


def test_their_open_offer_is_not_my_promise() -> None:
    assert "promise" not in reasons(person(e("take", D(2025, 1, 1), status="open")))


def test_no_contact_info() -> None:
    assert reasons(person(emails=()))["no-contact-info"] == "no way to reach them (no email, phone or links)"
    assert "no-contact-info" not in reasons(person(emails=(), phones=("+1",)))
    assert "no-contact-info" not in reasons(person(emails=(), links=("https://x",)))


def test_no_follow_up_within_window_until_give_or_touch() -> None:
    c = person(met=D(2025, 5, 20), why="Data team")
    assert reasons(c)["no-follow-up"] == (
        "met 12 days ago (2025-05-20) and no give or touch since: say hello, say why, ask what you can do for them"
        " — why: Data team")
    # Knowing what they need, the reason does not ask.
    assert reasons(person(met=D(2025, 5, 20), needs=("a designer",)))["no-follow-up"] == (
        "met 12 days ago (2025-05-20) and no give or touch since: say hello, say why")
    assert "no-follow-up" not in reasons(person(e("touch", D(2025, 5, 21)), met=D(2025, 5, 20)))
    assert "no-follow-up" in reasons(person(e("take", D(2025, 5, 21)), met=D(2025, 5, 20)))  # a take is not a follow-up
    assert "no-follow-up" not in reasons(person(met=D(2025, 4, 1)))  # 61 days: past the window


def test_birthday_window_with_and_without_year() -> None:
    assert reasons(person(birthday=Birthday(6, 14, 1985)))["birthday"] == "birthday in 13 days (2025-06-14, turns 40)"
    assert reasons(person(birthday=Birthday(6, 1)))["birthday"] == "birthday today (2025-06-01)"
    assert reasons(person(birthday=Birthday(6, 2)))["birthday"] == "birthday tomorrow (2025-06-02)"
    assert "birthday" not in reasons(person(birthday=Birthday(6, 16)))  # 15 days
    assert "birthday" not in reasons(person(birthday=Birthday(5, 31)))  # yesterday: next is a year away


def test_birthday_wraps_the_year_and_feb_29() -> None:
    ctx = A.Context(D(2025, 12, 25), Config())
    assert reasons(person(birthday=Birthday(1, 2)), ctx)["birthday"] == "birthday in 8 days (2026-01-02)"
    ctx = A.Context(D(2025, 2, 20), Config())
    assert reasons(person(birthday=Birthday(2, 29, 2000)), ctx)["birthday"] == "birthday in 8 days (2025-02-28, turns 25)"


def test_snooze_hides_until_its_date() -> None:
    c = person(emails=(), snooze=D(2025, 6, 2))
    assert A.attention([summarize(c, TODAY)], CTX) == []
    on_the_day = person(emails=(), snooze=TODAY)
    assert len(A.attention([summarize(on_the_day, TODAY)], CTX)) == 1


def test_ranking_by_rule_then_severity_then_name() -> None:
    people = [
        person(emails=(), name="Zed"),  # no-contact-info
        person(emails=(), name="Abe"),  # no-contact-info, ties on severity: by name
        person(e("take", D(2025, 1, 1), weight=5), name="Owes5"),
        person(e("take", D(2025, 1, 1), weight=2), name="Owes2"),
        person(e("give", D(2025, 1, 1), status="open"), name="Promise"),
        person(birthday=Birthday(6, 3), name="Bday"),
    ]
    ranked = [p.contact.name for p in A.attention([summarize(c, TODAY) for c in people], CTX)]
    assert ranked == ["Promise", "Owes5", "Owes2", "Bday", "Abe", "Zed"]
