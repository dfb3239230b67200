"""Consumer complaints and online dispute resolution (指南 Art 28): complaint → merchant reply
deadline → platform mediation → outcome, with the deadlines of data/deadlines.toml."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, NotFound
from zeren.moderation import domain as d
from zeren.moderation.models import Complaint, ComplaintEvent
from zeren.moderation.schemas import ComplaintIn, SubjectIn
from zeren.moderation.services.subjects import upsert_subjects
from zeren.moderation.services.transitions import move


def _event(session: Session, c: Complaint, kind: str, actor: str, now: datetime,
           data: dict[str, object] | None = None) -> None:
    session.add(ComplaintEvent(complaint_id=c.id, kind=kind, actor=actor, data=data or {},
                               created_at=now))


def _move(session: Session, c: Complaint, to: d.ComplaintStatus) -> None:
    move(session=session, row=c, model=Complaint, machine=d.COMPLAINT_TRANSITIONS, to=to, noun="a complaint")


def get_complaint(*, session: Session, complaint_id: str) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise NotFound(f"no complaint {complaint_id}", details={"field": "complaint_id"})
    return c


def file_complaint(*, session: Session, actor: Actor, platform_id: str, body: ComplaintIn,
                   now: datetime | None = None) -> Complaint:
    """A consumer complaint against a merchant (moderation.write); the merchant's reply
    deadline starts."""
    actor.require("moderation.write", platform_id)
    now = now or utcnow()
    mid = upsert_subjects(session=session, platform_id=platform_id, now=now, items=[SubjectIn(
        kind=d.SubjectKind.MERCHANT, external_ref=body.merchant.external_ref,
        display_name=body.merchant.display_name)])[0]
    c = Complaint(receipt=d.receipt_number("C", now), platform_id=platform_id,
                  consumer_ref=body.consumer_ref, consumer_contact=body.consumer_contact,
                  merchant_id=mid, order_ref=body.order_ref, description=body.description,
                  claim=body.claim, status=d.ComplaintStatus.AWAITING_MERCHANT,
                  merchant_reply_due_at=d.merchant_reply_due(now))
    session.add(c)
    session.flush()
    _event(session, c, "filed", actor.username, now, {"reply_due": c.merchant_reply_due_at
                                                      .isoformat()})
    record(session=session, actor=actor, action="moderation.complaint.file",
           target_type="complaint", target_id=c.id, platform_id=platform_id)
    return c


def merchant_reply(*, session: Session, actor: Actor, complaint_id: str, reply: str,
                   accepted: bool, now: datetime | None = None) -> Complaint:
    """The merchant answers; if the consumer's claim is accepted the complaint is resolved,
    otherwise the platform mediates (moderation.write)."""
    now = now or utcnow()
    c = get_complaint(session=session, complaint_id=complaint_id)
    actor.require("moderation.write", c.platform_id)
    if c.status != d.ComplaintStatus.AWAITING_MERCHANT:
        raise Conflict(f"the complaint is {c.status}; the merchant can no longer reply",
                       code="invalid_transition")
    if accepted:
        _move(session, c, d.ComplaintStatus.RESOLVED)
        c.outcome, c.resolved_at = f"merchant accepted: {reply}", now
    else:
        _move(session, c, d.ComplaintStatus.MEDIATION)
        c.mediation_due_at = d.mediation_due(now)
    c.merchant_reply, c.replied_at = reply, now
    _event(session, c, "merchant_reply", actor.username, now, {"accepted": accepted})
    record(session=session, actor=actor, action="moderation.complaint.reply",
           target_type="complaint", target_id=c.id, platform_id=c.platform_id)
    return c


def mediate(*, session: Session, actor: Actor, complaint_id: str, settled: bool, outcome: str,
            now: datetime | None = None) -> Complaint:
    """The platform's mediation ends, settled or not (moderation.decide)."""
    now = now or utcnow()
    c = get_complaint(session=session, complaint_id=complaint_id)
    actor.require("moderation.decide", c.platform_id)
    _move(session, c, d.ComplaintStatus.RESOLVED if settled else d.ComplaintStatus.CLOSED_UNRESOLVED)
    c.mediator, c.outcome, c.resolved_at = actor.username, outcome, now
    _event(session, c, "mediation_outcome", actor.username, now, {"settled": settled})
    record(session=session, actor=actor, action="moderation.complaint.mediate",
           target_type="complaint", target_id=c.id, platform_id=c.platform_id,
           summary={"settled": settled})
    return c


def run_deadlines(*, session: Session, now: datetime) -> int:
    """A merchant that let the reply deadline pass: the platform mediates."""
    due = session.scalars(select(Complaint).where(
        Complaint.status == d.ComplaintStatus.AWAITING_MERCHANT,
        Complaint.merchant_reply_due_at <= now)).all()
    done = 0
    for c in due:
        try:
            with session.begin_nested():
                _move(session, c, d.ComplaintStatus.MEDIATION)
        except Conflict:
            continue  # the merchant replied meanwhile
        done += 1
        c.mediation_due_at = d.mediation_due(now)
        _event(session, c, "merchant_overdue", "system:odr", now, {})
    return done


def list_complaints(*, session: Session, actor: Actor, platform_id: str, limit: int = 200
                    ) -> list[Complaint]:
    """Complaints of a platform, newest first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return list(session.scalars(select(Complaint).where(Complaint.platform_id == platform_id)
                                .order_by(Complaint.created_at.desc()).limit(limit)))
