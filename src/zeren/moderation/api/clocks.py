"""The clock route: move every deadline on now."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from zeren.deps import SessionDep
from zeren.moderation.api.common import Admin, after_commit
from zeren.moderation.schemas import TickResult
from zeren.moderation.services import clocks

router = APIRouter()


@router.post("/moderation/tick", response_model=TickResult)
def tick(request: Request, tasks: BackgroundTasks, session: SessionDep, actor: Admin
         ) -> TickResult:
    """Move the clocks on now (SLA escalation, expiry, IP clocks, complaint deadlines,
    batch screening); the ``moderation.tick`` job does this every minute."""
    out = clocks.tick(session=session, actor=actor)
    after_commit(request, tasks)
    return TickResult(**out)
