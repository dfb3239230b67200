"""Decision and measure routes: deciding a case, bulk decisions, measures, the change feed,
strikes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.moderation import domain as d
from zeren.moderation.api.common import Admin, Decide, P, Read, after_commit, pid
from zeren.moderation.schemas import (
    BulkIn,
    BulkResult,
    CaseRead,
    ChangeFeed,
    DecisionIn,
    MeasureChangeRead,
    MeasureRead,
    StrikeRead,
    StrikeSummary,
)
from zeren.moderation.services import decisions
from zeren.moderation.services import measures as ms

router = APIRouter()


@router.post("/moderation/cases/{case_id}/decision", response_model=CaseRead)
def decide(case_id: str, body: DecisionIn, request: Request, tasks: BackgroundTasks,
           session: SessionDep, actor: Decide) -> CaseRead:
    """Decide a case you hold: measures with their ground and facts, or no action."""
    c = decisions.decide_case(session=session, actor=actor, case_id=case_id, body=body)
    after_commit(request, tasks)
    return CaseRead.model_validate(c)


@router.post(P + "/bulk", response_model=BulkResult)
def bulk_apply(platform_id: str, body: BulkIn, request: Request, tasks: BackgroundTasks,
               session: SessionDep, actor: Admin) -> BulkResult:
    """Apply one decision to exactly the previewed ``case_ids`` (needs moderation.admin); the
    filter is not run again. An id that is not an undecided case of this platform is refused
    (422 naming ``case_ids``, nothing decided); cases held by someone else are skipped."""
    done, skipped = decisions.bulk_apply(session=session, actor=actor,
                                         platform_id=pid(session, platform_id),
                                         case_ids=body.case_ids, body=body.decision)
    after_commit(request, tasks)
    return BulkResult(decided=done, skipped=skipped)


@router.get(P + "/measures", response_model=list[MeasureRead])
def list_measures(platform_id: str, session: SessionDep, actor: Read,
                  status: str | None = None, family: str | None = None,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[MeasureRead]:
    return [MeasureRead.model_validate(m) for m in ms.list_measures(
        session=session, actor=actor, platform_id=pid(session, platform_id), status=status,
        family=family, offset=offset, limit=limit)]


@router.get(P + "/measure-changes", response_model=ChangeFeed)
def measure_changes(platform_id: str, session: SessionDep, actor: Read,
                    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> ChangeFeed:
    """The pull API: every measure applied, expired or lifted after ``after``, in order."""
    rows = ms.changes_after(session=session, actor=actor, platform_id=pid(session, platform_id),
                            after=after, limit=limit)
    return ChangeFeed(items=[MeasureChangeRead.model_validate(r) for r in rows],
                      next_after=rows[-1].seq if rows else after)


@router.get(P + "/strikes", response_model=StrikeSummary)
def strikes(platform_id: str, session: SessionDep, actor: Read,
            account_ref: Annotated[str, Query(min_length=1)]) -> StrikeSummary:
    acc, total, rows = ms.strike_summary(session=session, actor=actor,
                                         platform_id=pid(session, platform_id),
                                         account_ref=account_ref, now=utcnow())
    return StrikeSummary(account_id=acc.id, total=total,
                         window_days=int(d.strike_settings()["window_days"]),
                         strikes=[StrikeRead.model_validate(s) for s in rows])
