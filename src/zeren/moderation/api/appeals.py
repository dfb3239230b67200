"""Appeal routes: filed by the platform for the party or by the party from its inbox,
listed, decided; and the public merchant sanctions board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.moderation.api.common import (
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
    AppealDecisionIn,
    AppealIn,
    AppealRead,
    PublicAppealIn,
    SanctionRead,
)
from zeren.moderation.services import appeals

router = APIRouter()


@router.post(P + "/appeals", response_model=AppealRead, status_code=201)
def file_appeal(platform_id: str, body: AppealIn, session: SessionDep, actor: Write
                ) -> AppealRead:
    """File an appeal on behalf of the affected account (named by the platform's id)."""
    return AppealRead.model_validate(appeals.file_appeal(
        session=session, actor=actor, platform_id=pid(session, platform_id), body=body))


@router.get(P + "/appeals", response_model=list[AppealRead])
def list_appeals(platform_id: str, session: SessionDep, actor: Read,
                 status: str | None = None) -> list[AppealRead]:
    return [AppealRead.model_validate(a) for a in appeals.list_appeals(
        session=session, actor=actor, platform_id=pid(session, platform_id), status=status)]


@router.post("/moderation/appeals/{appeal_id}/decision", response_model=AppealRead)
def decide_appeal(appeal_id: str, body: AppealDecisionIn, request: Request,
                  tasks: BackgroundTasks, session: SessionDep, actor: Decide) -> AppealRead:
    """Uphold or overturn (by a moderator other than the first decider)."""
    out = appeals.decide_appeal(session=session, actor=actor, appeal_id=appeal_id,
                                outcome=body.outcome, reason=body.reason)
    after_commit(request, tasks)
    return AppealRead.model_validate(out)


@capped_post(router, "/moderation/public/inbox/{token}/appeals", response_model=AppealRead,
             status_code=201)
def inbox_appeal(token: str, body: PublicAppealIn, session: SessionDep, _: Public,
                 _g: Guarded) -> AppealRead:
    """Appeal a measure from the notice inbox, as the party it affects."""
    return AppealRead.model_validate(appeals.appeal_from_inbox(session=session, token=token,
                                                               body=body))


@router.get("/moderation/public/sanctions", response_model=list[SanctionRead])
def sanctions(session: SessionDep, _: Public,
              platform: Annotated[str, Query(description="Platform code or id")] = ""
              ) -> list[SanctionRead]:
    """The merchant sanctions board (指南 Art 29; 电子商务法 Art 36)."""
    if not platform:
        raise InvalidInput("name the platform", field="platform")
    return [SanctionRead.model_validate(x)
            for x in appeals.sanctions_board(session=session, platform_id=pid(session, platform))]
