"""Interoperability requests (指南 第三条): requests from other operators or users to connect
to a service of the platform, recorded with the day a decision is due, and decided once —
a refusal names a justified ground from the data and its reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.governance import domain as d
from zeren.governance.errors import AlreadyDecided, rejected
from zeren.governance.models import InteropRequest
from zeren.governance.schemas import InteropDecisionIn, InteropIn
from zeren.pagination import PageParams, fetch_page
from zeren.timepolicy import beijing_today

READ = "governance.read"
WRITE = "governance.write"


def record_request(*, session: Session, actor: Actor, platform_id: str, data: InteropIn,
                   now: datetime | None = None) -> InteropRequest:
    """Record a request as received; its decision falls due on ``deadline`` (never before
    receipt) or the default number of days after."""
    actor.require(WRITE, platform_id)
    if data.received_on > beijing_today(now or utcnow()):
        raise InvalidInput("received_on is in the future", field="received_on")
    try:
        deadline = d.interop_deadline(data.received_on, data.deadline)
    except d.Rejected as exc:
        raise rejected(exc) from None
    req = InteropRequest(platform_id=platform_id, requester=data.requester,
                         requester_kind=data.requester_kind, service=data.service,
                         asked=data.asked, received_on=data.received_on, deadline=deadline,
                         reasons="", recorded_by=actor.username)
    session.add(req)
    session.flush()
    record(session=session, actor=actor, action="governance.interop.record",
           target_type="interop_request", target_id=req.id, platform_id=platform_id,
           after=row_dict(req), summary={"requester": data.requester,
                                         "deadline": deadline.isoformat()})
    return req


def get_request(*, session: Session, actor: Actor, platform_id: str, request_id: str
                ) -> InteropRequest:
    actor.require(READ, platform_id)
    req = session.get(InteropRequest, request_id)
    if req is None or req.platform_id != platform_id:
        raise NotFound(f"no interoperability request {request_id} on this platform",
                       details={"field": "request_id"})
    return req


def decide(*, session: Session, actor: Actor, platform_id: str, request_id: str,
           data: InteropDecisionIn, now: datetime | None = None) -> InteropRequest:
    """Decide a request once (a conditional UPDATE: a second decision is refused, 409)."""
    req = get_request(session=session, actor=actor, platform_id=platform_id,
                      request_id=request_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    at = data.decided_at or now
    if at > now:
        raise InvalidInput("decided_at is in the future", field="decided_at")
    if beijing_today(at) < req.received_on:
        raise InvalidInput("decided_at is before the request was received", field="decided_at")
    try:
        d.check_interop_decision(data.decision, data.ground, data.reasons)
    except d.Rejected as exc:
        raise rejected(exc) from None
    before = row_dict(req)
    done = session.execute(
        update(InteropRequest)
        .where(InteropRequest.id == req.id, InteropRequest.decision.is_(None))
        .values(decision=data.decision, ground=data.ground or None, reasons=data.reasons,
                decided_at=at, decided_by=actor.username)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyDecided("this request is already decided", details={"id": req.id})
    session.refresh(req)
    record(session=session, actor=actor, action="governance.interop.decide",
           target_type="interop_request", target_id=req.id, platform_id=platform_id,
           before=before, after=row_dict(req),
           summary={"decision": data.decision, "ground": data.ground})
    return req


def list_requests(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                  open_only: bool = False) -> tuple[list[InteropRequest], int]:
    actor.require(READ, platform_id)
    q = select(InteropRequest).where(InteropRequest.platform_id == platform_id)
    if open_only:
        q = q.where(InteropRequest.decision.is_(None))
    return fetch_page(session, q.order_by(InteropRequest.received_on.desc(),
                                          InteropRequest.id), params)
