"""HTTP routes for platforms, their yearly figures and tier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms import service
from zeren.platforms.schemas import (
    Applicability,
    FiguresCreate,
    FiguresResult,
    PlatformCreate,
    PlatformRead,
    TierRead,
)

router = APIRouter(prefix="/platforms", tags=["platforms"])


@router.get("", response_model=Page[PlatformRead])
def list_platforms(
    session: SessionDep, actor: Annotated[Actor, Depends(require("platform.read"))], page: PageDep
) -> Page[PlatformRead]:
    rows, total = service.platforms_page(session=session, actor=actor, page=page)
    return page_of([PlatformRead.model_validate(p) for p in rows], total, page)


@router.post("", response_model=PlatformRead, status_code=201)
def create_platform(
    body: PlatformCreate, session: SessionDep,
    actor: Annotated[Actor, Depends(require("platform.create"))],
) -> PlatformRead:
    p = service.create_platform(session=session, actor=actor, data=body.model_dump())
    return PlatformRead.model_validate(p)


@router.get("/{platform_id}", response_model=PlatformRead)
def get_platform(
    platform_id: str, session: SessionDep,
    _actor: Annotated[Actor, Depends(require("platform.read"))],
) -> PlatformRead:
    return PlatformRead.model_validate(service.get_platform(session=session,
                                                            platform_ref=platform_id))


@router.post("/{platform_id}/figures", response_model=FiguresResult, status_code=201)
def record_figures(
    platform_id: str, body: FiguresCreate, session: SessionDep,
    actor: Annotated[Actor, Depends(require("platform.write"))],
) -> FiguresResult:
    p = service.get_platform(session=session, platform_ref=platform_id)
    fig, ta = service.record_figures(session=session, actor=actor, platform=p,
                                     data=body.model_dump())
    return FiguresResult.model_validate({"figures": fig, "tier": ta}, from_attributes=True)


@router.post("/{platform_id}/classify", response_model=TierRead, status_code=201)
def classify(
    platform_id: str, session: SessionDep,
    actor: Annotated[Actor, Depends(require("platform.write"))],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> TierRead:
    p = service.get_platform(session=session, platform_ref=platform_id)
    return TierRead.model_validate(
        service.classify_platform(session=session, actor=actor, platform=p, year=year))


@router.get("/{platform_id}/tiers", response_model=Page[TierRead])
def tier_history(
    platform_id: str, session: SessionDep,
    _actor: Annotated[Actor, Depends(require("platform.read"))], page: PageDep,
) -> Page[TierRead]:
    p = service.get_platform(session=session, platform_ref=platform_id)
    rows, total = service.tier_history_page(session=session, platform_id=p.id, page=page)
    return page_of([TierRead.model_validate(t) for t in rows], total, page)


@router.get("/{platform_id}/applicability", response_model=Applicability)
def applicability(
    platform_id: str, session: SessionDep,
    _actor: Annotated[Actor, Depends(require("platform.read"))],
) -> Applicability:
    p = service.get_platform(session=session, platform_ref=platform_id)
    ta = service.current_tier(session=session, platform_id=p.id)
    return Applicability(
        platform_id=p.id, tier=service.effective_tier(session=session, platform_id=p.id),
        articles=list(service.applicable(session=session, platform_id=p.id)),
        tier_assessment=TierRead.model_validate(ta) if ta else None)
