"""IP notice-and-takedown routes (指南 Art 22; 电子商务法 Art 42-44), and their publicity.
Each step names its party: the merchant declares from its inbox link (or a platform system
names it), the rights holder acts from the link it was given at filing (or a system presents
that link's token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.moderation.api.common import (
    API_PREFIX,
    Decide,
    Guarded,
    P,
    Public,
    Read,
    Write,
    after_commit,
    capped_post,
    pid,
)
from zeren.moderation.schemas import (
    CounterNoticeIn,
    ForwardingRead,
    HolderActionIn,
    IPHolderView,
    IPMeasureIn,
    IPNoticeFiled,
    IPNoticeIn,
    IPNoticePublic,
    IPNoticeRead,
    IPRejectIn,
    PublicCounterNoticeIn,
    PublicHolderActionIn,
    PublicWithdrawalIn,
    WithdrawalIn,
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


@router.post(P + "/ip-notices", response_model=IPNoticeFiled, status_code=201)
def ip_notice(platform_id: str, body: IPNoticeIn, session: SessionDep, actor: Write
              ) -> IPNoticeFiled:
    """A rights holder's notice (with preliminary evidence; 电子商务法 Art 42). The answer
    carries the rights holder's link, shown this once: hand it to the rights holder."""
    n, token = ip.file_notice(session=session, actor=actor,
                              platform_id=pid(session, platform_id), body=body)
    return IPNoticeFiled.model_validate({
        **IPNoticeRead.model_validate(n).model_dump(), "holder_token": token,
        "holder_link": f"{API_PREFIX}/moderation/public/ip-holder/{token}"})


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
def ip_counter(notice_id: str, body: CounterNoticeIn, request: Request, tasks: BackgroundTasks,
               session: SessionDep, actor: Write) -> IPNoticeRead:
    """The declaration of the merchant named in ``merchant_ref`` (the one the notice was
    forwarded to, else 403 ``wrong_party``); forwarded, and the 15-day clock starts."""
    n = ip.counter_notice(session=session, actor=actor, notice_id=notice_id, body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@router.post("/moderation/ip-notices/{notice_id}/rights-holder-action",
             response_model=IPNoticeRead)
def ip_holder_action(notice_id: str, body: HolderActionIn, request: Request,
                     tasks: BackgroundTasks, session: SessionDep, actor: Write) -> IPNoticeRead:
    """For the rights holder (``holder_token`` from filing, else 403 ``wrong_party``): a
    complaint or lawsuit within the 15 days keeps the measure."""
    n = ip.holder_action(session=session, actor=actor, notice_id=notice_id,
                         holder_token=body.holder_token, body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@router.post("/moderation/ip-notices/{notice_id}/withdrawal", response_model=IPNoticeRead)
def ip_withdrawal(notice_id: str, body: WithdrawalIn, request: Request, tasks: BackgroundTasks,
                  session: SessionDep, actor: Write) -> IPNoticeRead:
    """For the rights holder (``holder_token``): the notice is withdrawn, the measure ends."""
    n = ip.withdraw(session=session, actor=actor, notice_id=notice_id,
                    holder_token=body.holder_token, body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@router.get("/moderation/ip-notices/{notice_id}/forwardings",
            response_model=list[ForwardingRead])
def ip_forwardings(notice_id: str, session: SessionDep, actor: Read) -> list[ForwardingRead]:
    """What was forwarded for a notice, to each party, when and how."""
    return [ForwardingRead.model_validate(f) for f in ip.notice_forwardings(
        session=session, actor=actor, notice_id=notice_id)]


@router.get("/moderation/public/ip-holder/{token}", response_model=IPHolderView)
def holder_view(token: str, session: SessionDep, _: Public) -> IPHolderView:
    """The rights holder's page behind the link it was given at filing: its notice, the
    merchant's declaration and evidence, and the statement that it may complain or sue
    before the 15 days end (电子商务法 Art 43)."""
    v = ip.holder_view(session=session, token=token)
    return IPHolderView(notice=IPNoticeRead.model_validate(v["notice"]),
                        declaration=v["declaration"], evidence=v["evidence"],
                        forwardings=[ForwardingRead.model_validate(f)
                                     for f in v["forwardings"]])


@capped_post(router, "/moderation/public/ip-holder/{token}/action",
             response_model=IPNoticeRead)
def holder_link_action(token: str, body: PublicHolderActionIn, request: Request,
                       tasks: BackgroundTasks, session: SessionDep, _: Public, _g: Guarded
                       ) -> IPNoticeRead:
    """The rights holder shows a complaint or lawsuit within the 15 days, from its link."""
    n = ip.holder_action_from_link(session=session, token=token, body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@capped_post(router, "/moderation/public/ip-holder/{token}/withdrawal",
             response_model=IPNoticeRead)
def holder_link_withdrawal(token: str, body: PublicWithdrawalIn, request: Request,
                           tasks: BackgroundTasks, session: SessionDep, _: Public,
                           _g: Guarded) -> IPNoticeRead:
    """The rights holder withdraws its notice from its link; the measure ends."""
    n = ip.withdraw_from_link(session=session, token=token, body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@capped_post(router, "/moderation/public/inbox/{token}/ip-notices/{notice_id}/counter-notice",
             response_model=IPNoticeRead)
def inbox_counter(token: str, notice_id: str, body: PublicCounterNoticeIn, request: Request,
                  tasks: BackgroundTasks, session: SessionDep, _: Public, _g: Guarded
                  ) -> IPNoticeRead:
    """The merchant declares from its own inbox link (only for a notice forwarded to it)."""
    n = ip.counter_notice_from_inbox(session=session, token=token, notice_id=notice_id,
                                     body=body)
    after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)
