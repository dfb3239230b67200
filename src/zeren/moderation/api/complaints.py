"""Consumer complaint routes (ODR, 指南 Art 28). The merchant answers from its inbox link
(or a platform system names it); the platform mediates once the merchant answered or its
window passed."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from zeren.deps import SessionDep
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
    ComplaintFiled,
    ComplaintIn,
    ComplaintRead,
    ConsumerView,
    ForwardingRead,
    MediationIn,
    MerchantReplyIn,
    PublicMerchantReplyIn,
)
from zeren.moderation.services import complaints

router = APIRouter()


@router.post(P + "/complaints", response_model=ComplaintFiled, status_code=201)
def complaint(platform_id: str, body: ComplaintIn, request: Request, tasks: BackgroundTasks,
              session: SessionDep, actor: Write) -> ComplaintFiled:
    """A consumer complaint against a merchant; the merchant's reply deadline starts. The
    answer carries the consumer's link, shown this once: hand it to the consumer."""
    c, token = complaints.file_complaint(session=session, actor=actor,
                                         platform_id=pid(session, platform_id), body=body)
    after_commit(request, tasks)
    return ComplaintFiled.model_validate({
        **ComplaintRead.model_validate(c).model_dump(), "consumer_token": token,
        "consumer_link": f"{API_PREFIX}/moderation/public/complaint/{token}"})


@router.get(P + "/complaints", response_model=list[ComplaintRead])
def list_complaints(platform_id: str, session: SessionDep, actor: Read) -> list[ComplaintRead]:
    return [ComplaintRead.model_validate(c) for c in complaints.list_complaints(
        session=session, actor=actor, platform_id=pid(session, platform_id))]


@router.post("/moderation/complaints/{complaint_id}/merchant-reply",
             response_model=ComplaintRead)
def merchant_reply(complaint_id: str, body: MerchantReplyIn, request: Request,
                   tasks: BackgroundTasks, session: SessionDep, actor: Write) -> ComplaintRead:
    """The answer of the merchant named in ``merchant_ref`` (the one complained about, else
    403 ``wrong_party``)."""
    c = complaints.merchant_reply(session=session, actor=actor, complaint_id=complaint_id,
                                  body=body)
    after_commit(request, tasks)
    return ComplaintRead.model_validate(c)


@router.post("/moderation/complaints/{complaint_id}/mediation", response_model=ComplaintRead)
def mediation(complaint_id: str, body: MediationIn, session: SessionDep, actor: Decide
              ) -> ComplaintRead:
    """The outcome of the platform's mediation: only once the merchant answered or its reply
    window passed (else 409 ``merchant_reply_pending``)."""
    return ComplaintRead.model_validate(complaints.mediate(
        session=session, actor=actor, complaint_id=complaint_id, settled=body.settled,
        outcome=body.outcome))


@router.get("/moderation/complaints/{complaint_id}/forwardings",
            response_model=list[ForwardingRead])
def complaint_forwardings(complaint_id: str, session: SessionDep, actor: Read
                          ) -> list[ForwardingRead]:
    """What was forwarded for a complaint, to each party, when and how."""
    return [ForwardingRead.model_validate(f) for f in complaints.complaint_forwardings(
        session=session, actor=actor, complaint_id=complaint_id)]


@router.get("/moderation/public/complaint/{token}", response_model=ConsumerView)
def consumer_view(token: str, session: SessionDep, _: Public) -> ConsumerView:
    """The consumer's page behind the link it was given at filing: its complaint and the
    merchant's answer."""
    v = complaints.consumer_view(session=session, token=token)
    return ConsumerView(complaint=ComplaintRead.model_validate(v["complaint"]),
                        forwardings=[ForwardingRead.model_validate(f)
                                     for f in v["forwardings"]])


@capped_post(router, "/moderation/public/inbox/{token}/complaints/{complaint_id}/reply",
             response_model=ComplaintRead)
def inbox_reply(token: str, complaint_id: str, body: PublicMerchantReplyIn, request: Request,
                tasks: BackgroundTasks, session: SessionDep, _: Public, _g: Guarded
                ) -> ComplaintRead:
    """The merchant answers from its own inbox link (only a complaint about it)."""
    c = complaints.merchant_reply_from_inbox(session=session, token=token,
                                             complaint_id=complaint_id, body=body)
    after_commit(request, tasks)
    return ComplaintRead.model_validate(c)
