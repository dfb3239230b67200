"""HTTP routes of reviews under ``/platforms/{platform_id}/reviews``: batched ingest, reading,
and display audits (the platform sends what it displays; Zeren reports what is missing,
altered, pushed down or unknown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.ledger.outbox import flusher_for
from zeren.pagination import PageDep
from zeren.platforms.service import get_platform
from zeren.reviews import schemas as s
from zeren.reviews import service as svc

router = APIRouter(prefix="/platforms/{platform_id}/reviews", tags=["reviews"])
Reader = Annotated[Actor, Depends(require(svc.READ))]
Writer = Annotated[Actor, Depends(require(svc.WRITE))]
Auditor = Annotated[Actor, Depends(require(svc.AUDIT))]


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)


@router.post("", response_model=s.IngestRead, status_code=201)
def ingest(platform_id: str, body: s.ReviewBatchIn, session: SessionDep, actor: Writer,
           request: Request, tasks: BackgroundTasks) -> s.IngestRead:
    """Ingest reviews (up to 5,000), all or nothing; each is appended to the ledger."""
    got = svc.ingest(session=session, actor=actor, platform_id=_pid(session, platform_id),
                     reviews=body.reviews)
    _kick(request, tasks)
    return s.IngestRead(ingested=len(got.ids), ids=got.ids)


@router.get("", response_model=list[s.ReviewRead])
def list_reviews(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                 listing: Annotated[str | None, Query(max_length=100)] = None,
                 merchant: Annotated[str | None, Query(max_length=100)] = None
                 ) -> list[s.ReviewRead]:
    """Reviews, newest first, by listing or merchant."""
    rows, _ = svc.list_reviews(session=session, actor=actor,
                               platform_id=_pid(session, platform_id), params=page,
                               listing=listing, merchant=merchant)
    return [s.ReviewRead.model_validate(r) for r in rows]


@router.post("/display-audits", response_model=s.AuditRead, status_code=201)
def display_audit(platform_id: str, body: s.DisplayIn, session: SessionDep, actor: Auditor,
                  request: Request, tasks: BackgroundTasks) -> s.AuditRead:
    """Compare what the platform displays for a listing or merchant with the reviews on the
    ledger; findings: missing, altered, pushed_down, unknown."""
    a, found = svc.audit_display(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id), data=body)
    _kick(request, tasks)
    out = s.AuditRead.model_validate(a)
    out.findings = [s.FindingRead(kind=f.kind, review_ref=f.review, detail=f.detail)
                    for f in found[:1000]]
    return out


@router.get("/display-audits", response_model=s.AuditPage)
def list_audits(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                ) -> s.AuditPage:
    rows, total = svc.audits(session=session, actor=actor,
                             platform_id=_pid(session, platform_id), params=page)
    return s.AuditPage(items=[s.AuditRead.model_validate(a) for a in rows], total=total,
                       offset=page.offset, limit=page.limit)


@router.get("/display-audits/{audit_id}", response_model=s.AuditRead)
def get_audit(platform_id: str, audit_id: str, session: SessionDep, actor: Reader
              ) -> s.AuditRead:
    a = svc.get_audit(session=session, actor=actor, platform_id=_pid(session, platform_id),
                      audit_id=audit_id)
    out = s.AuditRead.model_validate(a)
    out.findings = [s.FindingRead.model_validate(f)
                    for f in svc.audit_findings(session=session, actor=actor, audit=a)]
    return out


@router.get("/{review_id}", response_model=s.ReviewRead)
def get_review(platform_id: str, review_id: str, session: SessionDep, actor: Reader
               ) -> s.ReviewRead:
    return s.ReviewRead.model_validate(svc.get_review(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        review=review_id))
