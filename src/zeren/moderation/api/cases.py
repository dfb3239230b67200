"""Case routes: the list, the next case, the case page, claim, release, comment, escalate,
and the bulk preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.moderation.api.common import Decide, P, Read, pid
from zeren.moderation.schemas import (
    BulkIn,
    BulkPreview,
    CaseListRead,
    CasePage,
    CaseRead,
    CommentIn,
    EscalationIn,
    EventRead,
    JudgedContentRead,
    MeasureRead,
    NextCaseIn,
    ReportRead,
    SubjectRead,
)
from zeren.moderation.services import cases
from zeren.pagination import PageParams

router = APIRouter()


@router.get(P + "/cases", response_model=CaseListRead)
def list_cases(platform_id: str, session: SessionDep, actor: Read,
               status: str | None = None, queue: str | None = None,
               category: str | None = None,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> CaseListRead:
    """Cases, most urgent first (filter by status, queue, category)."""
    rows, total = cases.cases_page(session=session, actor=actor,
                                   platform_id=pid(session, platform_id),
                                   page=PageParams(offset=offset, limit=limit), status=status,
                                   queue=queue, category=category)
    return CaseListRead(items=[CaseRead.model_validate(c) for c in rows], total=total,
                        offset=offset, limit=limit)


@router.post(P + "/queue/next", response_model=CaseRead | None)
def take_next(platform_id: str, body: NextCaseIn, session: SessionDep, actor: Decide
              ) -> CaseRead | None:
    """Claim the most urgent open case (optionally from some queues); null when none."""
    c = cases.next_case(session=session, actor=actor, platform_id=pid(session, platform_id),
                        queues=body.queues or None)
    return CaseRead.model_validate(c) if c else None


@router.get("/moderation/cases/{case_id}", response_model=CasePage)
def case_page(case_id: str, session: SessionDep, actor: Read) -> CasePage:
    """A case with its subject, reports, history and measures."""
    p = cases.case_page(session=session, actor=actor, case_id=case_id)
    return CasePage(case=CaseRead.model_validate(p["case"]),
                    subject=SubjectRead.model_validate(p["subject"]),
                    judged=(JudgedContentRead.model_validate(p["judged"])
                            if p["judged"] is not None else None),
                    owner=SubjectRead.model_validate(p["owner"]) if p["owner"] else None,
                    reports=[ReportRead.model_validate(r) for r in p["reports"]],
                    events=[EventRead.model_validate(e) for e in p["events"]],
                    measures=[MeasureRead.model_validate(m) for m in p["measures"]],
                    time_left_s=(p["case"].sla_due_at - utcnow()).total_seconds())


@router.post("/moderation/cases/{case_id}/claim", response_model=CaseRead)
def claim(case_id: str, session: SessionDep, actor: Decide) -> CaseRead:
    """Claim a case (409 when someone holds it already)."""
    return CaseRead.model_validate(cases.claim_case(session=session, actor=actor,
                                                    case_id=case_id))


@router.post("/moderation/cases/{case_id}/release", response_model=CaseRead)
def release(case_id: str, session: SessionDep, actor: Decide) -> CaseRead:
    return CaseRead.model_validate(cases.release_case(session=session, actor=actor,
                                                      case_id=case_id))


@router.post("/moderation/cases/{case_id}/comments", response_model=CaseRead)
def add_comment(case_id: str, body: CommentIn, session: SessionDep, actor: Decide) -> CaseRead:
    return CaseRead.model_validate(cases.comment(session=session, actor=actor, case_id=case_id,
                                                 text=body.text))


@router.post("/moderation/cases/{case_id}/escalation", response_model=CaseRead)
def escalate(case_id: str, body: EscalationIn, session: SessionDep, actor: Decide) -> CaseRead:
    """Send a case to the escalation queue (the claim is released)."""
    return CaseRead.model_validate(cases.escalate_case(session=session, actor=actor,
                                                       case_id=case_id, reason=body.reason))


@router.post(P + "/bulk/preview", response_model=BulkPreview)
def bulk_preview(platform_id: str, body: BulkIn, session: SessionDep, actor: Decide
                 ) -> BulkPreview:
    """What a bulk action would touch, and what it would skip, without changing anything."""
    chosen, skipped = cases.bulk_preview(
        session=session, actor=actor, platform_id=pid(session, platform_id),
        case_ids=body.case_ids, queue=body.queue, category=body.category, limit=body.limit)
    return BulkPreview(cases=[CaseRead.model_validate(c) for c in chosen], skipped=skipped)
