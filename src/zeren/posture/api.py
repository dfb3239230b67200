"""HTTP routes for the compliance posture, attestations and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict

from zeren.auth.policy import Actor
from zeren.config import Settings
from zeren.deps import SessionDep, require, settings_of
from zeren.errors import NotFound
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform
from zeren.posture import service
from zeren.timepolicy import parse_instant

router = APIRouter(prefix="/platforms/{platform_id}", tags=["posture"])
Reader = Annotated[Actor, Depends(require("posture.read"))]


class PostureRead(BaseModel):
    platform_id: str
    tier: str
    tier_known: bool
    evaluation_id: str
    evaluated_at: datetime
    counts: dict[str, int]
    obligation_counts: dict[str, int]
    articles: list[dict[str, Any]]


class SnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    check_key: str
    article: int
    status: str
    reason: str
    figures: dict[str, Any]
    inputs: dict[str, Any]
    evaluation_id: str
    evaluated_at: datetime
    evaluated_by: str


class EvidenceFileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    filename: str
    sha256: str
    size: int
    content_type: str


class AttestationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    obligation_key: str
    article: int
    statement: str
    attested_by: str
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    files: list[EvidenceFileRead] = []


def _posture(ev: service.Evaluation) -> PostureRead:
    return PostureRead(platform_id=ev.platform_id, tier=ev.tier, tier_known=ev.tier_known,
                       evaluation_id=ev.id, evaluated_at=ev.evaluated_at, counts=ev.counts(),
                       obligation_counts=ev.obligation_counts(),
                       articles=[service.tile_dict(t) for t in ev.tiles])


@router.get("/posture", response_model=PostureRead)
def posture(platform_id: str, session: SessionDep, actor: Reader) -> PostureRead:
    """The posture now, computed live (nothing stored; POST …/posture/evaluate to keep it)."""
    p = get_platform(session=session, platform_ref=platform_id)
    return _posture(service.evaluate(session=session, actor=actor, platform=p, store=False))


@router.post("/posture/evaluate", response_model=PostureRead, status_code=201)
def evaluate(platform_id: str, session: SessionDep,
             actor: Annotated[Actor, Depends(require("posture.evaluate"))]) -> PostureRead:
    """Evaluate every obligation now and keep each result as an evidence snapshot."""
    p = get_platform(session=session, platform_ref=platform_id)
    return _posture(service.evaluate(session=session, actor=actor, platform=p))


@router.get("/posture/obligations/{obligation_key}/history",
            response_model=Page[SnapshotRead])
def obligation_history(platform_id: str, obligation_key: str, session: SessionDep, _a: Reader,
                       page: PageDep) -> Page[SnapshotRead]:
    """The stored evaluations of one obligation, newest first."""
    p = get_platform(session=session, platform_ref=platform_id)
    ob = service.known_obligation(obligation_key)
    rows, total = service.history_page(session=session, platform_id=p.id, check_key=ob.key,
                                       page=page)
    return page_of([SnapshotRead.model_validate(s) for s in rows], total, page)


class EvidenceCheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    evaluation_id: str
    evaluated_at: datetime
    snapshots: int
    outcome: str
    log: str | None
    index: int | None
    changed: list[str]


@router.get("/posture/evaluations/verify", response_model=list[EvidenceCheckRead])
def verify_evaluations(platform_id: str, session: SessionDep, actor: Reader,
                       evaluation_id: str | None = None) -> list[EvidenceCheckRead]:
    """Compare the newest stored evaluations (or one) with the digests the ledger holds:
    ``verified``, ``changed`` (snapshot ids listed), ``pending`` (still in the outbox) or
    ``missing``."""
    p = get_platform(session=session, platform_ref=platform_id)
    got = service.verify_evidence(session=session, actor=actor, platform_id=p.id,
                                  evaluation_id=evaluation_id)
    return [EvidenceCheckRead.model_validate(c) for c in got]


@router.get("/evidence/{snapshot_id}", response_model=SnapshotRead)
def get_snapshot(platform_id: str, snapshot_id: str, session: SessionDep, _a: Reader
                 ) -> SnapshotRead:
    p = get_platform(session=session, platform_ref=platform_id)
    snap = service.snapshot(session=session, snapshot_id=snapshot_id)
    if snap.platform_id != p.id:
        raise NotFound(f"no evidence snapshot {snapshot_id} on this platform")
    return SnapshotRead.model_validate(snap)


def _attestation_read(att: Any, files: Sequence[Any]) -> AttestationRead:
    out = AttestationRead.model_validate(att)
    out.files = [EvidenceFileRead.model_validate(f) for f in files]
    return out


@router.get("/attestations", response_model=Page[AttestationRead])
def list_attestations(platform_id: str, session: SessionDep,
                      _a: Annotated[Actor, Depends(require("attestation.read"))],
                      page: PageDep) -> Page[AttestationRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    atts, total = service.attestations_page(session=session, platform_id=p.id, page=page)
    files = service.files_by_attestation(session=session, attestation_ids=[a.id for a in atts])
    return page_of([_attestation_read(a, files[a.id]) for a in atts], total, page)


@router.post("/attestations", response_model=AttestationRead, status_code=201)
async def create_attestation(
    platform_id: str, session: SessionDep,
    actor: Annotated[Actor, Depends(require("attestation.write"))],
    settings: Annotated[Settings, Depends(settings_of)],
    obligation_key: Annotated[str, Form(description="The guideline obligation attested, e.g. "
                                        "art32.green_packaging")],
    statement: Annotated[str, Form()],
    valid_until: Annotated[str, Form(description="ISO date (held through that Beijing day) or "
                                 "date-time (offset kept; none: Beijing time).")],
    valid_from: Annotated[str | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> AttestationRead:
    """Record a dated attestation (multipart form, evidence files optional)."""
    p = get_platform(session=session, platform_ref=platform_id)
    payload = [(f.filename or "", await f.read(), f.content_type or "") for f in files or []]
    att = service.attest(session=session, actor=actor, platform=p, obligation_key=obligation_key,
                         statement=statement,
                         valid_from=parse_instant(valid_from, "valid_from") if valid_from else None,
                         valid_until=parse_instant(valid_until, "valid_until", bare_date="end"),
                         files=payload,
                         data_dir=settings.data_dir)
    return _attestation_read(att, service.files_of(session=session, attestation_id=att.id))


@router.get("/evidence-files/{file_id}")
def download_evidence(platform_id: str, file_id: str, session: SessionDep,
                      settings: Annotated[Settings, Depends(settings_of)],
                      actor: Annotated[Actor, Depends(require("attestation.read"))]
                      ) -> FileResponse:
    f = service.evidence_file(session=session, actor=actor, file_id=file_id,
                              platform_id=get_platform(session=session,
                                                       platform_ref=platform_id).id)
    return FileResponse(service.evidence_path(settings.data_dir, f.sha256),
                        media_type=f.content_type, filename=f.filename,
                        headers={"X-Content-SHA256": f.sha256})
