"""HTTP routes for exemptions (变通) under Art 35."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.exemptions import service
from zeren.exemptions.schemas import (
    ExemptionCreate,
    ExemptionDecision,
    ExemptionEventRead,
    ExemptionRead,
)
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform

router = APIRouter(tags=["exemptions"])


@router.get("/platforms/{platform_id}/exemptions", response_model=Page[ExemptionRead])
def list_exemptions(
    platform_id: str, session: SessionDep,
    _actor: Annotated[Actor, Depends(require("exemption.read"))], page: PageDep,
) -> Page[ExemptionRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    rows, total = service.exemptions_page(session=session, platform_id=p.id, page=page)
    return page_of([ExemptionRead.model_validate(e) for e in rows], total, page)


@router.post("/platforms/{platform_id}/exemptions", response_model=ExemptionRead,
             status_code=201)
def request_exemption(
    platform_id: str, body: ExemptionCreate, session: SessionDep,
    actor: Annotated[Actor, Depends(require("exemption.request"))],
) -> ExemptionRead:
    p = get_platform(session=session, platform_ref=platform_id)
    return ExemptionRead.model_validate(
        service.request_exemption(session=session, actor=actor, platform=p,
                                  data=body.model_dump()))


@router.post("/exemptions/{exemption_id}/decision", response_model=ExemptionRead)
def decide(
    exemption_id: str, body: ExemptionDecision, session: SessionDep,
    actor: Annotated[Actor, Depends(require("exemption.request"))],
) -> ExemptionRead:
    """Approve or reject (needs exemption.decide) or withdraw; checked per platform."""
    return ExemptionRead.model_validate(service.decide_exemption(
        session=session, actor=actor, exemption_id=exemption_id, action=body.action,
        note=body.note))


@router.get("/exemptions/{exemption_id}/events", response_model=list[ExemptionEventRead])
def exemption_events(
    exemption_id: str, session: SessionDep,
    actor: Annotated[Actor, Depends(require("exemption.read"))],
) -> list[ExemptionEventRead]:
    return [ExemptionEventRead.model_validate(e) for e in service.events_for(
        session=session, actor=actor, exemption_id=exemption_id)]
