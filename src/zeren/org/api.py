"""HTTP routes for the organisation registry (Art 4, Art 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.org import service
from zeren.org.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DutyCreate,
    DutyRead,
    PersonCreate,
    PersonRead,
)
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/org", tags=["org"])
Reader = Annotated[Actor, Depends(require("org.read"))]
Writer = Annotated[Actor, Depends(require("org.write"))]


@router.get("/departments", response_model=Page[DepartmentRead])
def list_departments(platform_id: str, session: SessionDep, _a: Reader, page: PageDep
                     ) -> Page[DepartmentRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    rows, total = service.departments_page(session=session, platform_id=p.id, page=page)
    return page_of([DepartmentRead.model_validate(d) for d in rows], total, page)


@router.post("/departments", response_model=DepartmentRead, status_code=201)
def add_department(platform_id: str, body: DepartmentCreate, session: SessionDep, actor: Writer
                   ) -> DepartmentRead:
    p = get_platform(session=session, platform_ref=platform_id)
    return DepartmentRead.model_validate(service.add_department(
        session=session, actor=actor, platform=p, **body.model_dump()))


@router.get("/people", response_model=Page[PersonRead])
def list_people(platform_id: str, session: SessionDep, _a: Reader, page: PageDep
                ) -> Page[PersonRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    rows, total = service.people_page(session=session, platform_id=p.id, page=page)
    return page_of([PersonRead.model_validate(x) for x in rows], total, page)


@router.post("/people", response_model=PersonRead, status_code=201)
def add_person(platform_id: str, body: PersonCreate, session: SessionDep, actor: Writer
               ) -> PersonRead:
    p = get_platform(session=session, platform_ref=platform_id)
    return PersonRead.model_validate(service.add_person(session=session, actor=actor, platform=p,
                                                        data=body.model_dump()))


@router.post("/duties", response_model=DutyRead, status_code=201)
def assign_duty(platform_id: str, body: DutyCreate, session: SessionDep, actor: Writer
                ) -> DutyRead:
    p = get_platform(session=session, platform_ref=platform_id)
    return DutyRead.model_validate(service.assign_duty(session=session, actor=actor, platform=p,
                                                       **body.model_dump()))
