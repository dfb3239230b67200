"""Consumer complaints and online dispute resolution (指南 Art 28): complaint → merchant reply
deadline → platform mediation → outcome, with the deadlines of data/deadlines.toml.

Each step is taken by its own party (data/transitions.toml) and checked against the
complaint: the merchant complained about answers (through its inbox link, or a platform
system naming that merchant); the platform mediates only once the merchant answered or its
reply window passed. Anyone else gets 403 ``wrong_party`` and nothing changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, NotFound
from zeren.moderation import domain as d
from zeren.moderation.errors import WrongParty
from zeren.moderation.models import Complaint, ComplaintEvent, Forwarding, Subject
from zeren.moderation.schemas import ComplaintIn, MerchantReplyIn, PublicMerchantReplyIn, SubjectIn
from zeren.moderation.services.common import link_hash, new_link_secret, party_actor
from zeren.moderation.services.forwarding import forward, forwardings_of
from zeren.moderation.services.subjects import account_by_inbox, upsert_subjects
from zeren.moderation.services.transitions import move


def _event(session: Session, c: Complaint, kind: str, actor: str, now: datetime,
           data: dict[str, object] | None = None) -> None:
    session.add(ComplaintEvent(complaint_id=c.id, kind=kind, actor=actor, data=data or {},
                               created_at=now))


def _move(session: Session, c: Complaint, to: d.ComplaintStatus, party: d.Party) -> None:
    move(session=session, row=c, model=Complaint, machine=d.COMPLAINT_MACHINE, to=to,
         noun="a complaint", party=party)


def get_complaint(*, session: Session, complaint_id: str) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise NotFound(f"no complaint {complaint_id}", details={"field": "complaint_id"})
    return c


def complaint_by_consumer_link(*, session: Session, token: str) -> Complaint:
    """The complaint behind a consumer's secret link."""
    c = session.scalar(select(Complaint).where(
        Complaint.consumer_token_hash == link_hash(token))) if token else None
    if c is None:
        raise NotFound("no complaint at this address", details={"field": "token"})
    return c


def file_complaint(*, session: Session, actor: Actor, platform_id: str, body: ComplaintIn,
                   now: datetime | None = None) -> tuple[Complaint, str]:
    """A consumer complaint against a merchant (moderation.write); the merchant's reply
    deadline starts. Returns the complaint and the consumer's link secret, shown once."""
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
    token, c.consumer_token_hash = new_link_secret()
    session.add(c)
    session.flush()
    _event(session, c, "filed", actor.username, now, {"reply_due": c.merchant_reply_due_at
                                                      .isoformat()})
    forward(session=session, platform_id=platform_id, kind="complaint_to_merchant", now=now,
            complaint_id=c.id, merchant=session.get(Subject, mid),
            deadline=c.merchant_reply_due_at,
            content={"complaint_id": c.id, "receipt": c.receipt, "order_ref": c.order_ref,
                     "description": c.description, "claim": c.claim})
    record(session=session, actor=actor, action="moderation.complaint.file",
           target_type="complaint", target_id=c.id, platform_id=platform_id)
    return c, token


def merchant_reply(*, session: Session, actor: Actor, complaint_id: str,
                   body: MerchantReplyIn, now: datetime | None = None) -> Complaint:
    """A platform system sends the answer of the merchant it names (moderation.write); that
    merchant must be the one complained about."""
    c = get_complaint(session=session, complaint_id=complaint_id)
    actor.require("moderation.write", c.platform_id)
    merchant = session.get(Subject, c.merchant_id)
    if merchant is None or merchant.external_ref != body.merchant_ref:
        raise WrongParty("only the merchant complained about may answer",
                         details={"complaint_id": c.id, "field": "merchant_ref"})
    return _reply(session=session, actor=actor, c=c, body=body, now=now)


def merchant_reply_from_inbox(*, session: Session, token: str, complaint_id: str,
                              body: PublicMerchantReplyIn, now: datetime | None = None
                              ) -> Complaint:
    """The merchant answers from its own inbox link (no login: the link is the key)."""
    acc = account_by_inbox(session=session, token=token)
    c = get_complaint(session=session, complaint_id=complaint_id)
    if c.merchant_id != acc.id:
        raise WrongParty("only the merchant complained about may answer",
                         details={"complaint_id": c.id})
    return _reply(session=session, actor=party_actor("merchant", acc.external_ref), c=c,
                  body=body, now=now)


def _reply(*, session: Session, actor: Actor, c: Complaint, body: PublicMerchantReplyIn,
           now: datetime | None) -> Complaint:
    """The merchant answers within its window: accepting the consumer's claim resolves the
    complaint, refusing it sends it to the platform's mediation."""
    now = now or utcnow()
    if c.status != d.ComplaintStatus.AWAITING_MERCHANT:
        raise Conflict(f"the complaint is {c.status}; the merchant can no longer reply",
                       code="invalid_transition", details={"status": c.status})
    if now > c.merchant_reply_due_at:
        raise Conflict("the merchant's reply window has passed; the platform mediates",
                       code="reply_window_passed",
                       details={"merchant_reply_due_at": c.merchant_reply_due_at.isoformat()})
    if body.accepted:
        _move(session, c, d.ComplaintStatus.RESOLVED_BY_MERCHANT, d.Party.MERCHANT)
        c.outcome, c.resolved_at = f"merchant accepted: {body.reply}", now
    else:
        _move(session, c, d.ComplaintStatus.MEDIATION, d.Party.MERCHANT)
        c.mediation_due_at = d.mediation_due(now)
    c.merchant_reply, c.replied_at = body.reply, now
    _event(session, c, "merchant_reply", actor.username, now, {"accepted": body.accepted})
    forward(session=session, platform_id=c.platform_id, kind="reply_to_consumer", now=now,
            complaint_id=c.id, content={"complaint_id": c.id, "receipt": c.receipt,
                                        "reply": body.reply, "accepted": body.accepted})
    record(session=session, actor=actor, action="moderation.complaint.reply",
           target_type="complaint", target_id=c.id, platform_id=c.platform_id)
    return c


def mediate(*, session: Session, actor: Actor, complaint_id: str, settled: bool, outcome: str,
            now: datetime | None = None) -> Complaint:
    """The platform's mediation ends, settled or not (moderation.decide). Only from
    ``mediation``: a complaint still waiting for the merchant is mediated only once the
    merchant's reply window has passed (it then moves to mediation first, as the clock would
    have moved it)."""
    now = now or utcnow()
    c = get_complaint(session=session, complaint_id=complaint_id)
    actor.require("moderation.decide", c.platform_id)
    if c.status == d.ComplaintStatus.AWAITING_MERCHANT:
        if now <= c.merchant_reply_due_at:
            raise Conflict("the merchant's reply window is still open; the platform mediates "
                           "after the merchant answers or the window passes",
                           code="merchant_reply_pending",
                           details={"merchant_reply_due_at":
                                    c.merchant_reply_due_at.isoformat()})
        _to_mediation_overdue(session, c, now)
    to = (d.ComplaintStatus.RESOLVED_IN_MEDIATION if settled
          else d.ComplaintStatus.CLOSED_UNRESOLVED)
    _move(session, c, to, d.Party.MEDIATOR)
    c.mediator, c.outcome, c.resolved_at = actor.username, outcome, now
    _event(session, c, "mediation_outcome", actor.username, now, {"settled": settled})
    record(session=session, actor=actor, action="moderation.complaint.mediate",
           target_type="complaint", target_id=c.id, platform_id=c.platform_id,
           summary={"settled": settled})
    return c


def _to_mediation_overdue(session: Session, c: Complaint, now: datetime) -> None:
    _move(session, c, d.ComplaintStatus.MEDIATION, d.Party.SYSTEM)
    c.mediation_due_at = d.mediation_due(now)
    _event(session, c, "merchant_overdue", "system:odr", now, {})


def run_deadlines(*, session: Session, now: datetime) -> int:
    """A merchant that let the reply deadline pass: the platform mediates."""
    due = session.scalars(select(Complaint).where(
        Complaint.status == d.ComplaintStatus.AWAITING_MERCHANT,
        Complaint.merchant_reply_due_at <= now)).all()
    done = 0
    for c in due:
        try:
            with session.begin_nested():
                _to_mediation_overdue(session, c, now)
        except Conflict:
            continue  # the merchant replied meanwhile
        done += 1
    return done


def outcome_counts(*, session: Session, actor: Actor, platform_id: str,
                   now: datetime | None = None) -> dict[str, int]:
    """Every complaint of the platform counted by outcome, open and late (moderation.read)."""
    actor.require("moderation.read", platform_id)
    rows = session.execute(select(Complaint.status, Complaint.created_at,
                                  Complaint.resolved_at).where(
        Complaint.platform_id == platform_id)).all()
    return d.complaint_outcomes([(r.status, r.created_at, r.resolved_at) for r in rows],
                                now=now or utcnow())


def list_complaints(*, session: Session, actor: Actor, platform_id: str, limit: int = 200
                    ) -> list[Complaint]:
    """Complaints of a platform, newest first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return list(session.scalars(select(Complaint).where(Complaint.platform_id == platform_id)
                                .order_by(Complaint.created_at.desc()).limit(limit)))


def consumer_view(*, session: Session, token: str) -> dict[str, Any]:
    """The consumer's page behind its link: its complaint and what was forwarded to it."""
    c = complaint_by_consumer_link(session=session, token=token)
    return {"complaint": c, "forwardings": forwardings_of(session=session, complaint_id=c.id,
                                                          to=d.Party.CONSUMER)}


def complaint_forwardings(*, session: Session, actor: Actor, complaint_id: str
                          ) -> list[Forwarding]:
    """Everything forwarded for a complaint, to every party (moderation.read)."""
    c = get_complaint(session=session, complaint_id=complaint_id)
    actor.require("moderation.read", c.platform_id)
    return forwardings_of(session=session, complaint_id=c.id)
