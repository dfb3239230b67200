"""The Art 30 posture checks on planted logs stored through the service: no data, a breach
and a near miss (exactly at the limit, which is within it) for each rule, and compliance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from tests.conftest import World
from tests.governance.conftest import no_data, run
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.posture.domain import Status
from zeren.posture.plugins import all_checks
from zeren.timepolicy import BEIJING
from zeren.workers import checks
from zeren.workers import domain as d
from zeren.workers.schemas import SegmentIn, WorkerIn
from zeren.workers.services import logs, register

NOW = datetime(2026, 11, 30, 12, tzinfo=BEIJING)  # a Monday: the window is the 4 weeks before
WEEK = date(2026, 11, 23)
WAGE = d.minimum_wage("shanghai")


def at(day: int, hour: float) -> datetime:
    return datetime.combine(WEEK, datetime.min.time(), BEIJING) + timedelta(days=day,
                                                                          hours=hour)


def seg(worker: str, day: int, start: float, hours: float, pay: int | None = None
        ) -> SegmentIn:
    return SegmentIn(worker_id=worker, starts_at=at(day, start),
                     ends_at=at(day, start + hours), state="delivering", orders=1,
                     pay_fen=pay if pay is not None else round(WAGE * hours))


def plant(engine: Engine, world: World, segments: list[SegmentIn]) -> None:
    with unit_of_work(engine) as s:
        names = sorted({x.worker_id for x in segments})
        have = register.ids_by_ref(s, world.big_id, set(names))
        new = [WorkerIn(worker_id=n, kind="rider", city="shanghai") for n in names
               if n not in have]
        if new:
            register.register_workers(session=s, actor=SYSTEM, platform_id=world.big_id,
                                      workers=new)
        logs.import_segments(session=s, actor=SYSTEM, platform_id=world.big_id,
                             segments=segments)


def test_registered_for_article_30() -> None:
    got = {c.key: c for c in all_checks()}
    assert got["workers.art30.working_time"].article == 30
    assert got["workers.art30.fair_pay"].obligations == ("art30.gig_workers",)


def test_no_log_is_no_data(engine: Engine, world: World) -> None:
    assert no_data(run(engine, world, checks.working_time, NOW))
    assert no_data(run(engine, world, checks.fair_pay, NOW))
    # a log older than the window is no data either
    plant(engine, world, [seg("old", -35, 9, 2)])
    assert no_data(run(engine, world, checks.working_time, NOW))


def test_near_misses_are_met(engine: Engine, world: World) -> None:
    # 8 h a day exactly in 2 h stretches 20 min apart, 4 h continuous exactly, 6 days a
    # week, pay exactly at the minimum wage
    near = [seg("a", 0, 8 + i * (2 + 1 / 3), 2) for i in range(4)]
    near += [seg("b", 0, 9, 4)]
    near += [seg("c", k, 9, 1) for k in range(6)]
    plant(engine, world, near)
    got = run(engine, world, checks.working_time, NOW)
    assert got.status is Status.MET, got.reason
    assert got.figures["workers_active"] == 3 and got.seen > 0
    got = run(engine, world, checks.fair_pay, NOW)
    assert got.status is Status.MET, got.reason


def test_each_breach_is_unmet(engine: Engine, world: World) -> None:
    plant(engine, world, [seg("a", 0, 8 + i * (2 + 1 / 3), 2) for i in range(4)]
          + [seg("a", 0, 18, 0.01)])  # 8 h 36 s in the day
    got = run(engine, world, checks.working_time, NOW)
    assert got.status is Status.UNMET and got.figures["daily_order_time"]["breaches"] == 1
    assert got.inputs["workers"] == {"daily_order_time": ["a"]}
    plant(engine, world, [seg("b", 1, 9, 4), seg("b", 1, 13 + 10 / 60, 0.5)])  # 10-min gap
    got = run(engine, world, checks.working_time, NOW)
    assert got.figures["continuous_work"]["breaches"] == 1
    plant(engine, world, [seg("c", k, 9, 1) for k in range(7)])
    got = run(engine, world, checks.working_time, NOW)
    assert got.figures["rest_day"]["workers_breaching"] == 1
    assert got.status is Status.UNMET
    plant(engine, world, [seg("d", 2, 20, 1, pay=WAGE - 1)])
    got = run(engine, world, checks.fair_pay, NOW)
    assert got.status is Status.UNMET and got.inputs["workers"] == {"minimum_pay": ["d"]}


def test_another_platform_is_not_read(engine: Engine, world: World) -> None:
    plant(engine, world, [seg("c", k, 9, 1) for k in range(7)])
    assert no_data(run(engine, world, checks.working_time, NOW, platform=world.small_id))
