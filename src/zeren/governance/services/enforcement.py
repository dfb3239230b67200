"""Enforcement requests (指南 第三十四条: 配合监管执法部门履职，依法提供数据资料；依法保存数据):
each request with its authority, document number, legal basis, scope and deadline; the export
produced by a query bound to that scope (only this platform's records, only the period and
subjects asked for), kept with its SHA-256, which is appended to the ledger; every read of an
export recorded; and retention holds that stop the erasure of ledger records in scope until
the request is closed (the ledger asks through ``zeren_erasure_holds``)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zeren.audit.models import AuditEvent
from zeren.audit.service import canonical_json, record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.governance import domain as d
from zeren.governance.errors import rejected
from zeren.governance.models import (
    EnforcementExport,
    EnforcementRequest,
    ExportAccess,
    RetentionHold,
)
from zeren.governance.schemas import EnforcementIn, ExportAccessIn
from zeren.ledger import models as lm
from zeren.ledger.outbox import Item, enqueue
from zeren.pagination import PageParams, fetch_page
from zeren.timepolicy import beijing_today

READ = "governance.read"
WRITE = "governance.write"
EXPORT = "governance.enforcement"  # produce and read exports (not matched by *.read)


def datasets() -> dict[str, d.Term]:
    return d.terms(d.data()["enforcement"]["datasets"])


def record_request(*, session: Session, actor: Actor, platform_id: str, data: EnforcementIn,
                   now: datetime | None = None) -> EnforcementRequest:
    """Record a request; with ``hold`` a retention hold covers the ledger records in scope."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    try:
        d.one_of(data.dataset, datasets(), "dataset")
    except d.Rejected as exc:
        raise rejected(exc) from None
    if data.until <= data.since:
        raise InvalidInput("until is not after since", field="until")
    if data.received_on > beijing_today(now):
        raise InvalidInput("received_on is in the future", field="received_on")
    if data.deadline < data.received_on:
        raise InvalidInput(f"deadline {data.deadline} is before the request was received "
                           f"({data.received_on})", field="deadline")
    prefix = data.subject_prefix
    if data.dataset == "ledger_records":
        if f":{platform_id}:" not in prefix:
            raise InvalidInput("subject_prefix must name this platform, e.g. "
                               f"order:{platform_id}:", field="subject_prefix")
    elif prefix:
        raise InvalidInput("subject_prefix applies to ledger_records only",
                           field="subject_prefix")
    req = EnforcementRequest(
        platform_id=platform_id, authority=data.authority,
        document_number=data.document_number, legal_basis=data.legal_basis,
        dataset=data.dataset, scope={"since": data.since.isoformat(),
                                     "until": data.until.isoformat(), "subject_prefix": prefix},
        received_on=data.received_on, deadline=data.deadline, status="open",
        recorded_by=actor.username)
    session.add(req)
    session.flush()
    if data.hold and data.dataset == "ledger_records":
        session.add(RetentionHold(platform_id=platform_id, request_id=req.id,
                                  subject_prefix=prefix, placed_by=actor.username,
                                  reason=f"{data.authority} {data.document_number}"))
    record(session=session, actor=actor, action="governance.enforcement.record",
           target_type="enforcement_request", target_id=req.id, platform_id=platform_id,
           after=row_dict(req), summary={"authority": data.authority,
                                         "document_number": data.document_number,
                                         "dataset": data.dataset, "hold": data.hold})
    return req


def get_request(*, session: Session, actor: Actor, platform_id: str, request_id: str
                ) -> EnforcementRequest:
    actor.require(READ, platform_id)
    req = session.get(EnforcementRequest, request_id)
    if req is None or req.platform_id != platform_id:
        raise NotFound(f"no enforcement request {request_id} on this platform",
                       details={"field": "request_id"})
    return req


def list_requests(*, session: Session, actor: Actor, platform_id: str, params: PageParams
                  ) -> tuple[list[EnforcementRequest], int]:
    actor.require(READ, platform_id)
    q = select(EnforcementRequest).where(EnforcementRequest.platform_id == platform_id)
    return fetch_page(session, q.order_by(EnforcementRequest.received_on.desc(),
                                          EnforcementRequest.id), params)


def _scoped_rows(session: Session, req: EnforcementRequest) -> list[dict[str, Any]]:
    """The one query an export may run: the request's dataset, this platform's records only,
    within its period (and subject prefix). Refused past the row cap rather than cut."""
    since = datetime.fromisoformat(req.scope["since"])
    until = datetime.fromisoformat(req.scope["until"])
    cap = int(d.data()["enforcement"]["max_rows"])
    out: list[dict[str, Any]] = []
    if req.dataset == "audit_events":
        a = AuditEvent
        q = (select(a.seq, a.at, a.actor_name, a.action, a.target_type, a.target_id,
                    a.summary)
             .where(a.platform_id == req.platform_id, a.at >= since, a.at < until)
             .order_by(a.seq).limit(cap + 1))
        out = [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor_name,
                "action": r.action, "target_type": r.target_type, "target_id": r.target_id,
                "summary": r.summary} for r in session.execute(q)]
    elif req.dataset == "ledger_records":
        s, lg = lm.SubjectKey, lm.Log
        prefix = str(req.scope["subject_prefix"])
        q = (select(lg.name, s.idx, s.subject).join(lg, lg.id == s.log_id)
             .where(s.subject.startswith(prefix, autoescape=True))
             .order_by(lg.name, s.idx).limit(cap + 1))
        out = [{"log": r.name, "index": r.idx, "subject": r.subject}
               for r in session.execute(q)]
    if len(out) > cap:
        raise Conflict(f"the scope matches more than {cap} rows; narrow the period",
                       details={"field": "scope", "max_rows": cap})
    return out


def produce_export(*, session: Session, actor: Actor, platform_id: str, request_id: str,
                   now: datetime | None = None) -> EnforcementExport:
    """Run the request's scoped query, keep the result with its SHA-256, append the digest
    to the ledger (through the outbox, after commit) and mark the request produced."""
    req = get_request(session=session, actor=actor, platform_id=platform_id,
                      request_id=request_id)
    actor.require(EXPORT, platform_id)
    now = now or utcnow()
    if req.status == "closed":
        raise Conflict("the request is closed", details={"status": req.status})
    rows = _scoped_rows(session, req)
    content = "".join(canonical_json(r).decode("utf-8") + "\n" for r in rows)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    exp = EnforcementExport(request_id=req.id, platform_id=platform_id, rows=len(rows),
                            sha256=digest, content=content, produced_by=actor.username)
    session.add(exp)
    session.flush()
    session.execute(update(EnforcementRequest).where(EnforcementRequest.id == req.id)
                    .values(status="produced", produced_on=beijing_today(now))
                    .execution_options(synchronize_session=False))
    session.refresh(req)
    enqueue(session=session, item=Item(
        record_class="enforcement_export",
        record={"platform_id": platform_id, "request_id": req.id, "export_id": exp.id,
                "authority": req.authority, "document_number": req.document_number,
                "dataset": req.dataset, "rows": len(rows), "sha256": digest},
        subject=f"enforcement:{platform_id}:{req.id}", at=now))
    record(session=session, actor=actor, action="governance.enforcement.export",
           target_type="enforcement_export", target_id=exp.id, platform_id=platform_id,
           summary={"request_id": req.id, "rows": len(rows), "sha256": digest})
    return exp


def list_exports(*, session: Session, actor: Actor, platform_id: str, request_id: str
                 ) -> list[EnforcementExport]:
    req = get_request(session=session, actor=actor, platform_id=platform_id,
                      request_id=request_id)
    return list(session.scalars(select(EnforcementExport)
                                .where(EnforcementExport.request_id == req.id)
                                .order_by(EnforcementExport.created_at)))


def read_export(*, session: Session, actor: Actor, platform_id: str, export_id: str,
                data: ExportAccessIn) -> EnforcementExport:
    """An export's content; each read is kept (who, why) and audited."""
    actor.require(EXPORT, platform_id)
    exp = session.get(EnforcementExport, export_id)
    if exp is None or exp.platform_id != platform_id:
        raise NotFound(f"no export {export_id} on this platform",
                       details={"field": "export_id"})
    acc = ExportAccess(export_id=exp.id, platform_id=platform_id, accessed_by=actor.username,
                       purpose=data.purpose)
    session.add(acc)
    session.flush()
    record(session=session, actor=actor, action="governance.enforcement.read_export",
           target_type="enforcement_export", target_id=exp.id, platform_id=platform_id,
           summary={"purpose": data.purpose, "sha256": exp.sha256})
    return exp


def accesses(*, session: Session, actor: Actor, platform_id: str, export_id: str
             ) -> list[ExportAccess]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(ExportAccess).where(
        ExportAccess.platform_id == platform_id, ExportAccess.export_id == export_id)
        .order_by(ExportAccess.created_at)))


def close_request(*, session: Session, actor: Actor, platform_id: str, request_id: str,
                  now: datetime | None = None) -> EnforcementRequest:
    """Close a request once its data was produced; its holds are released."""
    req = get_request(session=session, actor=actor, platform_id=platform_id,
                      request_id=request_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    done = session.execute(update(EnforcementRequest)
                           .where(EnforcementRequest.id == req.id,
                                  EnforcementRequest.status == "produced")
                           .values(status="closed")
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise Conflict(f"the request is {req.status}; only a produced request closes",
                       details={"status": req.status})
    session.execute(update(RetentionHold)
                    .where(RetentionHold.request_id == req.id,
                           RetentionHold.released_at.is_(None))
                    .values(released_at=now, released_by=actor.username)
                    .execution_options(synchronize_session=False))
    session.refresh(req)
    record(session=session, actor=actor, action="governance.enforcement.close",
           target_type="enforcement_request", target_id=req.id, platform_id=platform_id,
           summary={"document_number": req.document_number})
    return req


def list_holds(*, session: Session, actor: Actor, platform_id: str, active_only: bool = True
               ) -> list[RetentionHold]:
    actor.require(READ, platform_id)
    q = select(RetentionHold).where(RetentionHold.platform_id == platform_id)
    if active_only:
        q = q.where(RetentionHold.released_at.is_(None))
    return list(session.scalars(q.order_by(RetentionHold.created_at)))


def active_holds(session: Session, platform_id: str | None, subject: str) -> list[str]:
    """The active holds covering a ledger subject, one line each (the ledger's erasure asks
    through ``zeren_erasure_holds``). A hold names its platform in its prefix, so the subject
    alone decides; ``platform_id`` narrows the read when the record carries one."""
    q = select(RetentionHold.id, RetentionHold.subject_prefix, RetentionHold.reason).where(
        RetentionHold.released_at.is_(None))
    if platform_id:
        q = q.where(RetentionHold.platform_id == platform_id)
    return [f"hold {h.id} ({h.reason})" for h in session.execute(q)
            if subject.startswith(h.subject_prefix)]


def export_json(exp: EnforcementExport) -> list[Any]:
    """An export's rows, parsed (for the CLI's printing)."""
    return [json.loads(line) for line in exp.content.splitlines() if line]
