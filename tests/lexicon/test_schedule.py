"""The patrol schedule: five-field cron expressions read in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zeren.lexicon.schedule import BadSchedule, Schedule


def _utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_daily_at_two_in_shanghai() -> None:
    s = Schedule.parse("0 2 * * *", "Asia/Shanghai")  # 02:00 CST = 18:00 UTC the day before
    assert s.last_fire(_utc(2026, 3, 10, 18, 0)) == _utc(2026, 3, 10, 18, 0)
    assert s.last_fire(_utc(2026, 3, 10, 17, 59)) == _utc(2026, 3, 9, 18, 0)
    assert s.last_fire(_utc(2026, 3, 11, 3, 0)) == _utc(2026, 3, 10, 18, 0)


def test_lists_ranges_steps_and_weekdays() -> None:
    s = Schedule.parse("*/15 8-10 * * 1-5", "UTC")  # weekdays, every quarter hour, 8 to 10
    assert s.last_fire(_utc(2026, 3, 10, 9, 44)) == _utc(2026, 3, 10, 9, 30)  # a Tuesday
    assert s.last_fire(_utc(2026, 3, 10, 7, 0)) == _utc(2026, 3, 9, 10, 45)
    assert s.last_fire(_utc(2026, 3, 15, 12, 0)) == _utc(2026, 3, 13, 10, 45)  # Sunday → Friday
    s = Schedule.parse("30 1 1,15 * 0", "UTC")  # both day fields: either counts
    assert s.last_fire(_utc(2026, 3, 14, 12, 0)) == _utc(2026, 3, 8, 1, 30)  # a Sunday
    assert s.last_fire(_utc(2026, 3, 15, 2, 0)) == _utc(2026, 3, 15, 1, 30)
    assert Schedule.parse("0 0 * * 7", "UTC").last_fire(_utc(2026, 3, 10)) == _utc(2026, 3, 8)


def test_never_firing_in_a_year() -> None:
    assert Schedule.parse("0 0 31 2 *", "UTC").last_fire(_utc(2026, 3, 1)) is None


@pytest.mark.parametrize(("expr", "tz", "what"), [
    ("0 2 * *", "UTC", "five fields"),
    ("60 2 * * *", "UTC", "minute"),
    ("0 x * * *", "UTC", "hour"),
    ("0 2 0 * *", "UTC", "day of month"),
    ("0 2 * 1-13 *", "UTC", "month"),
    ("*/0 2 * * *", "UTC", "minute"),
    ("0 2 * * *", "Mars/Olympus", "time zone"),
])
def test_bad_expressions_name_the_field(expr: str, tz: str, what: str) -> None:
    with pytest.raises(BadSchedule, match=what):
        Schedule.parse(expr, tz)
