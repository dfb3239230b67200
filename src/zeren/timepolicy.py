"""Zeren's one time policy, for the API, the CLI and the console alike (ADR 0021).

* **Storage is UTC.** Every stored time is an aware ``datetime`` in UTC (``UTCDateTime``).
* **Explicit offsets are kept.** ``2026-05-01T09:00+08:00`` and ``…T01:00Z`` are the same
  instant and are stored as that instant.
* **A bare date is a Beijing calendar day** (Asia/Shanghai), unless the field says otherwise:
  a period's bounds take the day's first instant (``from`` inclusive, ``to`` exclusive), a
  validity's end takes the day's last instant (``valid_until=2026-06-30`` holds through that
  day in Beijing). A date-typed field (an exemption's ``ends_on``) is compared with today's
  Beijing date, not the UTC date.
* **A date-time without an offset is Beijing wall time** (the platform's and the regulator's
  clock); a field whose source speaks UTC says so and passes ``naive=UTC``.
* **Shown in Beijing time with the zone**: ``2026-05-01 09:00 北京时间 (UTC+8)``.

Everything that reads a time from a person goes through :func:`parse_instant` or
:func:`parse_day`; both raise ``InvalidInput`` naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from zeren import clock
from zeren.errors import InvalidInput

BEIJING = ZoneInfo("Asia/Shanghai")

Bound = Literal["start", "end"]


def now_utc() -> datetime:
    return clock.now()


def beijing_today(now: datetime | None = None) -> date:
    """Today's date in Beijing (the day a platform's duties are counted in)."""
    return (now or now_utc()).astimezone(BEIJING).date()


def day_start(day: date, zone: tzinfo = BEIJING) -> datetime:
    """The first instant of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_end(day: date, zone: tzinfo = BEIJING) -> datetime:
    """The last instant (to the microsecond) of ``day`` in ``zone``, in UTC."""
    return day_start(day + timedelta(days=1), zone) - timedelta(microseconds=1)


def as_utc(value: datetime, *, naive: tzinfo = BEIJING) -> datetime:
    """``value`` as an aware UTC datetime; a naive one is wall time in ``naive``."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=naive)
    return aware.astimezone(UTC)


def parse_day(value: str, field: str) -> date:
    """A calendar date ``YYYY-MM-DD``."""
    text = (value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD), not {text[:40]!r}",
                           field=field) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(f"{field} must be {RANGE_TEXT}", field=field)
    return day


# The range of times Zeren accepts (ADR 0043): wide for any record a platform keeps, and far
# from the ends of the calendar, where converting an offset or adding a deadline would overflow.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
EARLIEST = datetime.combine(EARLIEST_DAY, time(0), tzinfo=UTC)
LATEST = datetime.combine(LATEST_DAY, time(23, 59, 59, 999999), tzinfo=UTC)
RANGE_TEXT = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def in_range_day(value: date) -> date:
    """A date Zeren can store and count from (pydantic validator; ValueError otherwise)."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must be {RANGE_TEXT}")
    return value


def in_range_instant(value: datetime) -> datetime:
    """A date-time Zeren can store and count from (pydantic validator; ValueError otherwise).
    A naive value is checked as UTC, whatever zone it will be read in."""
    if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
        raise ValueError(f"must be {RANGE_TEXT}")
    return value


Day = Annotated[date, AfterValidator(in_range_day)]
"""A calendar date in a request body, within Zeren's range (422 naming the field otherwise)."""
Instant = Annotated[datetime, AfterValidator(in_range_instant)]
"""A date-time in a request body, within Zeren's range (422 naming the field otherwise)."""


def parse_instant(value: str, field: str, *, bare_date: Bound = "start",
                  naive: tzinfo = BEIJING) -> datetime:
    """An instant from a person: an ISO date (a Beijing calendar day; its first or last
    instant by ``bare_date``) or an ISO date-time (its offset kept; without one, wall time in
    ``naive``). Returned in UTC."""
    text = (value or "").strip()
    if len(text) == 10:
        day = parse_day(text, field)
        return day_start(day) if bare_date == "start" else day_end(day)
    try:
        got = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z")
                                     else text)
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO date (YYYY-MM-DD) or date-time "
                           f"(YYYY-MM-DDTHH:MM[:SS][+08:00]), not {text[:40]!r}",
                           field=field) from None
    try:
        in_range_instant(got)
    except ValueError as e:
        raise InvalidInput(f"{field} {e}", field=field) from None
    return as_utc(got, naive=naive)


def parse_optional(value: str | None, field: str, default: datetime, *,
                   bare_date: Bound = "start") -> datetime:
    """:func:`parse_instant`, or ``default`` when nothing was given."""
    if value is None or not value.strip():
        return default
    return parse_instant(value, field, bare_date=bare_date)


def format_beijing(value: datetime | None, *, seconds: bool = False) -> str:
    """``2026-05-01 09:00 北京时间 (UTC+8)``: how every person-facing time is shown."""
    if value is None:
        return "—"
    local = as_utc(value, naive=UTC).astimezone(BEIJING)
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + \
        " 北京时间 (UTC+8)"
