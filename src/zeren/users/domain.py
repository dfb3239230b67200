"""Pure rules for minors (指南 第三十一条; 未成年人保护法, 未成年人网络保护条例): the windows in
which online games may be offered to minors and the spending limits per age band, from
``data/users.toml`` with their sources. No database, no web. Times are read in Beijing."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from zeren.timepolicy import BEIJING


class Rejected(ValueError):
    """A value the rules refuse; ``field`` names the input it came from."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    raw = tomllib.loads(resources.files("zeren.users").joinpath("data/users.toml")
                        .read_text("utf-8"))
    for key in ("bands", "services", "game_time", "spending", "checks"):
        if key not in raw:
            raise ValueError(f"users.toml lacks [{key}]")
    for band in raw["bands"]:
        lim = raw["spending"].get(band)
        if not lim or not all(isinstance(lim.get(k), int) and lim[k] >= 0
                              for k in ("single", "monthly")):
            raise ValueError(f"users.toml [spending.{band}] needs single and monthly in fen")
    return raw


def one_of(value: str, section: str, field: str) -> str:
    known = data()[section]
    if value not in known:
        raise Rejected(f"{value!r} is not one of " + ", ".join(sorted(known)), field=field)
    return value


@dataclass(frozen=True)
class GameWindow:
    weekdays: frozenset[int]
    holidays: frozenset[date]
    start: time
    end: time


@lru_cache(maxsize=1)
def game_window() -> GameWindow:
    g = data()["game_time"]
    return GameWindow(frozenset(int(x) for x in g["weekdays"]),
                      frozenset(date.fromisoformat(x) for x in g["holidays"]),
                      time.fromisoformat(g["start"]), time.fromisoformat(g["end"]))


def game_allowed(start: datetime, end: datetime, w: GameWindow | None = None) -> bool:
    """Whether a game session lies wholly inside one open window: a listed weekday or a
    holiday, between the window's start and end (Beijing). Exactly the window is allowed."""
    w = w or game_window()
    a, b = start.astimezone(BEIJING), end.astimezone(BEIJING)
    day = a.date()
    if day.weekday() not in w.weekdays and day not in w.holidays:
        return False
    lo = datetime.combine(day, w.start, BEIJING)
    hi = datetime.combine(day, w.end, BEIJING)
    return lo <= a and b <= hi


@dataclass(frozen=True)
class SpendBreach:
    account: str
    payment: str
    rule: str  # single | monthly
    amount_fen: int
    limit_fen: int


def spending_breaches(payments: Iterable[tuple[str, str, str, datetime, int]]
                      ) -> list[SpendBreach]:
    """Game payments (account, payment id, age band, paid at, fen), in time order per
    account: each over the band's single limit, and each that takes the Beijing calendar
    month's total over the monthly limit. Exactly at a limit is within it."""
    out: list[SpendBreach] = []
    month: dict[tuple[str, int, int], int] = {}
    limits = data()["spending"]
    for acc, pid, band, at, fen in sorted(payments, key=lambda p: (p[0], p[3], p[1])):
        lim = limits[band]
        if fen > lim["single"]:
            out.append(SpendBreach(acc, pid, "single", fen, int(lim["single"])))
        d = at.astimezone(BEIJING)
        key = (acc, d.year, d.month)
        month[key] = month.get(key, 0) + fen
        if month[key] > lim["monthly"] and fen > 0:
            out.append(SpendBreach(acc, pid, "monthly", month[key], int(lim["monthly"])))
    return out


def window(now: datetime) -> tuple[datetime, datetime]:
    """The look-back window of the checks, ending at ``now``."""
    return now - timedelta(days=int(data()["checks"]["window_days"])), now


def month_start(t: datetime) -> datetime:
    """The start of the Beijing calendar month holding ``t``."""
    b = t.astimezone(BEIJING)
    return datetime(b.year, b.month, 1, tzinfo=BEIJING)
