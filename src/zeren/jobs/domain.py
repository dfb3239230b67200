"""Pure job vocabulary: schedules and when a job is due. No database here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from zeren.config import Settings

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Every:
    """Due when ``seconds`` have passed since the last run started."""

    seconds: int

    def due(self, last: datetime | None, now: datetime) -> bool:
        return last is None or now - last >= timedelta(seconds=self.seconds)

    def describe(self) -> str:
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class DailyAt:
    """Due once a day, at or after ``at`` local time in ``tz`` (Beijing time by default)."""

    at: time
    tz: str = "Asia/Shanghai"

    def due(self, last: datetime | None, now: datetime) -> bool:
        zone = ZoneInfo(self.tz)
        local_now = now.astimezone(zone)
        today_slot = datetime.combine(local_now.date(), self.at, tzinfo=zone)
        slot = today_slot if local_now >= today_slot else today_slot - timedelta(days=1)
        return last is None or last.astimezone(zone) < slot

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} {self.tz}"


Schedule = Every | DailyAt


@dataclass(frozen=True)
class JobContext:
    """``session`` is the unit of work the runner commits together with the record of the run.
    A job with ``own_transactions`` commits its own work through ``engine`` instead and leaves
    ``session`` alone (on SQLite a second writer inside one read snapshot would fail).
    ``settings`` are the settings of the app or command that runs the job (its data folder,
    its limits): a job never reads the process-wide settings itself."""

    session: Session
    now: datetime
    engine: Engine
    settings: Settings


@dataclass(frozen=True)
class Job:
    """A named, scheduled unit of work; ``run`` returns a small summary kept with the run."""

    name: str
    title_zh: str
    title_en: str
    schedule: Schedule
    run: Callable[[JobContext], dict[str, Any]]
    own_transactions: bool = False
