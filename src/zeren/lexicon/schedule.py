"""When the daily patrol (日常巡查) is due: a five-field cron expression (minute, hour, day of
month, month, day of week) read in a time zone, as ``data/patrol.toml`` names it. Pure: no
database; only what the patrol needs — numbers, ``*``, ranges ``a-b``, steps ``*/n`` and
``a-b/n``, lists ``a,b`` — and cron's rule that when both day fields are restricted, a day
matching either one counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))


class BadSchedule(ValueError):
    """A cron expression this module cannot read; the message names the field."""


def _field(text: str, name: str, lo: int, hi: int) -> frozenset[int]:
    out: set[int] = set()
    for part in text.split(","):
        rng, _, step_s = part.partition("/")
        try:
            step = int(step_s) if step_s else 1
            if rng == "*":
                a, b = lo, hi
            elif "-" in rng:
                a_s, b_s = rng.split("-", 1)
                a, b = int(a_s), int(b_s)
            else:
                a = b = int(rng)
                if step_s:
                    b = hi
        except ValueError:
            raise BadSchedule(f"{name}: {part!r} is not a number, range or step") from None
        if step < 1 or not (lo <= a <= b <= hi):
            raise BadSchedule(f"{name}: {part!r} is outside {lo}-{hi}")
        out.update(range(a, b + 1, step))
    return frozenset(out)


@dataclass(frozen=True)
class Schedule:
    """A parsed cron expression in a time zone."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    any_day: bool
    any_weekday: bool
    tz: ZoneInfo

    @classmethod
    def parse(cls, expr: str, tz: str) -> Schedule:
        parts = expr.split()
        if len(parts) != 5:
            raise BadSchedule(f"{expr!r}: a cron expression has five fields")
        sets = [_field(p, *f) for p, f in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        try:
            zone = ZoneInfo(tz)
        except (KeyError, ValueError):
            raise BadSchedule(f"time zone {tz!r} is unknown") from None
        return cls(sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*",
                   parts[4] == "*", zone)

    def _day_matches(self, d: date) -> bool:
        if d.month not in self.months:
            return False
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def last_fire(self, now: datetime) -> datetime | None:
        """The latest time at or before ``now`` (aware) when the schedule fired, in UTC;
        None if it did not fire in the year before ``now``."""
        local = now.astimezone(self.tz).replace(second=0, microsecond=0)
        day = local.date()
        for back in range(367):
            d = day - timedelta(days=back)
            if not self._day_matches(d):
                continue
            for h in sorted(self.hours, reverse=True):
                for m in sorted(self.minutes, reverse=True):
                    at = datetime(d.year, d.month, d.day, h, m, tzinfo=self.tz)
                    if at <= local:
                        return at.astimezone(UTC)
        return None
