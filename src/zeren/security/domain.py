"""Pure rules of security incidents and personal-data breaches: grades and the criteria that
set them, the reporting party's first-report deadline, the summary deadline, the running
clock, escalation points, report contents and the notice contents of 个保法 第五十七条.

The law's figures live in ``data/incidents.toml`` and ``data/breach.toml``. Time arithmetic
follows 民法典 第二百零一条、第二百零三条: a period in hours runs from the moment it starts;
a period in days does not count the day it starts and ends at 24:00 of its last day, read
in Beijing time (Asia/Shanghai has no daylight saving, so a day there is always 24 hours).
Every instant is an aware datetime; a deadline does not depend on the zone it is shown in."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def load_data(name: str) -> dict[str, Any]:
    text = resources.files("zeren.security").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


class OutOfScale(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Grade:
    code: str
    zh: str
    en: str
    rank: int
    reportable: bool


@dataclass(frozen=True)
class Criterion:
    code: str
    zh: str
    en: str
    unit: str
    thresholds: dict[str, int]  # grade → at-or-above value
    source: str


@dataclass(frozen=True)
class Party:
    code: str
    zh: str
    en: str
    first_report_hours: float
    report_to: str
    source: str


@dataclass(frozen=True)
class ReportField:
    key: str
    zh: str
    en: str
    source: str  # "incident.x", "system.x", "platform.x" or "ask"


@dataclass(frozen=True)
class ReportKind:
    code: str
    zh: str
    en: str
    fields: tuple[ReportField, ...]
    source: str


@dataclass(frozen=True)
class Rules:
    version: str
    grades: dict[str, Grade]
    criteria: dict[str, Criterion]
    parties: dict[str, Party]
    summary_days: int
    at_elapsed: tuple[float, ...]
    minutes_before: tuple[int, ...]
    reports: dict[str, ReportKind]
    mlps_levels: dict[int, str]
    drill_days: int

    def grade(self, value: str, *, field: str = "grade") -> Grade:
        v = value.strip()
        for g in self.grades.values():
            if v in (g.code, g.zh, g.en):
                return g
        raise OutOfScale(f"{value!r} is not a grade; allowed: "
                         + ", ".join(f"{g.code} ({g.zh})" for g in self.grades.values()), field)

    def party(self, value: str, *, field: str = "reporting_party") -> Party:
        if value in self.parties:
            return self.parties[value]
        raise OutOfScale(f"{value!r} is not a reporting party; allowed: "
                         + ", ".join(f"{p.code} ({p.zh})" for p in self.parties.values()), field)


@lru_cache(maxsize=1)
def rules() -> Rules:
    raw = load_data("incidents.toml")
    grades = {k: Grade(k, v["zh"], v["en"], int(v["rank"]), bool(v["reportable"]))
              for k, v in raw["grades"].items()}
    criteria = {}
    for k, v in raw["criteria"].items():
        th = {g: int(v[g]) for g in grades if g in v}
        ordered = sorted(th.items(), key=lambda kv: grades[kv[0]].rank)
        if any(a[1] >= b[1] for a, b in itertools.pairwise(ordered)):
            raise ValueError(f"criterion {k}: thresholds must rise with the grade")
        criteria[k] = Criterion(k, v["zh"], v["en"], v["unit"], th, v["source"])
    parties = {k: Party(k, v["zh"], v["en"], float(v["first_report_hours"]), v["report_to"],
                        v["source"]) for k, v in raw["parties"].items()}
    if any(p.first_report_hours <= 0 for p in parties.values()):
        raise ValueError("first-report hours must be positive")
    reports = {k: ReportKind(k, v["zh"], v["en"], tuple(
        ReportField(f["key"], f["zh"], f["en"], f["from"]) for f in v["fields"]), v["source"])
        for k, v in raw["reports"].items()}
    if set(reports) != {"first", "supplement", "summary"}:
        raise ValueError("incidents.toml needs reports first, supplement and summary")
    esc = raw["escalation"]
    if not all(0 < f < 1 for f in esc["at_elapsed"]):
        raise ValueError("escalation.at_elapsed values lie between 0 and 1")
    return Rules(str(raw["version"]), grades, criteria, parties,
                 int(raw["summary"]["days_after_handled"]), tuple(esc["at_elapsed"]),
                 tuple(int(m) for m in esc["minutes_before"]), reports,
                 {int(k): v["zh"] for k, v in raw["mlps_levels"].items()},
                 int(raw["drills"]["max_days_between"]))


def grade_by_criteria(figures: Mapping[str, int], r: Rules | None = None
                      ) -> tuple[Grade, list[str]]:
    """The lowest grade the measured figures force, and why (one line per criterion met)."""
    r = r or rules()
    best = min(r.grades.values(), key=lambda g: g.rank)
    why: list[str] = []
    for key, value in figures.items():
        c = r.criteria.get(key)
        if c is None:
            raise OutOfScale(f"unknown criterion {key!r}; known: {', '.join(r.criteria)}",
                             f"criteria.{key}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OutOfScale("a whole number ≥ 0", f"criteria.{key}")
        for g, th in sorted(c.thresholds.items(), key=lambda kv: -r.grades[kv[0]].rank):
            if value >= th:
                why.append(f"{c.zh} {value:,} ≥ {th:,} → {r.grades[g].zh}")
                if r.grades[g].rank > best.rank:
                    best = r.grades[g]
                break
    return best, why


# ----------------------------------------------------------------------- periods and clocks


def aware(at: datetime, field: str) -> datetime:
    if at.utcoffset() is None:
        raise OutOfScale("needs a time zone (e.g. 2026-03-01T09:30+08:00)", field)
    return at


def add_hours(start: datetime, hours: float) -> datetime:
    """民法典 第二百零一条第二款: a period in hours runs from the moment it starts."""
    return start + timedelta(hours=hours)


def add_days(start: datetime, days: int) -> datetime:
    """民法典 第二百零一条第一款、第二百零三条: the start day is not counted; the period ends at
    24:00 (Beijing) of its last day — returned as the instant 00:00 of the day after."""
    local = start.astimezone(BEIJING).date()
    return datetime.combine(local + timedelta(days=days + 1), time(0), tzinfo=BEIJING)


def first_report_due(*, detected_at: datetime, party: Party) -> datetime:
    return add_hours(detected_at, party.first_report_hours)


def summary_due(*, handled_at: datetime, r: Rules | None = None) -> datetime:
    return add_days(handled_at, (r or rules()).summary_days)


class ClockState(StrEnum):
    NOT_REQUIRED = "not_required"   # 无需报告
    RUNNING = "running"             # 计时中
    OVERDUE = "overdue"             # 已超时未报
    ON_TIME = "on_time"             # 按时报告
    LATE = "late"                   # 逾期报告


@dataclass(frozen=True)
class Clock:
    """A deadline and where it stands at ``now``."""

    due: datetime | None
    done_at: datetime | None
    now: datetime

    @property
    def state(self) -> ClockState:
        if self.due is None:
            return ClockState.NOT_REQUIRED
        if self.done_at is not None:
            return ClockState.ON_TIME if self.done_at <= self.due else ClockState.LATE
        return ClockState.RUNNING if self.now <= self.due else ClockState.OVERDUE

    @property
    def seconds_left(self) -> int | None:
        """Seconds to the deadline (negative once passed); None when done or not required."""
        if self.due is None or self.done_at is not None:
            return None
        return int((self.due - self.now).total_seconds())


def format_left(seconds: int) -> str:
    """``-01:05:09`` style: hours may exceed 24."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def escalation_points(*, start: datetime, due: datetime, r: Rules | None = None
                      ) -> list[tuple[str, datetime]]:
    """(stage key, when) reminders before ``due``, in time order."""
    r = r or rules()
    span = due - start
    pts = [(f"elapsed-{f:g}", start + span * f) for f in r.at_elapsed]
    pts += [(f"before-{m}m", due - timedelta(minutes=m)) for m in r.minutes_before
            if due - timedelta(minutes=m) > start]
    pts.append(("overdue", due))
    return sorted(pts, key=lambda p: p[1])


def due_escalations(*, start: datetime, due: datetime, now: datetime, done: bool,
                    r: Rules | None = None) -> list[str]:
    """The stages whose time has come while the report is still outstanding."""
    if done:
        return []
    return [k for k, at in escalation_points(start=start, due=due, r=r) if at <= now]


# ----------------------------------------------------------------------- reports


@dataclass(frozen=True)
class FilledField:
    key: str
    zh: str
    en: str
    value: Any


def fill_report(kind: str, *, facts: Mapping[str, Any], answers: Mapping[str, Any],
                r: Rules | None = None) -> tuple[list[FilledField], list[str]]:
    """The report's fields from the incident's facts (``"incident.cause"`` → value) and the
    reporter's answers (keyed by field); and the keys still missing."""
    r = r or rules()
    rk = r.reports[kind]
    out, missing = [], []
    known = {f.key for f in rk.fields}
    for extra in answers:
        if extra not in known:
            raise OutOfScale(f"{kind} reports have no field {extra!r}; fields: "
                             + ", ".join(sorted(known)), f"answers.{extra}")
    for f in rk.fields:
        value = answers.get(f.key)
        if value in (None, "", [], {}) and f.source != "ask":
            value = facts.get(f.source)
        if value in (None, "", [], {}):
            missing.append(f.key)
        out.append(FilledField(f.key, f.zh, f.en, value))
    return out, missing


@lru_cache(maxsize=1)
def breach_rules() -> dict[str, Any]:
    raw = load_data("breach.toml")
    keys = [c["key"] for c in raw["contents"]]
    if len(set(keys)) != len(keys):
        raise ValueError("breach.toml: content keys must be unique")
    return raw


def notice_contents() -> list[dict[str, str]]:
    return list(breach_rules()["contents"])


def missing_contents(values: Mapping[str, Any]) -> list[str]:
    """The 个保法 第五十七条 contents a notice still lacks."""
    return [c["key"] for c in notice_contents() if values.get(c["key"]) in (None, "", [], {})]


def render_notice(values: Mapping[str, Any], *, audience: str) -> str:
    """The notice text (zh-CN), each required content under its heading."""
    rec = breach_rules()["recipients"][audience]
    lines = [f"个人信息安全事件告知（致{rec['zh']}）", ""]
    for c in notice_contents():
        v = values.get(c["key"])
        text = "、".join(str(x) for x in v) if isinstance(v, list | tuple) else str(v)
        lines.append(f"{c['item']}{c['zh']}：{text}")
    lines += ["", f"依据：{breach_rules()['source']}"]
    return "\n".join(lines)
