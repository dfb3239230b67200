"""Deadline arithmetic, grades and escalation as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.security import domain as d

BJ = d.BEIJING


@pytest.mark.parametrize(("party", "hours"), [("cii_operator", 1), ("central_state_organ", 2),
                                              ("other", 4)])
def test_first_report_deadline_by_party(party: str, hours: int) -> None:
    found = datetime(2026, 3, 1, 23, 30, tzinfo=BJ)
    due = d.first_report_due(detected_at=found, party=d.rules().parties[party])
    assert due - found == timedelta(hours=hours)
    assert due.astimezone(UTC) == found.astimezone(UTC) + timedelta(hours=hours)


def test_reportable_grades() -> None:
    g = d.rules().grades
    assert [c for c in g if g[c].reportable] == ["especially_major", "major", "relatively_major"]
    assert not g["general"].reportable


zones = st.sampled_from([UTC, BJ, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5,
                                                                                    minutes=45)),
                         timezone(timedelta(hours=14))])
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                        timezones=st.just(UTC))


@given(instants, zones, st.sampled_from(["cii_operator", "central_state_organ", "other"]))
def test_deadlines_do_not_depend_on_the_zone_given(at: datetime, zone: timezone,
                                                   party: str) -> None:
    p = d.rules().parties[party]
    local = at.astimezone(zone)
    assert d.first_report_due(detected_at=local, party=p) == d.first_report_due(detected_at=at,
                                                                                party=p)
    assert d.summary_due(handled_at=local) == d.summary_due(handled_at=at)


@given(instants)
def test_summary_period_ends_at_midnight_beijing_of_the_30th_day(at: datetime) -> None:
    due = d.summary_due(handled_at=at).astimezone(BJ)
    start_day = at.astimezone(BJ).date()
    assert (due.hour, due.minute, due.second) == (0, 0, 0)
    assert due.date() == start_day + timedelta(days=31)  # 24:00 of day 30 = 00:00 of day 31
    assert timedelta(days=30) < due - at <= timedelta(days=31)


def test_summary_day_counting_example() -> None:
    # handled 2026-03-01 23:59 Beijing = 15:59 UTC: day 1 is 03-02, day 30 is 03-31
    handled = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
    assert d.summary_due(handled_at=handled) == datetime(2026, 4, 1, 0, 0, tzinfo=BJ)
    # one minute later it is 03-02 in Beijing: a day more
    assert d.summary_due(handled_at=handled + timedelta(minutes=1)) == \
        datetime(2026, 4, 2, 0, 0, tzinfo=BJ)


def test_clock_states() -> None:
    due = datetime(2026, 3, 1, 12, 0, tzinfo=BJ)
    assert d.Clock(due, None, due - timedelta(minutes=5)).state is d.ClockState.RUNNING
    assert d.Clock(due, None, due - timedelta(minutes=5)).seconds_left == 300
    assert d.Clock(due, None, due + timedelta(seconds=1)).state is d.ClockState.OVERDUE
    assert d.Clock(due, due, due).state is d.ClockState.ON_TIME
    assert d.Clock(due, due + timedelta(seconds=1), due).state is d.ClockState.LATE
    assert d.Clock(None, None, due).state is d.ClockState.NOT_REQUIRED
    assert d.format_left(-3909) == "-01:05:09" and d.format_left(90061) == "25:01:01"


def test_grade_by_criteria_and_pi_thresholds() -> None:
    g, why = d.grade_by_criteria({"pi_leaked_persons": 1_000_000})
    assert g.code == "relatively_major" and "1,000,000" in why[0]
    assert d.grade_by_criteria({"pi_leaked_persons": 999_999})[0].code == "general"
    assert d.grade_by_criteria({"pi_leaked_persons": 10_000_000})[0].code == "major"
    assert d.grade_by_criteria({"pi_leaked_persons": 100_000_000})[0].code == "especially_major"
    assert d.grade_by_criteria({"pi_leaked_persons": 5, "direct_loss_rmb": 25_000_000}
                               )[0].code == "major"
    with pytest.raises(d.OutOfScale) as e:
        d.grade_by_criteria({"vibes": 3})
    assert e.value.field == "criteria.vibes"


def test_escalation_points() -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=BJ)
    due = start + timedelta(hours=4)
    pts = dict(d.escalation_points(start=start, due=due))
    assert pts == {"elapsed-0.5": start + timedelta(hours=2),
                   "elapsed-0.75": start + timedelta(hours=3),
                   "before-15m": due - timedelta(minutes=15), "overdue": due}
    assert d.due_escalations(start=start, due=due, now=start + timedelta(hours=3),
                             done=False) == ["elapsed-0.5", "elapsed-0.75"]
    assert d.due_escalations(start=start, due=due, now=due, done=True) == []


def test_report_fields_and_notice_contents() -> None:
    _fields, missing = d.fill_report("first", facts={"incident.category": "数据泄露"},
                                    answers={"reporter": "周敏 0571-1"})
    assert "reporter" not in missing and "category" not in missing and "impact" in missing
    with pytest.raises(d.OutOfScale):
        d.fill_report("first", facts={}, answers={"mood": "x"})
    assert d.missing_contents({"pi_types": ["手机号"], "cause": "x"}) == [
        "possible_harm", "remedial_steps", "individual_actions", "contact"]
