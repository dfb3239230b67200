"""The working-time and pay assessment of gig workers (指南 第三十条) over whole Beijing
weeks: the stored segments read as columns and handed to the pure rules
(``domain.assess``); findings by worker and by rule, and the aggregate report. Nothing is
written: the same reading serves the report, the CLI and the posture checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.errors import InvalidInput
from zeren.timepolicy import beijing_today
from zeren.workers import domain as d
from zeren.workers.models import LogSegment, Worker
from zeren.workers.services.register import READ

UNITS = {"daily_order_time": "seconds", "continuous_work": "seconds", "rest_day": "days",
         "minimum_pay": "fen_per_hour"}


@dataclass(frozen=True)
class Assessed:
    result: d.Assessment
    refs: list[str]


def last_weeks(now: datetime, weeks: int | None = None) -> tuple[date, int]:
    """The last whole Beijing weeks before the one holding ``now``: (first Monday, weeks)."""
    n = int(weeks or d.data()["checks"]["window_weeks"])
    return d.monday_on_or_before(beijing_today(now)) - timedelta(days=7 * n), n


def assess(session: Session, platform_id: str, first: date, weeks: int) -> Assessed:
    """Read the segments of the weeks (and any that began up to a day before and run into
    them) and assess them (no permission: the checks read it too)."""
    if first.weekday() != 0:
        raise InvalidInput("the assessed period starts on a Monday", field="from")
    if not 1 <= weeks <= 53:
        raise InvalidInput("weeks must be between 1 and 53", field="weeks")
    lim = d.limits()
    day0 = d.day_number(first)
    lo = int(d.instant(day0).timestamp()) - lim.max_segment_s
    hi = int(d.instant(day0 + 7 * weeks).timestamp())
    g = LogSegment
    rows = session.execute(select(g.worker_id, g.start_s, g.end_s, g.pay_fen).where(
        g.platform_id == platform_id, g.start_s >= lo, g.start_s < hi)
        .order_by(g.worker_id, g.start_s)).all()
    # Rows flattened straight into one array (numpy.array over Row objects is 50x slower).
    cols = np.fromiter(chain.from_iterable(rows), dtype=np.int64,
                       count=4 * len(rows)).reshape(-1, 4)
    ids, worker = np.unique(cols[:, 0], return_inverse=True)
    info: dict[int, tuple[str, str]] = {}
    id_list = [int(x) for x in ids]
    for k in range(0, len(id_list), 5000):
        for wid, ref, city in session.execute(select(Worker.id, Worker.worker_ref, Worker.city)
                                              .where(Worker.id.in_(id_list[k:k + 5000]))):
            info[int(wid)] = (ref, city)
    refs = [info[i][0] for i in id_list]
    wage = np.array([d.minimum_wage(info[i][1]) for i in id_list], dtype=np.int64)
    log = d.Log.of(worker, cols[:, 1], cols[:, 2], cols[:, 3], len(id_list))
    return Assessed(d.assess(log, first_day=day0, weeks=weeks, wage_fen=wage, lim=lim), refs)


def _limit_text(rule: str) -> tuple[str, str]:
    lim = d.data()["limits"]
    return {
        "daily_order_time": (f"≤ {lim['daily_order_hours']} h a day",
                             lim["daily_order_hours_source"]),
        "continuous_work": (f"≤ {lim['continuous_hours']} h without a "
                            f"{lim['pause_minutes']} min pause", lim["continuous_source"]),
        "rest_day": (f"≤ {lim['max_work_days_per_week']} working days a week",
                     lim["rest_source"]),
        "minimum_pay": ("≥ the city's minimum hourly wage", lim["pay_source"]),
    }[rule]


def report(*, session: Session, actor: Actor, platform_id: str, first: date, weeks: int,
           limit: int = 100) -> dict[str, Any]:
    """The aggregate report of the weeks: per rule what was assessed and breached, the
    findings by worker then rule (at most ``limit``), and breaches per worker."""
    actor.require(READ, platform_id)
    got = assess(session, platform_id, first, weeks)
    res = got.result
    rules = []
    found: list[tuple[int, str, int, int, int]] = []
    for name in d.RULES:
        f = res.rules[name]
        text, source = _limit_text(name)
        rules.append({"rule": name, "assessed": f.assessed, "breaches": f.breaches,
                      "workers_breaching": f.workers_breaching, "limit": text,
                      "source": source})
        found.extend(zip(f.worker.tolist(), [name] * f.breaches, f.day.tolist(),
                         f.value.tolist(), f.limit.tolist(), strict=True))
    found.sort(key=lambda x: (got.refs[x[0]], d.RULES.index(x[1]), x[2]))
    per: dict[str, int] = {}
    for w, *_ in found:
        per[got.refs[w]] = per.get(got.refs[w], 0) + 1
    by_worker = dict(sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])
    return {"first_day": first, "weeks": weeks, "segments": res.segments,
            "workers_active": res.workers_active, "rules": rules,
            "findings": [{"worker_id": got.refs[w], "rule": r, "day": d.day_of(day),
                          "value": v, "limit": lm, "unit": UNITS[r]}
                         for w, r, day, v, lm in found[:limit]],
            "findings_total": len(found), "by_worker": by_worker}
