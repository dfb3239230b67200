"""Statement and notice routes: a measure's statement of reasons, an account's notices, and
the party's own inbox behind its secret link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from zeren.deps import SessionDep
from zeren.moderation.api.common import API_PREFIX, P, Public, Read, Write, pid
from zeren.moderation.schemas import InboxLinkIn, InboxLinkRead, NoticeRead, StatementRead
from zeren.moderation.services import statements

router = APIRouter()


@router.get("/moderation/measures/{measure_id}/statement", response_model=StatementRead)
def statement(measure_id: str, session: SessionDep, actor: Read) -> StatementRead:
    """The statement of reasons of a measure."""
    return StatementRead.model_validate(statements.read_statement(
        session=session, actor=actor, measure_id=measure_id))


@router.get(P + "/notices", response_model=list[NoticeRead])
def notices(platform_id: str, session: SessionDep, actor: Read,
            account_ref: Annotated[str, Query(min_length=1)]) -> list[NoticeRead]:
    """An account's notice inbox."""
    return [NoticeRead.model_validate(n) for n in statements.account_notices(
        session=session, actor=actor, platform_id=pid(session, platform_id),
        account_ref=account_ref)]


@router.get("/moderation/public/inbox/{token}", response_model=list[NoticeRead])
def inbox(token: str, session: SessionDep, _: Public) -> list[NoticeRead]:
    """The affected party's notices, behind the secret link the platform gave them."""
    return [NoticeRead.model_validate(n)
            for n in statements.inbox(session=session, token=token)[1]]


@router.post(P + "/inbox-links", response_model=InboxLinkRead)
def inbox_link(platform_id: str, body: InboxLinkIn, session: SessionDep, actor: Write
               ) -> InboxLinkRead:
    """An account's inbox link, for the platform to hand to its merchant or user: through it
    the party reads its notices, appeals, declares against IP notices and answers
    complaints."""
    acc, token = statements.inbox_link(session=session, actor=actor,
                                       platform_id=pid(session, platform_id),
                                       account_ref=body.account_ref, kind=body.kind)
    return InboxLinkRead(account_ref=acc.external_ref, kind=acc.kind, token=token,
                         link=f"{API_PREFIX}/moderation/public/inbox/{token}")
