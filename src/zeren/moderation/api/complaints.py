"""Consumer complaint routes (ODR, 指南 Art 28)."""

from __future__ import annotations

from fastapi import APIRouter

from zeren.deps import SessionDep
from zeren.moderation.api.common import Decide, P, Read, Write, pid
from zeren.moderation.schemas import ComplaintIn, ComplaintRead, MediationIn, MerchantReplyIn
from zeren.moderation.services import complaints

router = APIRouter()


@router.post(P + "/complaints", response_model=ComplaintRead, status_code=201)
def complaint(platform_id: str, body: ComplaintIn, session: SessionDep, actor: Write
              ) -> ComplaintRead:
    """A consumer complaint against a merchant; the merchant's reply deadline starts."""
    return ComplaintRead.model_validate(complaints.file_complaint(
        session=session, actor=actor, platform_id=pid(session, platform_id), body=body))


@router.get(P + "/complaints", response_model=list[ComplaintRead])
def list_complaints(platform_id: str, session: SessionDep, actor: Read) -> list[ComplaintRead]:
    return [ComplaintRead.model_validate(c) for c in complaints.list_complaints(
        session=session, actor=actor, platform_id=pid(session, platform_id))]


@router.post("/moderation/complaints/{complaint_id}/merchant-reply",
             response_model=ComplaintRead)
def merchant_reply(complaint_id: str, body: MerchantReplyIn, session: SessionDep,
                   actor: Write) -> ComplaintRead:
    return ComplaintRead.model_validate(complaints.merchant_reply(
        session=session, actor=actor, complaint_id=complaint_id, reply=body.reply,
        accepted=body.accepted))


@router.post("/moderation/complaints/{complaint_id}/mediation", response_model=ComplaintRead)
def mediation(complaint_id: str, body: MediationIn, session: SessionDep, actor: Decide
              ) -> ComplaintRead:
    return ComplaintRead.model_validate(complaints.mediate(
        session=session, actor=actor, complaint_id=complaint_id, settled=body.settled,
        outcome=body.outcome))
