"""Subject routes: one item screened now, a batch screened after the answer, reading one."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy import Engine

from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.deps import SessionDep
from zeren.moderation.api.common import P, Read, Write, pid
from zeren.moderation.api.media import SettingsDep, check_media
from zeren.moderation.schemas import (
    BatchAccepted,
    SubjectBatchIn,
    SubjectIn,
    SubjectRead,
    VerdictRead,
)
from zeren.moderation.services import screening, subjects

router = APIRouter()


@router.post(P + "/subjects", response_model=VerdictRead, status_code=201)
def submit_subject(platform_id: str, body: SubjectIn, session: SessionDep, actor: Write,
                   settings: SettingsDep) -> VerdictRead:
    """Submit an item for a pre-publication verdict (screened with the review lexicon)."""
    p = pid(session, platform_id)
    check_media(settings, p, [body.media], "media")
    v = screening.submit_subject(session=session, actor=actor, platform_id=p, item=body)
    return VerdictRead(subject=SubjectRead.model_validate(v.subject), decision=v.decision,
                       hits=v.hits, lexicon_version=v.lexicon_version, case_id=v.case_id)


def _screen_later(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        screening.screen_pending(session=s, now=utcnow())


@router.post(P + "/subjects/batch", response_model=BatchAccepted, status_code=202)
def submit_subjects(platform_id: str, body: SubjectBatchIn, request: Request,
                    tasks: BackgroundTasks, session: SessionDep, actor: Write,
                    settings: SettingsDep) -> BatchAccepted:
    """Submit items in a batch; they are screened after the answer (see the subject's
    verdict, or ``zeren moderation tick``)."""
    p = pid(session, platform_id)
    check_media(settings, p, [i.media for i in body.items], "items.{i}.media")
    ids = screening.submit_subjects(session=session, actor=actor, platform_id=p,
                                    items=body.items)
    tasks.add_task(_screen_later, request.app.state.engine)
    return BatchAccepted(accepted=len(ids), subject_ids=ids)


@router.get(P + "/subjects/{subject_id}", response_model=SubjectRead)
def read_subject(platform_id: str, subject_id: str, session: SessionDep, actor: Read
                 ) -> SubjectRead:
    return SubjectRead.model_validate(subjects.read_subject(
        session=session, actor=actor, platform_id=pid(session, platform_id),
        subject_id=subject_id))
