"""IP notice-and-takedown routes (指南 Art 22; 电子商务法 Art 42-44), and their publicity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.moderation.api.common import Decide, P, Public, Read, Write, after_commit, pid
from zeren.moderation.schemas import (
    CounterNoticeIn,
    HolderActionIn,
    IPMeasureIn,
    IPNoticeIn,
    IPNoticePublic,
    IPNoticeRead,
    IPRejectIn,
)
from zeren.moderation.services import ip

router = APIRouter()


@router.get("/moderation/public/ip-notices", response_model=list[IPNoticePublic])
def ip_publicity(session: SessionDep, _: Public,
                 platform: Annotated[str, Query()] = "") -> list[IPNoticePublic]:
    """IP notices, declarations and outcomes, publicised (电子商务法 Art 44)."""
    if not platform:
        raise InvalidInput("name the platform", field="platform")
    return [IPNoticePublic.model_validate(x)
            for x in ip.publicity(session=session, platform_id=pid(session, platform))]


@router.post(P + "/ip-notices", response_model=IPNoticeRead, status_code=201)
def ip_notice(platform_id: str, body: IPNoticeIn, session: SessionDep, actor: Write
              ) -> IPNoticeRead:
    """A rights holder's notice (with preliminary evidence; 电子商务法 Art 42)."""
    return IPNoticeRead.model_validate(ip.file_notice(
        session=session, actor=actor, platform_id=pid(session, platform_id), body=body))


@router.get(P + "/ip-notices", response_model=list[IPNoticeRead])
def ip_notices(platform_id: str, session: SessionDep, actor: Read) -> list[IPNoticeRead]:
    return [IPNoticeRead.model_validate(n) for n in ip.list_notices(
        session=session, actor=actor, platform_id=pid(session, platform_id))]


@router.post("/moderation/ip-notices/{notice_id}/measures", response_model=IPNoticeRead)
def ip_measures(notice_id: str, body: IPMeasureIn, request: Request, tasks: BackgroundTasks,
                session: SessionDep, actor: Decide) -> IPNoticeRead:
    """Take the necessary measure and forward the notice to the merchant."""
    n = ip.take_measures(session=session, actor=actor, notice_id=notice_id, code=body.code,
                         note=body.note)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@router.post("/moderation/ip-notices/{notice_id}/rejection", response_model=IPNoticeRead)
def ip_reject(notice_id: str, body: IPRejectIn, session: SessionDep, actor: Decide
              ) -> IPNoticeRead:
    return IPNoticeRead.model_validate(ip.reject_notice(session=session, actor=actor,
                                                        notice_id=notice_id, reason=body.reason))


@router.post("/moderation/ip-notices/{notice_id}/counter-notice", response_model=IPNoticeRead)
def ip_counter(notice_id: str, body: CounterNoticeIn, session: SessionDep, actor: Write
               ) -> IPNoticeRead:
    """The merchant's declaration (with evidence); forwarded, and the 15-day clock starts."""
    return IPNoticeRead.model_validate(ip.counter_notice(session=session, actor=actor,
                                                         notice_id=notice_id, body=body))


@router.post("/moderation/ip-notices/{notice_id}/rights-holder-action",
             response_model=IPNoticeRead)
def ip_holder_action(notice_id: str, body: HolderActionIn, session: SessionDep, actor: Write
                     ) -> IPNoticeRead:
    """The rights holder shows a complaint or lawsuit within the 15 days: measures stay."""
    return IPNoticeRead.model_validate(ip.holder_action(
        session=session, actor=actor, notice_id=notice_id, kind=body.kind,
        reference=body.reference, body_name=body.body))
