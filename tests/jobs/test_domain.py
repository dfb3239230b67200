"""Schedules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from zeren.jobs.domain import DailyAt, Every

# 01:00 Beijing time is 17:00 UTC the day before.
DAILY = DailyAt(time(1, 0))
BEIJING = ZoneInfo("Asia/Shanghai")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_every() -> None:
    e = Every(300)
    now = utc(2026, 11, 28, 12)
    assert e.due(None, now)
    assert not e.due(now - timedelta(seconds=299), now)
    assert e.due(now - timedelta(seconds=300), now)


def test_daily_at_in_beijing_time() -> None:
    assert DAILY.due(None, utc(2026, 11, 28, 3))
    # ran at 17:30 UTC on the 27th = 01:30 Beijing on the 28th: not due again that day
    last = utc(2026, 11, 27, 17, 30)
    assert not DAILY.due(last, utc(2026, 11, 28, 16, 59))
    assert DAILY.due(last, utc(2026, 11, 28, 17, 0))
    # ran at 16:00 UTC on the 27th = 00:00 Beijing on the 28th, before the 01:00 slot
    assert DAILY.due(utc(2026, 11, 27, 16, 0), utc(2026, 11, 27, 17, 1))


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)))
def test_daily_runs_at_most_once_a_day(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    later = now + timedelta(seconds=1)
    crossed_slot = later.astimezone(BEIJING).time() >= time(1, 0) > now.astimezone(BEIJING).time()
    assert DAILY.due(now, later) == crossed_slot
    assert DAILY.due(now, now + timedelta(days=1))

