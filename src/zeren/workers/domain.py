"""Pure rules for gig workers (平台灵活就业人员, 指南 第三十条): the limits of
``data/workers.toml`` (each with its source), the validation of dispatch-log segments
(time zones, order, overlaps) and the working-time and pay checks over a whole log at once.

A dispatch log is a list of segments, each a stretch during which one worker was logged in
taking orders (waiting, or on an order), with the pay earned for orders completed in it.
The checks work on columns (NumPy arrays sorted by worker, then start), so ten million
segments are read in a few passes; no database, no web.

Days are Beijing calendar days; weeks are Beijing Monday-to-Sunday weeks. Every comparison
is strict (a value exactly at its limit is within it) and done in whole seconds and fen, so
the boundary is exact."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
BEIJING_OFFSET_S = 8 * 3600
DAY_S = 86400
EPOCH = date(1970, 1, 1)
RULES = ("daily_order_time", "continuous_work", "rest_day", "minimum_pay")


class Rejected(ValueError):
    """A value the rules refuse; ``field`` names the input it came from."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Limits:
    daily_order_s: int
    continuous_s: int
    pause_s: int
    max_work_days: int
    max_segment_s: int


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    raw = tomllib.loads(resources.files("zeren.workers").joinpath("data/workers.toml")
                        .read_text("utf-8"))
    for key in ("limits", "states", "kinds", "minimum_wage", "retention", "checks"):
        if key not in raw:
            raise ValueError(f"workers.toml lacks [{key}]")
    lim = raw["limits"]
    for key in ("daily_order_hours", "continuous_hours", "pause_minutes",
                "max_work_days_per_week", "max_segment_hours"):
        if not isinstance(lim.get(key), int | float) or lim[key] <= 0:
            raise ValueError(f"workers.toml [limits] {key} must be a positive number")
    for city, w in raw["minimum_wage"].items():
        if not isinstance(w.get("fen_per_hour"), int) or w["fen_per_hour"] <= 0 \
                or not w.get("source"):
            raise ValueError(f"workers.toml [minimum_wage.{city}] needs fen_per_hour and source")
    return raw


def limits() -> Limits:
    lim = data()["limits"]
    return Limits(daily_order_s=round(lim["daily_order_hours"] * 3600),
                  continuous_s=round(lim["continuous_hours"] * 3600),
                  pause_s=round(lim["pause_minutes"] * 60),
                  max_work_days=int(lim["max_work_days_per_week"]),
                  max_segment_s=round(lim["max_segment_hours"] * 3600))


def kinds() -> dict[str, dict[str, str]]:
    return dict(data()["kinds"])


def states() -> dict[str, dict[str, str]]:
    return dict(data()["states"])


def minimum_wage(city: str, *, field: str = "city") -> int:
    """The minimum hourly wage of ``city`` in fen; a city the data lacks is refused."""
    table = data()["minimum_wage"]
    if city not in table:
        raise Rejected(f"no minimum wage in data for city {city!r}; known: "
                       + ", ".join(sorted(table)), field=field)
    return int(table[city]["fen_per_hour"])


def one_of(value: str, vocabulary: dict[str, Any], field: str) -> str:
    if value not in vocabulary:
        raise Rejected(f"{value!r} is not one of " + ", ".join(sorted(vocabulary)), field=field)
    return value


def fen(amount: str, *, field: str) -> int:
    """A yuan amount written as a decimal string (``"12.50"``) in whole fen."""
    text = amount.strip()
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise Rejected("an amount in yuan with at most two decimals (e.g. 12.50), not "
                       f"{amount!r}", field=field)
    return int(whole) * 100 + int((frac + "00")[:2])


def beijing_day(t: datetime) -> int:
    """Days since 1970-01-01 of the Beijing calendar day holding ``t``."""
    return (int(t.timestamp()) + BEIJING_OFFSET_S) // DAY_S


def day_of(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def day_number(d: date) -> int:
    return (d - EPOCH).days


def monday_on_or_before(d: date) -> date:
    return d - timedelta(days=d.weekday())


def instant(d: int) -> datetime:
    """The UTC instant a Beijing day number starts."""
    return datetime.fromtimestamp(d * DAY_S - BEIJING_OFFSET_S, UTC)


def check_segment(start: datetime, end: datetime, lim: Limits, *, field: str) -> None:
    if start.utcoffset() is None:
        raise Rejected("starts_at needs a time zone (e.g. +08:00)", field=f"{field}.starts_at")
    if end.utcoffset() is None:
        raise Rejected("ends_at needs a time zone (e.g. +08:00)", field=f"{field}.ends_at")
    if end <= start:
        raise Rejected("ends_at must be after starts_at", field=f"{field}.ends_at")
    if (end - start).total_seconds() > lim.max_segment_s:
        raise Rejected(f"a segment longer than {lim.max_segment_s // 3600} h",
                       field=f"{field}.ends_at")


def first_overlap(worker: I64, start: I64, end: I64) -> int | None:
    """Index (in the given order) of the first segment that overlaps the one before it of
    the same worker; the arrays are sorted by worker, then start. None when none does."""
    if len(worker) < 2:
        return None
    bad = (worker[1:] == worker[:-1]) & (start[1:] < end[:-1])
    hits = np.flatnonzero(bad)
    return int(hits[0]) + 1 if len(hits) else None


@dataclass(frozen=True)
class Log:
    """Segments as columns sorted by worker then start: ``worker`` an index 0..n-1,
    ``start``/``end`` Unix seconds, ``pay_fen`` pay for the orders completed in it."""

    worker: I64
    start: I64
    end: I64
    pay_fen: I64
    workers: int

    @classmethod
    def of(cls, worker: Any, start: Any, end: Any, pay_fen: Any, workers: int) -> Log:
        w = np.asarray(worker, dtype=np.int64)
        s = np.asarray(start, dtype=np.int64)
        e = np.asarray(end, dtype=np.int64)
        p = np.asarray(pay_fen, dtype=np.int64)
        if len(w) > 1 and not ((w[1:] > w[:-1]) | ((w[1:] == w[:-1]) & (s[1:] >= s[:-1]))
                               ).all():
            order = np.lexsort((s, w))
            w, s, e, p = w[order], s[order], e[order], p[order]
        return cls(w, s, e, p, workers)


@dataclass(frozen=True)
class Findings:
    """What one rule found: for each breach the worker index, the Beijing day number (the
    Monday for weekly rules), the value and the limit it passed; how many worker-days or
    worker-weeks were assessed and how many were within the limit."""

    rule: str
    worker: I64
    day: I64
    value: I64
    limit: I64
    assessed: int

    @property
    def breaches(self) -> int:
        return len(self.worker)

    @property
    def workers_breaching(self) -> int:
        return len(np.unique(self.worker))


@dataclass(frozen=True)
class Assessment:
    first_day: int
    weeks: int
    workers_active: int
    segments: int
    rules: dict[str, Findings]


def _daily_seconds(log: Log, first_day: int, n_days: int) -> npt.NDArray[np.float64]:
    """Seconds logged in per worker and Beijing day, a segment across midnight split."""
    d0 = (log.start + BEIJING_OFFSET_S) // DAY_S
    d1 = (log.end - 1 + BEIJING_OFFSET_S) // DAY_S
    midnight = d1 * DAY_S - BEIJING_OFFSET_S
    same = d0 == d1
    first_len = np.where(same, log.end - log.start, midnight - log.start)
    cells = log.workers * n_days
    out = np.zeros(cells, dtype=np.float64)
    parts = ((log.worker, d0, first_len),
             (log.worker[~same], d1[~same], (log.end - midnight)[~same]))
    for w, day, length in parts:
        rel = day - first_day
        keep = (rel >= 0) & (rel < n_days)
        out += np.bincount(w[keep] * n_days + rel[keep], weights=length[keep],
                           minlength=cells)
    return out.reshape(log.workers, n_days)


def assess(log: Log, *, first_day: int, weeks: int, wage_fen: I64, lim: Limits) -> Assessment:
    """The four working-time and pay rules over ``weeks`` whole weeks from ``first_day`` (a
    Beijing Monday, as a day number): daily order time, continuous work without the pause,
    a rest day each week, and pay per hour worked against the minimum wage of each worker's
    city (``wage_fen[worker]``, fen per hour)."""
    if (first_day + 3) % 7:
        raise Rejected("the assessed period starts on a Monday", field="from")
    n_days = weeks * 7
    secs = _daily_seconds(log, first_day, n_days)
    active = secs > 0
    rules: dict[str, Findings] = {}

    w, d = np.nonzero(secs > lim.daily_order_s)
    rules["daily_order_time"] = Findings(
        "daily_order_time", w.astype(np.int64), (d + first_day).astype(np.int64),
        secs[w, d].astype(np.int64), np.full(len(w), lim.daily_order_s, dtype=np.int64),
        int(active.sum()))

    # Stretches of work: a gap of at least the pause (or another worker) starts a new one.
    n = len(log.worker)
    if n:
        new = np.ones(n, dtype=bool)
        new[1:] = (log.worker[1:] != log.worker[:-1]) | (log.start[1:] - log.end[:-1]
                                                          >= lim.pause_s)
        first = np.flatnonzero(new)
        last = np.r_[first[1:] - 1, n - 1]
        length = log.end[last] - log.start[first]
        sday = (log.start[first] + BEIJING_OFFSET_S) // DAY_S
        inside = (sday >= first_day) & (sday < first_day + n_days)
        over = inside & (length > lim.continuous_s)
        stretches = int(inside.sum())
    else:
        first = length = sday = over = np.zeros(0, dtype=np.int64)
        stretches = 0
    rules["continuous_work"] = Findings(
        "continuous_work", log.worker[first[over]] if n else first, sday[over],
        length[over], np.full(int(np.sum(over)), lim.continuous_s, dtype=np.int64), stretches)

    days_worked = active.reshape(log.workers, weeks, 7).sum(axis=2)
    week_active = days_worked > 0
    w, k = np.nonzero(days_worked > lim.max_work_days)
    rules["rest_day"] = Findings(
        "rest_day", w.astype(np.int64), (first_day + 7 * k).astype(np.int64),
        days_worked[w, k].astype(np.int64),
        np.full(len(w), lim.max_work_days, dtype=np.int64), int(week_active.sum()))

    week_secs = secs.reshape(log.workers, weeks, 7).sum(axis=2)
    pday = (log.end - 1 + BEIJING_OFFSET_S) // DAY_S - first_day
    keep = (pday >= 0) & (pday < n_days)
    pay = np.bincount(log.worker[keep] * weeks + pday[keep] // 7,
                      weights=log.pay_fen[keep].astype(np.float64),
                      minlength=log.workers * weeks).reshape(log.workers, weeks)
    # Below the minimum: pay × 3600 < wage × seconds, in integers (exact at the boundary).
    owed = wage_fen.astype(np.float64)[:, None] * week_secs
    low = week_active & (pay * 3600 < owed)
    w, k = np.nonzero(low)
    hourly = np.where(week_secs[w, k] > 0, pay[w, k] * 3600 / np.maximum(week_secs[w, k], 1), 0)
    rules["minimum_pay"] = Findings(
        "minimum_pay", w.astype(np.int64), (first_day + 7 * k).astype(np.int64),
        np.floor(hourly).astype(np.int64), wage_fen[w].astype(np.int64),
        int(week_active.sum()))
    return Assessment(first_day, weeks, int(active.any(axis=1).sum()),
                      int(np.sum(keep)), rules)


def plain_aggregation(log: Log) -> npt.NDArray[np.float64]:
    """The baseline the benchmark sets beside :func:`assess`: seconds per worker, one pass."""
    return np.bincount(log.worker, weights=(log.end - log.start).astype(np.float64),
                       minlength=log.workers).astype(np.float64, copy=False)
