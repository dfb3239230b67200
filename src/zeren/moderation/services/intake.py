"""Intake (指南 Art 12): reports, complaints and authority orders come in, each gets a
receipt number and joins its subject's one open case, or opens one (queue, SLA deadline and
priority from data). Intake works on batches with set-based SQL (a single report is a batch
of one), so the bulk path, the public form and screening share every rule. Race safety comes
from the database: one open case per subject is a unique key (``open_key``), and a bundle is
a conditional UPDATE whose row count says whether the case was still open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.moderation import domain as d
from zeren.moderation.models import CASE_EVENTS, CASES, REPORTS, Case, Report
from zeren.moderation.schemas import Evidence, PublicReportIn, ReportIn, SubjectIn
from zeren.moderation.services.common import PUBLIC_ACTOR
from zeren.moderation.services.subjects import upsert_subjects


@dataclass(frozen=True)
class Receipt:
    receipt: str
    case_id: str
    report_id: str
    bundled: bool
    received_at: datetime


def _check_report(i: int | None, r: ReportIn) -> d.Category:
    where = "" if i is None else f"items[{i}]."
    cat = d.category(r.category)
    if cat is None:
        raise InvalidInput(f"unknown category {r.category!r}; see GET /api/v1/moderation/"
                           "categories", field=f"{where}category",
                           details={"field": f"{where}category", "value": r.category})
    if r.source == d.Source.AUTHORITY and (not r.authority.strip() or not r.document_no.strip()):
        raise InvalidInput("an authority order names the issuing authority and its document "
                           "number", field=f"{where}document_no")
    return cat


def submit_reports(*, session: Session, platform_id: str, items: Sequence[ReportIn],
                   received_by: str, now: datetime | None = None) -> list[Receipt]:
    """Take reports in: each gets a receipt number and joins the open case on its subject, or
    opens one (queue, SLA deadline and priority from data)."""
    now = now or utcnow()
    single = len(items) == 1
    cats = [_check_report(None if single else i, r) for i, r in enumerate(items)]
    subject_ids = upsert_subjects(session=session, platform_id=platform_id,
                                  items=[r.subject for r in items], now=now)
    # Group reports per subject: they all land in the subject's one open case.
    groups: dict[str, list[int]] = {}
    for i, sid in enumerate(subject_ids):
        groups.setdefault(sid, []).append(i)
    case_of: dict[str, str] = {}
    bundled: set[str] = set()
    for _attempt in range(5):
        open_cases: dict[str, Case] = {}
        sids = [s for s in groups if s not in case_of]
        for i in range(0, len(sids), 400):
            for c in session.scalars(select(Case).where(Case.open_key.in_(sids[i:i + 400]))):
                open_cases[str(c.open_key)] = c
        new_rows: list[dict[str, Any]] = []
        for sid in sids:
            idx = groups[sid]
            srcs = sorted({str(items[j].source) for j in idx})
            if sid in open_cases and _bundle(session, open_cases[sid], sid,
                                             [cats[j] for j in idx], srcs, len(idx), now):
                case_of[sid] = open_cases[sid].id
                bundled.add(sid)
                continue
            # No open case, or the one read was decided meanwhile: open a new one.
            top = max((cats[j] for j in idx), key=lambda c: c.severity)
            first_src = str(items[idx[0]].source)
            new_rows.append({
                "id": new_id(), "platform_id": platform_id, "subject_id": sid, "open_key": sid,
                "category": top.code, "severity": top.severity,
                "queue": d.route(source=first_src if first_src == d.Source.AUTHORITY
                                 else (d.Source.AUTHORITY if d.Source.AUTHORITY in srcs
                                       else first_src), cat=top),
                "status": d.CaseStatus.OPEN.value,
                "priority": d.priority(severity=top.severity, reports=len(idx), sources=srcs),
                "report_count": len(idx), "sources": ",".join(srcs),
                "sla_due_at": d.sla_deadline(opened_at=now, cat=top, sources=srcs),
                "claimed_by": None, "claimed_at": None, "escalations": 0, "escalated_at": None,
                "sla_breached_at": None,
                "decision": None, "decided_by": None, "decided_at": None, "created_at": now,
                "updated_at": now})
        if not new_rows:
            break
        try:
            with session.begin_nested():
                session.execute(insert(CASES), new_rows)
        except IntegrityError:
            continue  # another request opened a case on one of these subjects: bundle into it
        for row in new_rows:
            case_of[row["subject_id"]] = row["id"]
        break
    else:  # pragma: no cover - five lost races in a row
        raise Conflict("too many concurrent reports on the same subjects; retry")
    session.flush()
    reports, events, out = [], [], []
    for i, r in enumerate(items):
        sid = subject_ids[i]
        rid = new_id()
        receipt = d.receipt_number("R", now)
        cid = case_of[sid]
        reports.append({
            "id": rid, "receipt": receipt, "platform_id": platform_id, "case_id": cid,
            "subject_id": sid, "category": cats[i].code, "source": str(r.source),
            "reporter_ref": r.reporter_ref, "reporter_contact": r.reporter_contact,
            "authority": r.authority, "document_no": r.document_no,
            "description": r.description, "evidence": [e.model_dump() for e in r.evidence],
            "received_by": received_by, "created_at": now})
        events.append({"case_id": cid, "kind": "report", "actor": received_by,
                       "created_at": now,
                       "data": {"receipt": receipt, "source": str(r.source),
                                "category": cats[i].code,
                                "authority": r.authority or None,
                                "document_no": r.document_no or None}})
        out.append(Receipt(receipt, cid, rid, sid in bundled, now))
    session.execute(insert(REPORTS), reports)
    session.execute(insert(CASE_EVENTS), events)
    return out


def _bundle(session: Session, c: Case, subject_id: str, cats: list[d.Category],
            srcs: list[str], n: int, now: datetime) -> bool:
    """A further report on an open case: volume, severity and urgency can only go up.

    The count moves by a relative, conditional UPDATE (``report_count = report_count + n
    WHERE id = :id AND open_key = :subject``): a case decided since it was read matches no
    row (False: the caller opens a new case), and two concurrent bundles both count. Once the
    UPDATE has matched, the row is this transaction's until commit (PostgreSQL's row lock,
    SQLite's single writer), so the re-read below sees the latest sources and severity and
    the rest can be written from it without losing another request's change."""
    res = session.execute(update(Case).where(Case.id == c.id, Case.open_key == subject_id)
                          .values(report_count=Case.report_count + n, updated_at=now)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(c)
    sources = sorted(set(filter(None, c.sources.split(","))) | set(srcs))
    top = max(cats, key=lambda x: x.severity)
    if top.severity > c.severity:
        c.category, c.severity = top.code, top.severity
    cat = d.category(c.category) or top
    c.sources = ",".join(sources)
    c.priority = d.priority(severity=c.severity, reports=c.report_count, sources=sources,
                            escalations=c.escalations)
    c.sla_due_at = min(c.sla_due_at, d.sla_deadline(opened_at=now, cat=cat, sources=srcs))
    if c.status == d.CaseStatus.OPEN and c.escalations == 0:
        c.queue = d.route(source=d.Source.AUTHORITY if d.Source.AUTHORITY in sources
                          else srcs[0], cat=cat)
    return True


def receipt_status(*, session: Session, receipt: str) -> tuple[Report, Case]:
    r = session.scalar(select(Report).where(Report.receipt == receipt))
    if r is None:
        raise NotFound(f"no report with receipt {receipt}", details={"field": "receipt"})
    c = session.get(Case, r.case_id)
    assert c is not None
    return r, c


def report(*, session: Session, actor: Actor, platform_id: str, item: ReportIn) -> Receipt:
    """One report, complaint or authority order taken in by the platform
    (moderation.write)."""
    actor.require("moderation.write", platform_id)
    r = submit_reports(session=session, platform_id=platform_id, items=[item],
                       received_by=actor.username)[0]
    record(session=session, actor=actor, action="moderation.report.intake",
           target_type="case", target_id=r.case_id, platform_id=platform_id,
           summary={"receipt": r.receipt, "source": str(item.source)})
    return r


def report_batch(*, session: Session, actor: Actor, platform_id: str,
                 items: Sequence[ReportIn]) -> list[Receipt]:
    """Many reports at once (all or none; moderation.write); each gets its receipt."""
    actor.require("moderation.write", platform_id)
    out = submit_reports(session=session, platform_id=platform_id, items=items,
                         received_by=actor.username)
    record(session=session, actor=actor, action="moderation.report.batch",
           target_type="platform", target_id=platform_id, platform_id=platform_id,
           summary={"reports": len(out), "cases": len({r.case_id for r in out})})
    return out


def public_report(*, session: Session, platform_id: str, body: PublicReportIn) -> Receipt:
    """The public form (no login): a report from anyone, attributed to ``public`` in the
    audit trail. The caller has applied the public form guard (size cap, rate limit)."""
    item = ReportIn(subject=SubjectIn(kind=body.subject_kind, external_ref=body.subject_ref),
                    category=body.category, source=d.Source.PUBLIC,
                    description=body.description, reporter_contact=body.contact,
                    evidence=[Evidence(kind="url", ref=str(u)) for u in body.evidence_urls])
    r = submit_reports(session=session, platform_id=platform_id, items=[item],
                       received_by="public")[0]
    record(session=session, actor=PUBLIC_ACTOR, action="moderation.report.public",
           target_type="case", target_id=r.case_id, platform_id=platform_id,
           summary={"receipt": r.receipt})
    return r
