"""Findings and their remediation (整改): the engagement's auditors raise findings, each naming
the obligation (hence the article), the evidence, a severity, the advice, an owner and a due
date; the platform carries out the remediation and says so; the auditor closes or reopens.
Every step is kept. An open finding past its due date weighs on the posture (``checks.py``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Finding, FindingEvent
from zeren.assessment.schemas import FindingIn, FindingMove
from zeren.assessment.services.engagements import (
    REMEDIATE,
    get,
    is_auditor_of,
    require_auditor,
)
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Forbidden, InvalidInput, NotFound
from zeren.guideline.domain import load_guideline
from zeren.timepolicy import beijing_today


def raise_finding(*, session: Session, actor: Actor, engagement_id: str, data: FindingIn
                  ) -> Finding:
    """A new finding of the engagement (its auditors only)."""
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    require_auditor(actor, e)
    ob = load_guideline().obligation(data.obligation_key)
    if ob is None:
        raise InvalidInput(f"no obligation {data.obligation_key!r} in the guideline",
                           field="obligation_key")
    for i, ref in enumerate(data.evidence_refs):
        if d.parse_ledger_ref(ref) is None:
            raise InvalidInput(f"{ref!r} is not ledger:<log>#<index>",
                               field=f"evidence_refs[{i}]")
    number = int(session.scalar(select(func.coalesce(func.max(Finding.number), 0))
                                .where(Finding.engagement_id == e.id)) or 0) + 1
    f = Finding(engagement_id=e.id, platform_id=e.platform_id, number=number,
                obligation_key=ob.key, article=ob.article, title=data.title,
                evidence=data.evidence, evidence_refs=list(data.evidence_refs),
                severity=data.severity.value, recommendation=data.recommendation,
                owner=data.owner, due_on=data.due_on, status=d.FindingStatus.OPEN.value,
                created_by=actor.username)
    session.add(f)
    session.flush()
    session.add(FindingEvent(finding_id=f.id, status=f.status, note="raised",
                             by=actor.username))
    record(session=session, actor=actor, action="assessment.finding.raise",
           target_type="finding", target_id=f.id, platform_id=e.platform_id, after=row_dict(f),
           summary={"engagement_id": e.id, "number": number, "obligation": ob.key,
                    "severity": f.severity, "due_on": f.due_on.isoformat()})
    return f


def _finding(session: Session, actor: Actor, engagement_id: str, number: int) -> Finding:
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    f = session.scalar(select(Finding).where(Finding.engagement_id == e.id,
                                             Finding.number == number))
    if f is None:
        raise NotFound(f"no finding {number} in engagement {e.id}",
                       details={"number": number})
    return f


def move(*, session: Session, actor: Actor, engagement_id: str, number: int,
         data: FindingMove) -> Finding:
    """One remediation step: the platform (``assessment.remediate``) reports progress or
    completion; the engagement's auditor closes the finding or reopens it."""
    f = _finding(session, actor, engagement_id, number)
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    cur, to = d.FindingStatus(f.status), data.status
    if is_auditor_of(actor, e):
        allowed = d.AUDITOR_MOVES[cur]
    elif actor.can(REMEDIATE, f.platform_id):
        allowed = d.PLATFORM_MOVES[cur]
    else:
        raise Forbidden(f"{actor.username} may neither remediate nor review this finding",
                        details={"permission": REMEDIATE, "engagement_id": e.id})
    if to not in allowed:
        raise InvalidInput(f"a finding that is {cur.value} cannot become {to.value} by you; "
                           f"allowed: {sorted(s.value for s in allowed) or 'none'}",
                           field="status")
    before = row_dict(f)
    f.status = to.value
    session.add(FindingEvent(finding_id=f.id, status=to.value, note=data.note,
                             by=actor.username))
    session.flush()
    record(session=session, actor=actor, action="assessment.finding.move",
           target_type="finding", target_id=f.id, platform_id=f.platform_id, before=before,
           after=row_dict(f), summary={"from": cur.value, "to": to.value, "note": data.note})
    return f


def findings(*, session: Session, actor: Actor, engagement_id: str) -> list[Finding]:
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    return list(session.scalars(select(Finding).where(Finding.engagement_id == e.id)
                                .order_by(Finding.number)))


def events(*, session: Session, actor: Actor, engagement_id: str, number: int
           ) -> list[FindingEvent]:
    f = _finding(session, actor, engagement_id, number)
    return list(session.scalars(select(FindingEvent).where(FindingEvent.finding_id == f.id)
                                .order_by(FindingEvent.created_at, FindingEvent.id)))


def overdue(f: Finding, now: datetime | None = None) -> bool:
    return d.is_overdue(f.status, f.due_on, beijing_today(now or utcnow()))


def overdue_for_platform(*, session: Session, platform_id: str, today: date) -> list[Finding]:
    """Open findings of the platform past their due date (for the posture; no actor: the
    posture's own evaluation reads them)."""
    return list(session.scalars(
        select(Finding).where(
            Finding.platform_id == platform_id,
            Finding.status.in_([d.FindingStatus.OPEN.value, d.FindingStatus.IN_PROGRESS.value]),
            Finding.due_on < today)
        .order_by(Finding.due_on)))
