"""Systems with their 等级保护 level, incident response plans and their drills (指南 第二十五条)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.security.models import Drill, Plan, System
from zeren.security.schemas import DrillIn, PlanIn, SystemIn

READ = "security.read"
WRITE = "security.write"


def _today(now: datetime) -> object:
    from zeren.security.domain import BEIJING

    return now.astimezone(BEIJING).date()


def add_system(*, session: Session, actor: Actor, platform_id: str, data: SystemIn) -> System:
    actor.require(WRITE, platform_id)
    if session.scalar(select(System.id).where(System.platform_id == platform_id,
                                              System.code == data.code)):
        raise Conflict(f"system {data.code!r} exists", details={"field": "code"})
    sysm = System(platform_id=platform_id, **data.model_dump())
    session.add(sysm)
    session.flush()
    record(session=session, actor=actor, action="security.system.add", target_type="system",
           target_id=sysm.id, platform_id=platform_id, after=row_dict(sysm),
           summary={"code": data.code, "mlps_level": data.mlps_level})
    return sysm


def systems(*, session: Session, actor: Actor, platform_id: str) -> list[System]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(System).where(System.platform_id == platform_id)
                                .order_by(System.code)))


def system_by_code(*, session: Session, platform_id: str, code: str, field: str) -> System:
    s = session.scalar(select(System).where(System.platform_id == platform_id,
                                            System.code == code))
    if s is None:
        raise InvalidInput(f"no system {code!r} on this platform", field=field)
    return s


def add_plan(*, session: Session, actor: Actor, platform_id: str, data: PlanIn,
             now: datetime | None = None) -> Plan:
    actor.require(WRITE, platform_id)
    if data.approved_on > _today(now or utcnow()):  # type: ignore[operator]
        raise InvalidInput("approved_on is in the future", field="approved_on")
    plan = Plan(platform_id=platform_id, created_by=actor.username, **data.model_dump())
    session.add(plan)
    session.flush()
    record(session=session, actor=actor, action="security.plan.add", target_type="plan",
           target_id=plan.id, platform_id=platform_id, after=row_dict(plan),
           summary={"title": data.title, "version": data.version})
    return plan


def plans(*, session: Session, actor: Actor, platform_id: str) -> list[Plan]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Plan).where(Plan.platform_id == platform_id)
                                .order_by(Plan.approved_on.desc())))


def record_drill(*, session: Session, actor: Actor, platform_id: str, data: DrillIn,
                 now: datetime | None = None) -> Drill:
    actor.require(WRITE, platform_id)
    plan = session.get(Plan, data.plan_id)
    if plan is None or plan.platform_id != platform_id:
        raise NotFound("no such plan on this platform", details={"field": "plan_id"})
    if data.held_on > _today(now or utcnow()):  # type: ignore[operator]
        raise InvalidInput("held_on is in the future", field="held_on")
    drill = Drill(platform_id=platform_id, recorded_by=actor.username, **data.model_dump())
    session.add(drill)
    session.flush()
    record(session=session, actor=actor, action="security.drill.record", target_type="drill",
           target_id=drill.id, platform_id=platform_id, after=row_dict(drill),
           summary={"plan": plan.title, "held_on": data.held_on.isoformat()})
    return drill


def drills(*, session: Session, actor: Actor, platform_id: str) -> list[Drill]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Drill).where(Drill.platform_id == platform_id)
                                .order_by(Drill.held_on.desc())))
