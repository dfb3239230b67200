"""HTTP routes of the market-conduct analytics: datasets and their batches (JSON rows or an
uploaded file), detector runs (DuckDB; Spark runs from the CLI or a job), and findings."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, UploadFile

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.ledger.outbox import flusher_for
from zeren.market import schemas as s
from zeren.market.domain import catalogue
from zeren.market.services import actions, ingest, runs
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/market", tags=["market"])
Reader = Annotated[Actor, Depends(require("market.read"))]
Writer = Annotated[Actor, Depends(require("market.write"))]
Runner = Annotated[Actor, Depends(require("market.run"))]
Acter = Annotated[Actor, Depends(require("market.act"))]


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    """After the response (so after commit), wake the ledger outbox flusher."""
    flusher = flusher_for(request.app.state.engine, request.app.state.settings.data_dir)
    tasks.add_task(flusher.kick)


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _root(request: Request) -> Path:
    root: Path = request.app.state.settings.data_dir
    return root


@router.get("/datasets", response_model=list[s.DatasetRead])
def list_datasets(platform_id: str, session: SessionDep, actor: Reader,
                  request: Request) -> list[s.DatasetRead]:
    """The datasets Zeren reads, their columns and the rows stored for this platform."""
    got = ingest.datasets(actor=actor, platform_id=_pid(session, platform_id),
                          root=_root(request))
    return [s.DatasetRead(
        name=d.dataset.name, zh=d.dataset.zh, en=d.dataset.en, serves=d.dataset.serves,
        time=d.dataset.time, key=list(d.dataset.key), stored_rows=d.stored_rows,
        columns=[s.ColumnRead(name=c.name, type=c.type, optional=c.optional, min=c.min,
                              default=c.default) for c in d.dataset.columns]) for d in got]


@router.post("/datasets/{dataset}/batches", response_model=s.IngestRead, status_code=201)
def post_batch(platform_id: str, dataset: str, body: s.BatchIn, session: SessionDep,
               actor: Writer, request: Request) -> s.IngestRead:
    """Store rows into ``dataset``: all of them, or none with a 422 naming each bad row
    (``rows[i]``, from 0) and column."""
    row = ingest.ingest_rows(session=session, actor=actor, platform_id=_pid(session, platform_id),
                             root=_root(request), dataset_name=dataset, rows=body.rows)
    return s.IngestRead.model_validate(row)


@router.post("/datasets/{dataset}/files", response_model=s.IngestRead, status_code=201)
def post_file(platform_id: str, dataset: str, file: UploadFile, session: SessionDep,
              actor: Writer, request: Request) -> s.IngestRead:
    """Store a Parquet, CSV or JSON Lines file (by its name's suffix) into ``dataset``: all
    rows, or none with a 422 naming the file, the rows and the columns."""
    pid = _pid(session, platform_id)
    tmp_root = _root(request) / "market" / "_uploads"
    tmp_root.mkdir(parents=True, exist_ok=True)
    name = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        row = ingest.ingest_file(session=session, actor=actor, platform_id=pid,
                                 root=_root(request), dataset_name=dataset, path=path,
                                 filename=name)
    return s.IngestRead.model_validate(row)


@router.get("/ingests", response_model=Page[s.IngestRead])
def list_ingests(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                 dataset: Annotated[str | None, Query(max_length=60)] = None
                 ) -> Page[s.IngestRead]:
    rows, total = ingest.list_ingests(session=session, actor=actor,
                                      platform_id=_pid(session, platform_id), params=page,
                                      dataset_name=dataset)
    return page_of([s.IngestRead.model_validate(r) for r in rows], total, page)


@router.get("/detectors", response_model=list[s.DetectorRead])
def list_detectors(platform_id: str, session: SessionDep, actor: Reader) -> list[s.DetectorRead]:
    """The detectors with their parameters and the law each serves."""
    _pid(session, platform_id)
    return [s.DetectorRead(name=d.name, zh=d.zh, en=d.en, article=d.article, source=d.source,
                           datasets=list(d.datasets),
                           params={k: {"value": p.value, "source": p.source}
                                   for k, p in d.params.items()})
            for d in catalogue().detectors.values()]


@router.post("/runs", response_model=s.RunRead, status_code=201)
def post_run(platform_id: str, body: s.RunIn, session: SessionDep, actor: Runner,
             request: Request, tasks: BackgroundTasks) -> s.RunRead:
    """Run a detector now (on DuckDB) and record its new findings (their evidence digests
    go to the ledger)."""
    _kick(request, tasks)
    run = runs.run_detector(session=session, actor=actor, platform_id=_pid(session, platform_id),
                            root=_root(request), name=body.detector, engine=body.engine)
    return s.RunRead.model_validate(run)


@router.get("/runs", response_model=Page[s.RunRead])
def list_runs(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
              detector: Annotated[str | None, Query(max_length=60)] = None) -> Page[s.RunRead]:
    rows, total = runs.list_runs(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id), params=page,
                                 detector_name=detector)
    return page_of([s.RunRead.model_validate(r) for r in rows], total, page)


@router.get("/findings", response_model=Page[s.FindingRead])
def list_findings(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                  detector: Annotated[str | None, Query(max_length=60)] = None,
                  min_score: Annotated[float | None, Query(ge=0, le=1)] = None
                  ) -> Page[s.FindingRead]:
    """Findings, highest score first."""
    rows, total = runs.list_findings(session=session, actor=actor,
                                     platform_id=_pid(session, platform_id), params=page,
                                     detector_name=detector, min_score=min_score)
    return page_of([s.FindingRead.model_validate(r) for r in rows], total, page)


@router.get("/findings/{finding_id}", response_model=s.FindingRead)
def get_finding(platform_id: str, finding_id: str, session: SessionDep,
                actor: Reader) -> s.FindingRead:
    f = runs.get_finding(session=session, actor=actor, platform_id=_pid(session, platform_id),
                         finding_id=finding_id)
    return s.FindingRead.model_validate(f)


@router.post("/findings/{finding_id}/actions", response_model=s.ActionRead, status_code=201)
def post_action(platform_id: str, finding_id: str, body: s.ActIn, session: SessionDep,
                actor: Acter, request: Request, tasks: BackgroundTasks) -> s.ActionRead:
    """Take the action the detector calls for: open moderation cases, open a compliance
    task, or issue a price-fraud record to the merchant (409 if already taken)."""
    row = actions.act(session=session, actor=actor, platform_id=_pid(session, platform_id),
                      finding_id=finding_id, note=body.note, assignee=body.assignee,
                      due_days=body.due_days)
    _kick(request, tasks)
    return s.ActionRead.model_validate(row)


@router.post("/findings/{finding_id}/close", response_model=s.ActionRead, status_code=201)
def post_close(platform_id: str, finding_id: str, body: s.CloseIn, session: SessionDep,
               actor: Acter, request: Request, tasks: BackgroundTasks) -> s.ActionRead:
    """Close the finding's compliance task with what was done."""
    row = actions.close_task(session=session, actor=actor, platform_id=_pid(session, platform_id),
                             finding_id=finding_id, resolution=body.resolution)
    _kick(request, tasks)
    return s.ActionRead.model_validate(row)


@router.get("/findings/{finding_id}/actions", response_model=list[s.ActionRead])
def list_actions(platform_id: str, finding_id: str, session: SessionDep,
                 actor: Reader) -> list[s.ActionRead]:
    rows = actions.actions_of(session=session, actor=actor, platform_id=_pid(session, platform_id),
                              finding_id=finding_id)
    return [s.ActionRead.model_validate(r) for r in rows]
