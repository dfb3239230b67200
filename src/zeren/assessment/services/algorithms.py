"""The algorithm register and emergency plans (指南 第七条). Algorithms in the filing fields
of 算法推荐管理规定 Art 24 (name, form, domain, type, self-assessment, disclosure; the filing
number once granted, due 10 working days after launch), each review kept with the Art 17
user-facing options it checked; emergency plans (应急预案) with their drills (date, scenario,
outcome). The platform's side (``assessment.assess``) writes; every change is audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Algorithm, AlgorithmReview, Drill, EmergencyPlan
from zeren.assessment.schemas import (
    AlgorithmChange,
    AlgorithmIn,
    AlgorithmReviewIn,
    DrillIn,
    PlanIn,
)
from zeren.assessment.services.risks import ASSESS, READ
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.timepolicy import beijing_today


def _not_future(field: str, day: date, today: date) -> None:
    if day > today:
        raise InvalidInput(f"{field} {day} lies in the future (today is {today} in Beijing)",
                           field=field)


def _filing(number: str | None, filed_on: date | None) -> None:
    if (number is None) != (filed_on is None):
        raise InvalidInput("a filing needs both its number and the day it was granted",
                           field="filed_on" if filed_on is None else "filing_number")


def register_algorithm(*, session: Session, actor: Actor, platform_id: str, data: AlgorithmIn,
                       now: datetime | None = None) -> Algorithm:
    actor.require(ASSESS, platform_id)
    rules = d.algorithm_rules()
    if data.algorithm_type not in rules.types:
        raise InvalidInput(f"no algorithm type {data.algorithm_type!r} "
                           f"({', '.join(rules.types)})", field="algorithm_type")
    if data.system not in d.catalogue().systems:
        raise InvalidInput(f"no system {data.system!r} in the system register",
                           field="system")
    today = beijing_today(now or utcnow())
    _not_future("launched_on", data.launched_on, today)
    _filing(data.filing_number, data.filed_on)
    if data.filed_on is not None:
        _not_future("filed_on", data.filed_on, today)
    a = Algorithm(platform_id=platform_id, name=data.name, form=data.form, domain=data.domain,
                  algorithm_type=data.algorithm_type, system=data.system,
                  self_assessment=data.self_assessment, disclosure=data.disclosure,
                  launched_on=data.launched_on,
                  filing_due_on=d.add_working_days(data.launched_on, rules.filing_working_days),
                  filing_number=data.filing_number, filed_on=data.filed_on,
                  created_by=actor.username, updated_at=utcnow())
    session.add(a)
    session.flush()
    record(session=session, actor=actor, action="assessment.algorithm.register",
           target_type="algorithm", target_id=a.id, platform_id=platform_id,
           after=row_dict(a), summary={"name": a.name, "type": a.algorithm_type})
    return a


def get_algorithm(*, session: Session, actor: Actor, algorithm_id: str) -> Algorithm:
    a = session.get(Algorithm, algorithm_id)
    if a is None:
        raise NotFound(f"no algorithm {algorithm_id}", details={"algorithm_id": algorithm_id})
    actor.require(READ, a.platform_id)
    return a


def change_algorithm(*, session: Session, actor: Actor, algorithm_id: str,
                     data: AlgorithmChange, now: datetime | None = None) -> Algorithm:
    """Update the self-assessment, the disclosure, or record the filing number granted."""
    a = get_algorithm(session=session, actor=actor, algorithm_id=algorithm_id)
    actor.require(ASSESS, a.platform_id)
    number = data.filing_number if data.filing_number is not None else a.filing_number
    filed = data.filed_on if data.filed_on is not None else a.filed_on
    _filing(number, filed)
    if data.filed_on is not None:
        _not_future("filed_on", data.filed_on, beijing_today(now or utcnow()))
    before = row_dict(a)
    for name, value in data.model_dump(exclude_none=True).items():
        setattr(a, name, value)
    a.updated_at = utcnow()
    session.flush()
    record(session=session, actor=actor, action="assessment.algorithm.change",
           target_type="algorithm", target_id=a.id, platform_id=a.platform_id, before=before,
           after=row_dict(a), summary={"changed": sorted(data.model_dump(exclude_none=True))})
    return a


def algorithms(*, session: Session, actor: Actor, platform_id: str) -> list[Algorithm]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Algorithm).where(Algorithm.platform_id == platform_id)
                                .order_by(Algorithm.system, Algorithm.name)))


def review(*, session: Session, actor: Actor, algorithm_id: str, data: AlgorithmReviewIn,
           now: datetime | None = None) -> AlgorithmReview:
    """A review of the algorithm: each Art 17 option its type calls for must be checked; a
    review that passes an algorithm whose option does not work is refused."""
    a = get_algorithm(session=session, actor=actor, algorithm_id=algorithm_id)
    actor.require(ASSESS, a.platform_id)
    rules = d.algorithm_rules()
    _not_future("reviewed_on", data.reviewed_on, beijing_today(now or utcnow()))
    for k in data.options:
        if k not in rules.options:
            raise InvalidInput(f"no user-facing option {k!r} ({', '.join(rules.options)})",
                               field=f"options.{k}")
    for k in rules.options_for(a.algorithm_type):
        if k not in data.options:
            raise InvalidInput(f"a review of a {a.algorithm_type} algorithm checks {k} "
                               f"({rules.options[k]['en']})", field=f"options.{k}")
    failing = d.missing_options(a.algorithm_type, data.options)
    if data.outcome == "pass" and failing:
        raise InvalidInput(f"cannot pass the algorithm: {', '.join(failing)} not working",
                           field="outcome")
    r = AlgorithmReview(algorithm_id=a.id, platform_id=a.platform_id,
                        reviewed_on=data.reviewed_on, outcome=data.outcome,
                        options=dict(data.options), notes=data.notes, by=actor.username)
    session.add(r)
    session.flush()
    record(session=session, actor=actor, action="assessment.algorithm.review",
           target_type="algorithm", target_id=a.id, platform_id=a.platform_id,
           after=row_dict(r), summary={"outcome": r.outcome, "options": r.options})
    return r


def reviews(*, session: Session, algorithm_ids: list[str]) -> dict[str, list[AlgorithmReview]]:
    """Reviews per algorithm, newest first."""
    out: dict[str, list[AlgorithmReview]] = {i: [] for i in algorithm_ids}
    if algorithm_ids:
        for r in session.scalars(select(AlgorithmReview).where(
                AlgorithmReview.algorithm_id.in_(algorithm_ids))
                .order_by(AlgorithmReview.reviewed_on.desc(), AlgorithmReview.created_at.desc())):
            out[r.algorithm_id].append(r)
    return out


def add_plan(*, session: Session, actor: Actor, platform_id: str, data: PlanIn
             ) -> EmergencyPlan:
    actor.require(ASSESS, platform_id)
    kinds = d.catalogue().kinds
    if data.risk_kind not in kinds:
        raise InvalidInput(f"no Art 6 kind {data.risk_kind!r} ({', '.join(kinds)})",
                           field="risk_kind")
    p = EmergencyPlan(platform_id=platform_id, title=data.title, scenario=data.scenario,
                      risk_kind=data.risk_kind, owner=data.owner, created_by=actor.username)
    session.add(p)
    session.flush()
    record(session=session, actor=actor, action="assessment.plan.add", target_type="plan",
           target_id=p.id, platform_id=platform_id, after=row_dict(p),
           summary={"title": p.title})
    return p


def plans(*, session: Session, actor: Actor, platform_id: str) -> list[EmergencyPlan]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(EmergencyPlan).where(
        EmergencyPlan.platform_id == platform_id).order_by(EmergencyPlan.title)))


def drill(*, session: Session, actor: Actor, plan_id: str, data: DrillIn,
          now: datetime | None = None) -> Drill:
    """A drill held (a past or today's date), with its outcome."""
    p = session.get(EmergencyPlan, plan_id)
    if p is None:
        raise NotFound(f"no emergency plan {plan_id}", details={"plan_id": plan_id})
    actor.require(ASSESS, p.platform_id)
    _not_future("held_on", data.held_on, beijing_today(now or utcnow()))
    x = Drill(plan_id=p.id, platform_id=p.platform_id, held_on=data.held_on,
              scenario=data.scenario, outcome=data.outcome, notes=data.notes,
              by=actor.username)
    session.add(x)
    session.flush()
    record(session=session, actor=actor, action="assessment.plan.drill", target_type="plan",
           target_id=p.id, platform_id=p.platform_id, after=row_dict(x),
           summary={"held_on": x.held_on.isoformat(), "outcome": x.outcome})
    return x


def drills(*, session: Session, plan_ids: list[str]) -> dict[str, list[Drill]]:
    """Drills per plan, newest first."""
    out: dict[str, list[Drill]] = {i: [] for i in plan_ids}
    if plan_ids:
        for x in session.scalars(select(Drill).where(Drill.plan_id.in_(plan_ids))
                                 .order_by(Drill.held_on.desc(), Drill.created_at.desc())):
            out[x.plan_id].append(x)
    return out
