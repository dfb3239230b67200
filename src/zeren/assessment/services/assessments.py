"""The yearly risk assessment (风险评估, 指南 第六条): a dated run over a period. Indicators
are pulled from the live modules and kept as evidence snapshots; people judge each register
risk (likelihood, impact, residual risk); the compliance officer signs, then a second
approver; the next assessment falls due one interval (a year, from data) after. Sign-off with
a required indicator missing or a risk unjudged is refused, naming each, and nothing is
written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Assessment, IndicatorSnapshot, Judgement, Risk, Signoff
from zeren.assessment.schemas import AssessmentIn, JudgementIn, SignoffIn
from zeren.assessment.services import indicators as ind
from zeren.assessment.services.risks import ASSESS, READ
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, Forbidden, InvalidInput, NotFound
from zeren.timepolicy import beijing_today

APPROVE = "assessment.approve"


def start(*, session: Session, actor: Actor, platform_id: str, data: AssessmentIn,
          now: datetime | None = None) -> Assessment:
    """Open a yearly assessment of the platform over a period already past."""
    actor.require(ASSESS, platform_id)
    why = d.check_period(data.period_start, data.period_end, now or utcnow())
    if why:
        raise InvalidInput(why, field="period_end")
    a = Assessment(platform_id=platform_id, title=data.title, period_start=data.period_start,
                   period_end=data.period_end, status=d.AssessmentStatus.IN_PROGRESS.value,
                   created_by=actor.username)
    session.add(a)
    session.flush()
    record(session=session, actor=actor, action="assessment.assessment.start",
           target_type="assessment", target_id=a.id, platform_id=platform_id,
           after=row_dict(a), summary={"title": a.title})
    return a


def get(*, session: Session, actor: Actor, assessment_id: str) -> Assessment:
    a = session.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"no assessment {assessment_id}", details={"assessment_id": assessment_id})
    actor.require(READ, a.platform_id)
    return a


def list_for(*, session: Session, actor: Actor, platform_id: str) -> list[Assessment]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Assessment).where(Assessment.platform_id == platform_id)
                                .order_by(Assessment.period_end.desc(), Assessment.id)))


def _open(session: Session, actor: Actor, assessment_id: str) -> Assessment:
    a = get(session=session, actor=actor, assessment_id=assessment_id)
    actor.require(ASSESS, a.platform_id)
    if a.status != d.AssessmentStatus.IN_PROGRESS:
        raise Conflict(f"assessment {a.id} is signed; start a new one",
                       details={"assessment_id": a.id, "status": a.status})
    return a


def _digest(platform_id: str, a: Assessment, key: str, value: Any, source: str) -> str:
    body = json.dumps({"platform_id": platform_id, "assessment_id": a.id, "key": key,
                       "value": value, "source": source,
                       "period": [a.period_start.isoformat(), a.period_end.isoformat()]},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def pull_indicators(*, session: Session, actor: Actor, assessment_id: str,
                    now: datetime | None = None) -> list[IndicatorSnapshot]:
    """Pull every indicator for the period from the modules and keep them as a new set."""
    a = _open(session, actor, assessment_id)
    got = ind.pull(session=session, actor=actor, platform_id=a.platform_id,
                   start=a.period_start, end=a.period_end)
    n = int(session.scalar(select(func.coalesce(func.max(IndicatorSnapshot.pull), 0))
                           .where(IndicatorSnapshot.assessment_id == a.id)) or 0) + 1
    at = now or utcnow()
    rows = [IndicatorSnapshot(assessment_id=a.id, platform_id=a.platform_id, pull=n, key=i.key,
                              value={"value": i.value}, source=i.source,
                              sha256=_digest(a.platform_id, a, i.key, i.value, i.source),
                              taken_at=at, taken_by=actor.username) for i in got]
    session.add_all(rows)
    session.flush()
    record(session=session, actor=actor, action="assessment.indicators.pull",
           target_type="assessment", target_id=a.id, platform_id=a.platform_id,
           summary={"pull": n, "indicators": {r.key: r.sha256 for r in rows}})
    return rows


def indicators(*, session: Session, assessment_id: str) -> list[IndicatorSnapshot]:
    """The newest pulled set (empty when none)."""
    n = session.scalar(select(func.max(IndicatorSnapshot.pull))
                       .where(IndicatorSnapshot.assessment_id == assessment_id))
    if n is None:
        return []
    order = list(d.catalogue().indicators)
    rows = list(session.scalars(select(IndicatorSnapshot).where(
        IndicatorSnapshot.assessment_id == assessment_id, IndicatorSnapshot.pull == n)))
    return sorted(rows, key=lambda r: order.index(r.key) if r.key in order else len(order))


def judge(*, session: Session, actor: Actor, assessment_id: str, data: JudgementIn
          ) -> Judgement:
    """A judgement of one register risk in this assessment (a later one supersedes it)."""
    a = _open(session, actor, assessment_id)
    r = session.get(Risk, data.risk_id)
    if r is None or r.platform_id != a.platform_id:
        raise InvalidInput(f"no risk {data.risk_id} on this platform's register",
                           field="risk_id")
    cat = d.catalogue()
    j = Judgement(assessment_id=a.id, risk_id=r.id, likelihood=data.likelihood,
                  impact=data.impact, residual_likelihood=data.residual_likelihood,
                  residual_impact=data.residual_impact,
                  level=cat.level(data.likelihood, data.impact).key,
                  residual_level=cat.level(data.residual_likelihood, data.residual_impact).key,
                  text=data.text, by=actor.username)
    session.add(j)
    session.flush()
    record(session=session, actor=actor, action="assessment.judgement.add",
           target_type="assessment", target_id=a.id, platform_id=a.platform_id,
           after=row_dict(j), summary={"risk": r.key, "level": j.level,
                                       "residual_level": j.residual_level})
    return j


def judgements(*, session: Session, assessment_id: str) -> list[Judgement]:
    """The standing judgement of each risk (the newest per risk)."""
    newest: dict[str, Judgement] = {}
    for j in session.scalars(select(Judgement).where(Judgement.assessment_id == assessment_id)
                             .order_by(Judgement.created_at, Judgement.id)):
        newest[j.risk_id] = j
    return list(newest.values())


def signoffs(*, session: Session, assessment_id: str) -> list[Signoff]:
    return list(session.scalars(select(Signoff).where(Signoff.assessment_id == assessment_id)
                                .order_by(Signoff.created_at)))


def blockers(*, session: Session, a: Assessment) -> list[tuple[str, str]]:
    got = indicators(session=session, assessment_id=a.id)
    values = {r.key: r.value.get("value") for r in got} if got else None
    risk_ids = list(session.scalars(select(Risk.id).where(Risk.platform_id == a.platform_id)
                                    .order_by(Risk.kind, Risk.key)))
    judged = [j.risk_id for j in judgements(session=session, assessment_id=a.id)]
    return d.signoff_blockers(indicators=values, required=d.catalogue().required_indicators,
                              risk_ids=risk_ids, judged=judged)


def sign(*, session: Session, actor: Actor, assessment_id: str, data: SignoffIn,
         now: datetime | None = None) -> Assessment:
    """Sign off: first the compliance officer (the role), then a second approver (another
    person holding ``assessment.approve``). Refused, with every reason, while an indicator is
    missing or a risk unjudged; the second sign-off makes the assessment signed and sets the
    next one due an interval later."""
    a = _open(session, actor, assessment_id)
    have = {s.role: s for s in signoffs(session=session, assessment_id=a.id)}
    role = d.SignoffRole(data.role)
    if role in have:
        raise Conflict(f"the {role.value} has already signed assessment {a.id}",
                       details={"field": "role"})
    if role == d.SignoffRole.OFFICER and "compliance_officer" not in actor.roles:
        raise Forbidden(f"{actor.username} is not a compliance officer",
                        details={"field": "role", "role": "compliance_officer"})
    if role == d.SignoffRole.APPROVER:
        actor.require(APPROVE, a.platform_id)
        officer = have.get(d.SignoffRole.OFFICER.value)
        if officer is None:
            raise InvalidInput("the compliance officer signs first", field="role")
        if officer.user_id == actor.user_id:
            raise InvalidInput("the second approver must be another person than the "
                               f"officer ({officer.username})", field="role")
    why = blockers(session=session, a=a)
    if why:
        raise InvalidInput(f"assessment {a.id} cannot be signed: "
                           + "; ".join(reason for _, reason in why),
                           details={"field": why[0][0], "blockers": [
                               {"field": f, "reason": r} for f, r in why]})
    session.add(Signoff(assessment_id=a.id, role=role.value, user_id=actor.user_id,
                        username=actor.username, note=data.note))
    before = row_dict(a)
    if role == d.SignoffRole.APPROVER:
        today = beijing_today(now or utcnow())
        a.status = d.AssessmentStatus.SIGNED.value
        a.signed_on = today
        a.next_due_on = d.next_due(today, d.catalogue().interval)
    session.flush()
    record(session=session, actor=actor, action=f"assessment.signoff.{role.value}",
           target_type="assessment", target_id=a.id, platform_id=a.platform_id,
           before=before, after=row_dict(a), summary={"role": role.value, "status": a.status})
    return a


@dataclass(frozen=True)
class Signed:
    assessment: Assessment
    kinds: frozenset[str]
    systems: frozenset[str]


def newest_signed(*, session: Session, platform_id: str, since: date) -> Signed | None:
    """The newest signed assessment signed on or after ``since``, with the Art 6 kinds and
    systems its judgements covered (for the posture)."""
    a = session.scalars(select(Assessment).where(
        Assessment.platform_id == platform_id,
        Assessment.status == d.AssessmentStatus.SIGNED.value, Assessment.signed_on >= since)
        .order_by(Assessment.signed_on.desc(), Assessment.id).limit(1)).first()
    if a is None:
        return None
    judged = {j.risk_id for j in judgements(session=session, assessment_id=a.id)}
    rows = session.execute(select(Risk.kind, Risk.systems).where(Risk.id.in_(judged))).all()
    return Signed(a, frozenset(k for k, _ in rows),
                  frozenset(s for _, systems in rows for s in systems))


def last_signed_ever(*, session: Session, platform_id: str) -> Assessment | None:
    return session.scalars(select(Assessment).where(
        Assessment.platform_id == platform_id,
        Assessment.status == d.AssessmentStatus.SIGNED.value)
        .order_by(Assessment.signed_on.desc()).limit(1)).first()
