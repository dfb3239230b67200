"""Cases and queues (指南 Art 12): the queues (from data), the most urgent case next, claims
(never two moderators on one case: a conditional UPDATE decides), comments, escalation by
hand or by the SLA clock, the case page, and choosing cases for a bulk action."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, union_all, update
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.moderation import domain as d
from zeren.moderation.models import Case, CaseEvent, Measure, Report, Subject
from zeren.moderation.services.common import case_event
from zeren.moderation.services.statements import judged_content_of
from zeren.moderation.services.subjects import get_subject
from zeren.pagination import PageParams, fetch_page


def get_case(*, session: Session, case_id: str) -> Case:
    c = session.get(Case, case_id)
    if c is None:
        raise NotFound(f"no case {case_id}", details={"field": "case_id"})
    return c


def all_queues() -> list[str]:
    r = d.routing()
    names = [d.escalation_queue(), *(str(x["queue"]) for x in r.get("rule", [])),
             str(r["default_queue"])]
    return list(dict.fromkeys(names))


def _cases(platform_id: str, status: str | None, queue: str | None, category: str | None
           ) -> Select[Any]:
    q = select(Case).where(Case.platform_id == platform_id)
    if status:
        q = q.where(Case.status == status)
    if queue:
        q = q.where(Case.queue == queue)
    if category:
        q = q.where(Case.category == category)
    return q.order_by(Case.priority.desc(), Case.sla_due_at, Case.id)


def list_cases(*, session: Session, actor: Actor, platform_id: str,
               status: str | None = None, queue: str | None = None,
               category: str | None = None, offset: int = 0, limit: int = 50) -> list[Case]:
    """Cases of a platform, most urgent first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return list(session.scalars(_cases(platform_id, status, queue, category)
                                .offset(offset).limit(limit)))


def cases_page(*, session: Session, actor: Actor, platform_id: str, page: PageParams,
               status: str | None = None, queue: str | None = None,
               category: str | None = None) -> tuple[list[Case], int]:
    """A page of a platform's cases, most urgent first, and how many match
    (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return fetch_page(session, _cases(platform_id, status, queue, category), page)


def peek_next(*, session: Session, platform_id: str, queues: Sequence[str] | None = None
              ) -> str | None:
    """The most urgent open case across ``queues``: one index seek per queue, all in one
    round trip (UNION ALL of per-queue LIMIT 1)."""
    parts = [select(Case.priority, Case.sla_due_at, Case.id).where(
        Case.platform_id == platform_id, Case.status == d.CaseStatus.OPEN, Case.queue == q)
        .order_by(Case.priority.desc(), Case.sla_due_at).limit(1).subquery()
        for q in (queues or all_queues())]
    if not parts:
        return None
    u = union_all(*(select(p) for p in parts)).subquery()
    row = session.execute(select(u.c.id).order_by(u.c.priority.desc(), u.c.sla_due_at)
                          .limit(1)).first()
    return str(row[0]) if row else None


def next_case(*, session: Session, actor: Actor, platform_id: str,
              queues: Sequence[str] | None = None, now: datetime | None = None) -> Case | None:
    """Claim the most urgent open case for ``actor`` (moderation.decide; retries when
    another moderator wins)."""
    actor.require("moderation.decide", platform_id)
    for _ in range(5):
        cid = peek_next(session=session, platform_id=platform_id, queues=queues)
        if cid is None:
            return None
        try:
            return _claim(session=session, actor=actor, case_id=cid, now=now)
        except Conflict:
            continue
    return None


def claim_case(*, session: Session, actor: Actor, case_id: str, now: datetime | None = None
               ) -> Case:
    """Take a case (moderation.decide): never two moderators on one case (a conditional
    UPDATE decides)."""
    actor.require("moderation.decide", get_case(session=session, case_id=case_id).platform_id)
    return _claim(session=session, actor=actor, case_id=case_id, now=now)


def _claim(*, session: Session, actor: Actor, case_id: str, now: datetime | None) -> Case:
    """Claim for an actor whose permission on the case's platform was checked."""
    now = now or utcnow()
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.OPEN, Case.claimed_by.is_(None))
        .values(status=d.CaseStatus.CLAIMED, claimed_by=actor.username, claimed_at=now,
                updated_at=now).execution_options(synchronize_session=False))
    c = get_case(session=session, case_id=case_id)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(c)
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"case_id": case_id, "decided_by": c.decided_by})
        raise Conflict(f"the case is already claimed by {c.claimed_by}", code="already_claimed",
                       details={"case_id": case_id, "claimed_by": c.claimed_by})
    session.refresh(c)
    case_event(session=session, case_id=c.id, kind="claim", actor=actor.username, at=now)
    record(session=session, actor=actor, action="moderation.case.claim", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def release_case(*, session: Session, actor: Actor, case_id: str, now: datetime | None = None
                 ) -> Case:
    """Give a claimed case back to its queue (moderation.decide; only its holder)."""
    actor.require("moderation.decide", get_case(session=session, case_id=case_id).platform_id)
    now = now or utcnow()
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.CLAIMED,
        Case.claimed_by == actor.username)
        .values(status=d.CaseStatus.OPEN, claimed_by=None, claimed_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    c = get_case(session=session, case_id=case_id)
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("only the moderator holding a case can release it", code="not_claimed",
                       details={"claimed_by": c.claimed_by, "status": c.status})
    case_event(session=session, case_id=c.id, kind="release", actor=actor.username, at=now)
    record(session=session, actor=actor, action="moderation.case.release", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def comment(*, session: Session, actor: Actor, case_id: str, text: str) -> Case:
    """Add a comment to a case's history (moderation.decide)."""
    c = get_case(session=session, case_id=case_id)
    actor.require("moderation.decide", c.platform_id)
    case_event(session=session, case_id=c.id, kind="comment", actor=actor.username,
                  data={"text": text})
    record(session=session, actor=actor, action="moderation.case.comment", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def escalate(*, session: Session, actor_name: str, c: Case, reason: str, now: datetime,
             keep_claim: bool) -> None:
    c.escalations += 1
    c.escalated_at = now
    c.queue = d.escalation_queue()
    c.priority = d.priority(severity=c.severity, reports=c.report_count,
                            sources=c.sources.split(","), escalations=c.escalations)
    if not keep_claim:
        c.status, c.claimed_by, c.claimed_at = d.CaseStatus.OPEN, None, None
    c.updated_at = now
    case_event(session=session, case_id=c.id, kind="escalation", actor=actor_name,
                  data={"reason": reason, "level": c.escalations}, at=now)


def escalate_case(*, session: Session, actor: Actor, case_id: str, reason: str,
                  now: datetime | None = None) -> Case:
    """Send a case up to senior moderators (the claim is released). A claimed case is
    escalated only by the moderator holding it or by a moderation admin of its platform; a
    conditional UPDATE decides, so a claim taken meanwhile is not released by someone else."""
    now = now or utcnow()
    c = get_case(session=session, case_id=case_id)
    actor.require("moderation.decide", c.platform_id)
    cond = [Case.id == case_id, Case.status != d.CaseStatus.DECIDED]
    if not actor.can("moderation.admin", c.platform_id):
        cond.append(or_(Case.claimed_by.is_(None), Case.claimed_by == actor.username))
    res = session.execute(update(Case).where(*cond).values(
        escalations=Case.escalations + 1, escalated_at=now, queue=d.escalation_queue(),
        status=d.CaseStatus.OPEN, claimed_by=None, claimed_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"decided_by": c.decided_by})
        raise Conflict(f"the case is claimed by {c.claimed_by}; only they or a moderation "
                       "admin can escalate it", code="already_claimed",
                       details={"case_id": case_id, "claimed_by": c.claimed_by})
    c.priority = d.priority(severity=c.severity, reports=c.report_count,
                            sources=c.sources.split(","), escalations=c.escalations)
    case_event(session=session, case_id=c.id, kind="escalation", actor=actor.username,
                  data={"reason": reason, "level": c.escalations}, at=now)
    record(session=session, actor=actor, action="moderation.case.escalate", target_type="case",
           target_id=c.id, platform_id=c.platform_id, summary={"reason": reason})
    return c


def escalate_overdue(*, session: Session, now: datetime, limit: int = 1000) -> int:
    """Every undecided case past its deadline records its breach once (``sla_breached_at``,
    kept apart from escalation, so a case escalated by hand still records it) and
    escalates."""
    due = session.scalars(select(Case).where(
        Case.status.in_([d.CaseStatus.OPEN, d.CaseStatus.CLAIMED]), Case.sla_due_at < now,
        Case.sla_breached_at.is_(None)).limit(limit)).all()
    n = 0
    for c in due:
        res = session.execute(update(Case).where(Case.id == c.id,
                                                 Case.sla_breached_at.is_(None),
                                                 Case.status != d.CaseStatus.DECIDED)
                              .values(sla_breached_at=now)
                              .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            continue  # decided, or another clock run recorded it
        session.refresh(c)
        n += 1
        case_event(session=session, case_id=c.id, kind="sla_breached", actor="system:sla",
                      data={"due": c.sla_due_at.isoformat()}, at=now)
        escalate(session=session, actor_name="system:sla", c=c, now=now, keep_claim=True,
                 reason=f"SLA deadline {c.sla_due_at.isoformat()} passed")
    return n


def case_page(*, session: Session, actor: Actor, case_id: str, events_limit: int = 500
              ) -> dict[str, Any]:
    """Everything a case page shows (moderation.read): the case, its subject and owner,
    reports, history and measures."""
    c = get_case(session=session, case_id=case_id)
    actor.require("moderation.read", c.platform_id)
    subject = get_subject(session=session, subject_id=c.subject_id)
    owner = session.get(Subject, subject.owner_id) if subject.owner_id else None
    reports = list(session.scalars(select(Report).where(Report.case_id == c.id)
                                   .order_by(Report.created_at).limit(100)))
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id)
                                  .order_by(CaseEvent.seq).limit(events_limit)))
    measures = list(session.scalars(select(Measure).where(Measure.case_id == c.id)
                                    .order_by(Measure.created_at)))
    return {"case": c, "subject": subject, "owner": owner, "reports": reports,
            "events": events, "measures": measures,
            "judged": judged_content_of(session=session, case_id=c.id)}


def bulk_preview(*, session: Session, actor: Actor, platform_id: str,
                 case_ids: Sequence[str], queue: str | None, category: str | None, limit: int
                 ) -> tuple[list[Case], list[dict[str, str]]]:
    """The undecided cases a bulk action would touch, and those it would skip (why);
    nothing changes (moderation.decide)."""
    actor.require("moderation.decide", platform_id)
    skipped: list[dict[str, str]] = []
    if case_ids:
        found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
        chosen = []
        for cid in case_ids:
            c = found.get(cid)
            if c is None or c.platform_id != platform_id:
                skipped.append({"case_id": cid, "reason": "not a case of this platform"})
            elif c.status == d.CaseStatus.DECIDED:
                skipped.append({"case_id": cid, "reason": "already decided"})
            else:
                chosen.append(c)
        return chosen, skipped
    if queue is None and category is None:
        raise InvalidInput("name case_ids, a queue or a category", field="case_ids")
    q = select(Case).where(Case.platform_id == platform_id, Case.status != d.CaseStatus.DECIDED)
    if queue:
        q = q.where(Case.queue == queue)
    if category:
        q = q.where(Case.category == category)
    return list(session.scalars(q.order_by(Case.priority.desc(), Case.sla_due_at)
                                .limit(limit))), skipped


def bulk_confirm(*, session: Session, platform_id: str, case_ids: Sequence[str]) -> list[Case]:
    """The cases a confirmed bulk action decides: exactly ``case_ids`` (the ids its preview
    showed), never a fresh selection. Every id must be an undecided case of this platform;
    if any is not, none is decided and the refusal names ``case_ids`` and each id's reason."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InvalidInput("name the case_ids the preview showed", field="case_ids")
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
    refused: list[dict[str, str]] = []
    for cid in ids:
        c = found.get(cid)
        if c is None or c.platform_id != platform_id:
            refused.append({"case_id": cid, "reason": "not a case of this platform"})
        elif c.status == d.CaseStatus.DECIDED:
            refused.append({"case_id": cid, "reason": "not open: already decided"})
    if refused:
        raise InvalidInput(
            f"{len(refused)} of the case_ids cannot be decided; none was",
            details={"field": "case_ids", "refused": refused})
    return [found[cid] for cid in ids]
