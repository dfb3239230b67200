"""HTTP routes of notification channels and the record of messages sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.notify import service
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/notify", tags=["notify"])
Reader = Annotated[Actor, Depends(require("notify.read"))]
Writer = Annotated[Actor, Depends(require("notify.write"))]


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: str = Field(pattern="^(email|webhook)$")
    target: str = Field(min_length=3, max_length=500)
    events: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    target: str
    events: list[str]
    active: bool
    created_at: datetime


class ChannelCreated(ChannelRead):
    secret: str = Field(description="HMAC key of a webhook; shown only now.")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel_id: str
    event: str
    key: str
    subject: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    created_at: datetime


@router.post("/channels", response_model=ChannelCreated, status_code=201)
def add_channel(platform_id: str, body: ChannelIn, session: SessionDep, actor: Writer
                ) -> ChannelCreated:
    p = get_platform(session=session, platform_ref=platform_id)
    return ChannelCreated.model_validate(service.add_channel(
        session=session, actor=actor, platform_id=p.id, kind=body.kind, target=body.target,
        events=body.events))


@router.get("/channels", response_model=list[ChannelRead])
def list_channels(platform_id: str, session: SessionDep, actor: Reader) -> list[ChannelRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    return [ChannelRead.model_validate(c)
            for c in service.channels(session=session, actor=actor, platform_id=p.id)]


@router.get("/messages", response_model=list[MessageRead])
def list_messages(platform_id: str, session: SessionDep, actor: Reader) -> list[MessageRead]:
    p = get_platform(session=session, platform_ref=platform_id)
    return [MessageRead.model_validate(m)
            for m in service.messages(session=session, actor=actor, platform_id=p.id)]
