"""HTTP route for reading the audit trail (there is no route that changes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from zeren.audit.service import list_events
from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.pagination import Page, PageDep

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target_type: str
    target_id: str
    platform_id: str | None
    before_digest: str | None
    after_digest: str | None
    request_id: str
    summary: dict[str, Any]


@router.get("/events", response_model=Page[AuditEventRead])
def audit_events(
    session: SessionDep, actor: Annotated[Actor, Depends(require("audit.read"))], page: PageDep,
    action: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[AuditEventRead]:
    rows, total = list_events(session=session, actor=actor, offset=page.offset,
                              limit=page.limit, action=action)
    return Page[AuditEventRead](items=[AuditEventRead.model_validate(r) for r in rows],
                                total=total, offset=page.offset, limit=page.limit)
