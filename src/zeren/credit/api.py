"""HTTP routes of credit evaluation under ``/platforms/{platform_id}/credit``: compute and
publish a batch under the credit rule in force, list batches, a merchant's score with its
explanation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from zeren.auth.policy import Actor
from zeren.credit import schemas as s
from zeren.credit import service as svc
from zeren.deps import SessionDep, require
from zeren.ledger.outbox import flusher_for
from zeren.pagination import PageDep
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/credit", tags=["credit"])
Reader = Annotated[Actor, Depends(require(svc.READ))]
Computer = Annotated[Actor, Depends(require(svc.COMPUTE))]


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


@router.post("/batches", response_model=s.BatchRead, status_code=201)
def compute(platform_id: str, session: SessionDep, actor: Computer, request: Request,
            tasks: BackgroundTasks) -> s.BatchRead:
    """Score every merchant under the credit rule in force; the batch is logged."""
    b = svc.compute(session=session, actor=actor, platform_id=_pid(session, platform_id))
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)
    return s.BatchRead.model_validate(b)


@router.get("/batches", response_model=s.BatchPage)
def list_batches(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                 ) -> s.BatchPage:
    rows, total = svc.batches(session=session, actor=actor,
                              platform_id=_pid(session, platform_id), params=page)
    return s.BatchPage(items=[s.BatchRead.model_validate(b) for b in rows], total=total,
                       offset=page.offset, limit=page.limit)


@router.get("/merchants/{merchant_ref}", response_model=s.ScoreRead)
def merchant_score(platform_id: str, merchant_ref: str, session: SessionDep, actor: Reader
                   ) -> s.ScoreRead:
    """A merchant's latest score and the components that sum to it."""
    sc, b = svc.latest_score(session=session, actor=actor,
                             platform_id=_pid(session, platform_id), merchant_ref=merchant_ref)
    return s.ScoreRead(merchant_ref=sc.merchant_ref, score=sc.score, components=sc.components,
                       batch=s.BatchRead.model_validate(b))
