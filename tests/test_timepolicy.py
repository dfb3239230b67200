"""The one time policy (zeren.timepolicy): explicit offsets are kept, a bare date is a Beijing
calendar day, a date-time without an offset is Beijing wall time, storage is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.errors import InvalidInput
from zeren.timepolicy import (
    BEIJING,
    beijing_today,
    format_beijing,
    parse_day,
    parse_instant,
    parse_optional,
)

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m)))
naive_times = st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2999, 12, 30))
days = st.dates(min_value=date(1971, 1, 2), max_value=date(2999, 12, 30))


@given(naive_times, offsets)
def test_an_explicit_offset_is_kept(wall: datetime, tz: timezone) -> None:
    aware = wall.replace(tzinfo=tz)
    got = parse_instant(aware.isoformat(), "at")
    assert got == aware and got.utcoffset() == timedelta(0)  # same instant, stored in UTC


@given(naive_times)
def test_a_time_without_an_offset_is_beijing_wall_time(wall: datetime) -> None:
    got = parse_instant(wall.isoformat(), "at")
    assert got.tzinfo == UTC
    assert got.astimezone(BEIJING).replace(tzinfo=None) == wall


@given(days)
def test_a_bare_date_is_a_beijing_calendar_day(day: date) -> None:
    start = parse_instant(day.isoformat(), "from")
    end = parse_instant(day.isoformat(), "until", bare_date="end")
    assert start.astimezone(BEIJING).date() == day == end.astimezone(BEIJING).date()
    assert start.astimezone(BEIJING).time().isoformat() == "00:00:00"
    # Beijing's own offset that day: China kept summer time in 1986-1991 (UTC+9), so a
    # calendar day there was 23 or 25 hours long twice a year.
    midnight = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    assert start == midnight.astimezone(UTC)
    next_midnight = (midnight + timedelta(days=1)).astimezone(UTC)
    assert end == next_midnight - timedelta(microseconds=1)
    if not 1986 <= day.year <= 1991:
        assert end - start == timedelta(days=1) - timedelta(microseconds=1)
        assert start == datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


def test_a_summer_time_day_in_beijing() -> None:
    start = parse_instant("1991-04-14", "from")
    end = parse_instant("1991-04-14", "until", bare_date="end")
    assert end - start == timedelta(hours=23) - timedelta(microseconds=1)


@given(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2999, 12, 30),
                    timezones=st.just(UTC)))
def test_today_is_counted_in_beijing(now: datetime) -> None:
    today = beijing_today(now)
    assert today == now.astimezone(BEIJING).date()
    if not 1986 <= now.year <= 1991:  # summer time aside, Beijing is UTC+8
        assert today == (now + timedelta(hours=8)).date()
    assert parse_instant(today.isoformat(), "d") <= now < parse_instant(
        today.isoformat(), "d", bare_date="end") + timedelta(microseconds=1)


def test_the_utc_evening_is_already_tomorrow_in_beijing() -> None:
    assert beijing_today(datetime(2026, 6, 30, 16, 30, tzinfo=UTC)) == date(2026, 7, 1)


@pytest.mark.parametrize("bad", ["", "2026-13-01", "tomorrow", "2026-06-31", "1/2/2026"])
def test_bad_input_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_instant(bad, "valid_until")
    assert exc.value.details == {"field": "valid_until"}
    with pytest.raises(InvalidInput):
        parse_day(bad, "ends_on")


def test_optional_takes_the_default_when_empty() -> None:
    d = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_optional(None, "to", d) == d and parse_optional("  ", "to", d) == d
    assert parse_optional("2026-01-02", "to", d) == datetime(2026, 1, 1, 16, tzinfo=UTC)


def test_shown_in_beijing_time_with_the_zone() -> None:
    assert format_beijing(datetime(2026, 5, 1, 1, 0, tzinfo=UTC)) == \
        "2026-05-01 09:00 北京时间 (UTC+8)"
    assert format_beijing(None) == "—"
