"""The posture checks of network security on real records, four cases each: no data (not
assessed, ``no data:``), a breach, a near miss (just either side of the line), compliance
(met with evidence seen)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.posture.domain import CheckContext, CheckResult, Status
from zeren.posture.plugins import all_checks
from zeren.security import checks
from zeren.security import schemas as ss
from zeren.security.services import breaches, incidents, reports, systems

DAY = timedelta(days=1)
BEIJING = ZoneInfo("Asia/Shanghai")
ANSWERS = {"reporter": "周敏 0571-8888 6000"}


def run(engine: Engine, world: World, check: Any, at: datetime) -> CheckResult:
    with unit_of_work(engine) as s:
        got = check(CheckContext(session=s, platform_id=world.big_id, now=at))
    assert isinstance(got, CheckResult)
    return got


def no_data(r: CheckResult) -> bool:
    return r.status is Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def test_registered_with_their_obligations() -> None:
    got = {c.key: c.obligations for c in all_checks()}
    assert got["security.art25.plan_drilled"] == ("art25.incident_plan",)
    assert got["security.art25.reported_in_time"] == ("art25.incident_report",)
    assert got["security.art27.authority_notified"] == ("art27.breach_remedy",
                                                        "art27.breach_report")
    assert got["security.art27.individuals_notified"] == ("art27.breach_notice",)


def test_plan_drilled(engine: Engine, world: World) -> None:
    now = utcnow()
    today = now.astimezone(BEIJING).date()
    assert no_data(run(engine, world, checks.plan_drilled, now))
    with unit_of_work(engine) as s:
        plan = systems.add_plan(session=s, actor=SYSTEM, platform_id=world.big_id,
                                data=ss.PlanIn(title="应急预案", version="1",
                                               approved_on=today - 400 * DAY))
    r = run(engine, world, checks.plan_drilled, now)
    assert r.status is Status.UNMET and "never drilled" in r.reason  # breach
    with unit_of_work(engine) as s:
        systems.record_drill(session=s, actor=SYSTEM, platform_id=world.big_id,
                             data=ss.DrillIn(plan_id=plan.id, held_on=today - 365 * DAY,
                                             scenario="拖库", participants=12))
    # near miss: a drill exactly 365 days ago (Beijing calendar) is within the year; a day
    # later it is not
    r = run(engine, world, checks.plan_drilled, now)
    assert r.status is Status.MET and r.seen == 1
    assert run(engine, world, checks.plan_drilled, now + DAY).status is Status.UNMET
    with unit_of_work(engine) as s:
        systems.record_drill(session=s, actor=SYSTEM, platform_id=world.big_id,
                             data=ss.DrillIn(plan_id=plan.id, held_on=today - 30 * DAY,
                                             scenario="勒索", participants=20))
    r = run(engine, world, checks.plan_drilled, now)
    assert r.status is Status.MET and r.seen == 2  # compliance


def _incident(engine: Engine, world: World, *, detected: datetime, grade: str,
              title: str) -> str:
    with unit_of_work(engine) as s:
        return incidents.open_incident(session=s, actor=SYSTEM, platform_id=world.big_id,
                                       data=ss.IncidentIn(
            title=title, category="数据泄露", grade=grade, reporting_party="other",
            occurred_at=detected - timedelta(minutes=10), detected_at=detected,
            impact="会员手机号外泄", measures="封禁接口", cause="接口缺少频控",
            system_code="crm"), now=detected).id


def _first_report(engine: Engine, world: World, incident_id: str, at: datetime,
                  delay_reason: str = "") -> None:
    with unit_of_work(engine) as s:
        reports.submit(session=s, actor=SYSTEM, platform_id=world.big_id,
                       incident_id=incident_id, data=ss.ReportIn(
                           kind="first", answers=ANSWERS, submitted_at=at,
                           delay_reason=delay_reason))


def _system(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        systems.add_system(session=s, actor=SYSTEM, platform_id=world.big_id,
                           data=ss.SystemIn(code="crm", name="会员系统", mlps_level=3))


def test_reported_in_time(engine: Engine, world: World) -> None:
    now = utcnow()
    _system(engine, world)
    assert no_data(run(engine, world, checks.reported_in_time, now))
    _incident(engine, world, detected=now - 2 * DAY, grade="general", title="一般事件")
    assert no_data(run(engine, world, checks.reported_in_time, now))  # not reportable
    # near miss: detected 5 hours ago by an "other" operator (4 h), reported a minute before
    # the deadline
    found = now - timedelta(hours=5)
    near = _incident(engine, world, detected=found, grade="relatively_major", title="撞库")
    _first_report(engine, world, near, found + timedelta(hours=3, minutes=59))
    r = run(engine, world, checks.reported_in_time, now)
    assert r.status is Status.MET and r.seen == 1  # compliance
    # a clock still running is no breach …
    running = _incident(engine, world, detected=now - timedelta(hours=1),
                        grade="relatively_major", title="拒绝服务")
    r = run(engine, world, checks.reported_in_time, now)
    assert r.status is Status.MET and r.figures["clocks_running"] == 1
    # … until its deadline passes without a report (breach)
    r = run(engine, world, checks.reported_in_time, now + timedelta(hours=3, minutes=1))
    assert r.status is Status.UNMET and r.figures["overdue"] == 1
    # a late report, even with its reason, stays a breach of the deadline
    _first_report(engine, world, running, now)
    late = _incident(engine, world, detected=now - timedelta(hours=6),
                     grade="relatively_major", title="篡改")
    _first_report(engine, world, late, now, delay_reason="值班初判为一般事件")
    r = run(engine, world, checks.reported_in_time, now)
    assert r.status is Status.UNMET and r.figures["reports_late"] == 1
    assert len(r.inputs["late"]) == 1 and r.seen == 2
    # a year on, those incidents are outside the period
    assert no_data(run(engine, world, checks.reported_in_time, now + 366 * DAY))


def test_breach_notices(engine: Engine, world: World) -> None:
    now = utcnow()
    for c in (checks.authority_notified, checks.individuals_notified):
        assert no_data(run(engine, world, c, now))
    _system(engine, world)
    inc = _incident(engine, world, detected=now - 3 * DAY, grade="relatively_major",
                    title="会员库泄露")
    contents = {"pi_types": ["手机号码"], "cause": "撞库", "possible_harm": "诈骗电话",
                "remedial_steps": "封禁来源", "individual_actions": "修改密码",
                "contact": "privacy@jingxuan.example"}
    with unit_of_work(engine) as s:
        exempt = breaches.record_breach(session=s, actor=SYSTEM, platform_id=world.big_id,
                                        data=ss.BreachIn(
            incident_id=inc, persons_affected=300, discovered_at=now - 3 * DAY,
            individuals_exempt_reason="数据已加密且密钥未泄露，可有效避免危害", **contents))
        breaches.notify_authority(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  breach_id=exempt.id, data=ss.AuthorityNoticeIn(
                                      recipient="浙江省网信办", sent_at=now - 2 * DAY))
    # near miss: individuals not told, but the breach records why they need not be
    r = run(engine, world, checks.individuals_notified, now)
    assert r.status is Status.MET and r.figures["exempt_with_reason"] == 1
    assert run(engine, world, checks.authority_notified, now).status is Status.MET
    with unit_of_work(engine) as s:
        told = breaches.record_breach(session=s, actor=SYSTEM, platform_id=world.big_id,
                                      data=ss.BreachIn(incident_id=inc, persons_affected=2,
                                                       discovered_at=now - DAY, **contents))
    # breach: a second one nobody was told of
    for c in (checks.authority_notified, checks.individuals_notified):
        r = run(engine, world, c, now)
        assert r.status is Status.UNMET and r.inputs["not_notified"] == [told.id]
    with unit_of_work(engine) as s:
        breaches.notify_authority(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  breach_id=told.id, data=ss.AuthorityNoticeIn(
                                      recipient="浙江省网信办"))
        breaches.notify_individuals(session=s, actor=SYSTEM, platform_id=world.big_id,
                                    breach_id=told.id,
                                    recipients_csv=b"person_ref\nB-1\nB-2\n")
    later = utcnow()
    r = run(engine, world, checks.authority_notified, later)
    assert r.status is Status.MET and r.seen == 2  # compliance
    r = run(engine, world, checks.individuals_notified, later)
    assert r.status is Status.MET and r.seen == 2
    assert r.figures["individuals_notified"] == 1
