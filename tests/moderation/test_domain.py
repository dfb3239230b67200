"""Pure rules of moderation: data integrity, routing, SLA, priority, the ladder, strikes,
state machines, signatures, statistics (property tests where a rule has a shape)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from zeren.lexicon.domain import categories as lexicon_categories
from zeren.moderation import domain as d

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def test_data_is_complete_and_sourced() -> None:
    cats = d.categories()
    assert sum(1 for c in cats if c.startswith("illegal.")) == 11
    assert sum(1 for c in cats if c.startswith("harmful.")) == 9
    assert {"prohibited_goods", "restricted_goods", "ip_infringement", "consumer_complaint",
            "pyramid_selling", "fraud", "other"} <= set(cats)
    assert all(c.source and c.name_zh and 1 <= c.severity <= 3 for c in cats.values())
    # every lexicon category opens a case in a known category
    assert all(d.category(code) is not None for code in lexicon_categories())
    ladder = [(m.code, m.name_zh) for m in d.ladder()]
    assert ladder == [("warning", "警示"), ("restrict_posting", "限制发布"),
                      ("stop_transmission", "停止传输"), ("removal", "信息消除"),
                      ("suspend_updates", "暂停更新"), ("close_account", "关闭账号")]
    fams = {m.family for m in d.measure_types().values()}
    assert fams == {"content", "user", "merchant"}
    for fam in ("user", "merchant"):
        for t in d.strike_settings()["threshold"][fam]:
            assert t["measure"] in d.measure_types()
    assert d.deadlines()["ip"]["counter_notice_clock_days"] == 15
    for section in ("appeal", "ip", "complaint", "records"):
        assert d.deadlines()[section]["source"]
    assert d.sla_settings()["source"] and d.strike_settings()["source"]


def test_routing_and_sla() -> None:
    c = d.categories()
    assert d.route(source="authority", cat=c["harmful.vulgar"]) == "authority"
    assert d.route(source="user", cat=c["ip_infringement"]) == "ip"
    assert d.route(source="user", cat=c["illegal.terrorism"]) == "priority"
    assert d.route(source="user", cat=c["harmful.vulgar"]) == "content"
    assert d.route(source="user", cat=c["other"]) == "general"
    assert d.sla_hours(cat=c["harmful.vulgar"], sources=["user"]) == 72
    assert d.sla_hours(cat=c["harmful.vulgar"], sources=["user", "authority"]) == 2
    assert d.sla_hours(cat=c["illegal.terrorism"], sources=["user"]) == 2


@given(st.integers(1, 3), st.integers(1, 500), st.integers(0, 3))
def test_priority_grows_with_severity_volume_and_escalation(sev: int, n: int, esc: int) -> None:
    p = d.priority(severity=sev, reports=n, sources=["user"], escalations=esc)
    assert d.priority(severity=sev, reports=n + 1, sources=["user"], escalations=esc) >= p
    assert d.priority(severity=sev, reports=n, sources=["user"], escalations=esc + 1) > p
    assert d.priority(severity=sev, reports=n, sources=["authority"], escalations=esc) > p
    if sev < 3:
        assert d.priority(severity=sev + 1, reports=n, sources=["user"], escalations=esc) > p


@given(st.integers(0, 40), st.integers(0, 40))
def test_ladder_is_monotone(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    types = d.measure_types()
    for fam in ("user", "merchant"):
        x = d.ladder_step(family=fam, total=lo, active=[])
        y = d.ladder_step(family=fam, total=hi, active=[])
        if x is not None:
            assert y is not None and types[y].rung >= types[x].rung
        if y is not None:  # a measure as strong already active: no further step
            assert d.ladder_step(family=fam, total=hi, active=[y]) is None


def test_strike_window_and_reversal() -> None:
    old = NOW - timedelta(days=181)
    assert d.strike_total([(4, NOW), (2, old)], now=NOW) == 4
    assert d.strike_total([(4, NOW), (-4, NOW)], now=NOW) == 0


def test_state_machines() -> None:
    assert d.can_move(d.CASE_TRANSITIONS, "open", "claimed")
    assert not d.can_move(d.CASE_TRANSITIONS, "decided", "claimed")
    assert not d.can_move(d.IP_TRANSITIONS, "received", "counter_noticed")
    assert d.can_move(d.COMPLAINT_TRANSITIONS, "mediation", "resolved_in_mediation")
    assert not d.can_move(d.COMPLAINT_TRANSITIONS, "awaiting_merchant", "resolved_in_mediation")


def test_subject_state_takes_the_strongest() -> None:
    assert d.subject_state([]) == "visible"
    assert d.subject_state(["warning", "removal"]) == "removed"
    assert d.subject_state(["restrict_posting", "close_account"]) == "account_closed"


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20))
def test_signature_roundtrip(body: bytes, secret: str) -> None:
    h = d.sign_payload(secret, 1_000, body)
    assert d.verify_signature(secret, h, body, now=1_010)
    assert not d.verify_signature(secret, h, body + b"x", now=1_010)
    assert not d.verify_signature(secret, h, body, now=2_000)  # too old: replay refused


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_percentiles(values: list[float]) -> None:
    p90 = d.percentile(values, 90)
    med = d.median(values)
    assert p90 is not None and med is not None
    assert min(values) <= med <= max(values) and p90 in values
    assert sum(1 for v in values if v <= p90) >= 0.9 * len(values)


def test_rate_limiter() -> None:
    lim = d.RateLimiter(3, 60)
    assert [lim.allow("a", t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert lim.allow("b", 3) and lim.allow("a", 61)


def test_receipts_and_retries() -> None:
    r = d.receipt_number("R", NOW)
    assert r.startswith("R-20261128-") and len(r) == 23
    assert d.next_attempt(1, NOW) == NOW + timedelta(seconds=10)
    assert d.next_attempt(len(d.WEBHOOK_BACKOFF_S) + 1, NOW) is None


def test_ladder_compares_rungs_within_a_family_only() -> None:
    # restrict_service (user family) does not stand in for the content ladder's
    # restrict_posting, nor suspend_updates (content) for merchant_suspend.
    assert d.ladder_step(family="user", total=3, active=["restrict_service"]) == \
        "restrict_posting"
    assert d.ladder_step(family="merchant", total=6, active=["suspend_updates"]) == \
        "merchant_suspend"
    assert d.ladder_step(family="user", total=3, active=["suspend_updates"]) is None
    assert d.ladder_step(family="merchant", total=6, active=["merchant_suspend"]) is None


def test_every_complaint_outcome_is_counted() -> None:
    day = timedelta(days=1)
    rows = [("resolved_by_merchant", NOW - 3 * day, NOW - 2 * day),
            ("resolved_in_mediation", NOW - 30 * day, NOW - 10 * day),  # took 20 days: late
            ("closed_unresolved", NOW - 5 * day, NOW - day),
            ("mediation", NOW - 20 * day, None),  # open for 20 days: late
            ("awaiting_merchant", NOW - day, None)]
    got = d.complaint_outcomes(rows, now=NOW)
    assert got == {"filed": 5, "awaiting_merchant": 1, "mediation": 1,
                   "resolved_by_merchant": 1, "resolved_in_mediation": 1,
                   "closed_unresolved": 1, "open": 2, "late": 2}
    assert d.complaint_outcomes([], now=NOW)["filed"] == 0


def test_every_ip_outcome_is_counted() -> None:
    rows = [("upheld", NOW), ("restored", NOW), ("withdrawn", None), ("received", None),
            ("counter_noticed", NOW - timedelta(hours=1)), ("counter_noticed", NOW + timedelta(days=3))]
    got = d.ip_outcomes(rows, now=NOW)
    assert (got["filed"], got["upheld"], got["restored"], got["withdrawn"], got["rejected"],
            got["open"], got["late"]) == (6, 1, 1, 1, 0, 3, 1)


def test_ip_clock_counts_days_as_the_civil_code_does() -> None:
    from zeren.timepolicy import BEIJING
    # Declaration forwarded Wednesday 2026-12-02 23:30 Beijing: day 1 is 12-03, day 15 is
    # Thursday 12-17; the period ends at 24:00 that day.
    at = datetime(2026, 12, 2, 23, 30, tzinfo=BEIJING)
    assert d.ip_clock_end(at) == datetime(2026, 12, 18, 0, 0, tzinfo=BEIJING)
    # The same moment written in UTC counts from the same Beijing day.
    assert d.ip_clock_end(at.astimezone(UTC)) == d.ip_clock_end(at)
    # Day 15 on a Saturday (forwarded Friday 12-04): the period runs to Monday 12-21, 24:00.
    fri = datetime(2026, 12, 4, 10, 0, tzinfo=BEIJING)
    assert d.ip_clock_end(fri) == datetime(2026, 12, 22, 0, 0, tzinfo=BEIJING)
    # A listed holiday on the last day moves it on; without the weekend rule it stays.
    assert d.civil_days_end(at, 15, weekend_is_rest=False,
                            holidays=[date(2026, 12, 17)]) == \
        datetime(2026, 12, 19, 0, 0, tzinfo=BEIJING)
    assert d.civil_days_end(fri, 15, weekend_is_rest=False, holidays=[]) == \
        datetime(2026, 12, 20, 0, 0, tzinfo=BEIJING)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                    timezones=st.just(UTC)))
def test_ip_clock_never_ends_before_fifteen_full_days(at: datetime) -> None:
    end = d.ip_clock_end(at)
    assert end - at > timedelta(days=15)
    assert end - at < timedelta(days=15 + 1 + 2 + 1)  # start day, a weekend, 24:00
