"""HTTP routes of the gig-worker register (指南 第三十条): parse, call one service, choose the
response model. Workers (identity sealed in the ledger), dispatch-log batches and CSV files,
and the working-time and pay report over whole weeks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, UploadFile

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.ledger.outbox import flusher_for
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform
from zeren.timepolicy import Day
from zeren.workers import schemas as s
from zeren.workers.services import assessment, logs, register

router = APIRouter(prefix="/platforms/{platform_id}/workers", tags=["workers"])
Reader = Annotated[Actor, Depends(require("workers.read"))]
Writer = Annotated[Actor, Depends(require("workers.write"))]
MAX_UPLOAD = 200 * 1024 * 1024


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


@router.post("", status_code=201)
def register_workers(platform_id: str, body: s.WorkersIn, session: SessionDep, actor: Writer,
                     request: Request, tasks: BackgroundTasks) -> dict[str, int]:
    """Register workers, all or nothing; who they are is sealed in the ledger."""
    n = register.register_workers(session=session, actor=actor,
                                  platform_id=_pid(session, platform_id), workers=body.workers)
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)
    return {"registered": n}


@router.get("", response_model=Page[s.WorkerRead])
def list_workers(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                 ) -> Page[s.WorkerRead]:
    rows, total = register.list_workers(session=session, actor=actor,
                                        platform_id=_pid(session, platform_id), params=page)
    return page_of([s.WorkerRead.model_validate(r) for r in rows], total, page)


@router.post("/log", response_model=s.ImportRead, status_code=201)
def import_log(platform_id: str, body: s.SegmentsIn, session: SessionDep, actor: Writer
               ) -> s.ImportRead:
    """Import a batch of dispatch-log segments, all or nothing, the first bad one named."""
    return s.ImportRead.model_validate(logs.import_segments(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        segments=body.segments))


@router.post("/log/file", response_model=s.ImportRead, status_code=201)
async def import_log_file(platform_id: str, file: UploadFile, session: SessionDep,
                          actor: Writer) -> s.ImportRead:
    """Import segments from CSV (worker_id, starts_at, ends_at[, state, orders, pay_cny])."""
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD // 2**20} MiB",
                       details={"field": "file"})
    return s.ImportRead.model_validate(logs.import_csv(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        content=content, filename=file.filename or "upload.csv"))


@router.get("/report", response_model=s.ReportRead)
def working_time_report(platform_id: str, session: SessionDep, actor: Reader,
                        first: Annotated[Day, Query(alias="from", description="A Monday.")],
                        weeks: Annotated[int, Query(ge=1, le=53)] = 1,
                        limit: Annotated[int, Query(ge=0, le=10_000)] = 100
                        ) -> s.ReportRead:
    """Working-time and pay findings over whole weeks: by rule, by worker, in aggregate."""
    return s.ReportRead.model_validate(assessment.report(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        first=first, weeks=weeks, limit=limit))


