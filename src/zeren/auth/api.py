"""HTTP routes for the acting user, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from zeren.auth import service
from zeren.auth.policy import Actor
from zeren.deps import ActorDep, SessionDep, require

router = APIRouter(tags=["auth"])


class GrantRead(BaseModel):
    role: str
    platform_id: str | None


class MeRead(BaseModel):
    user_id: str
    username: str
    grants: list[GrantRead]


class UserCreate(BaseModel):
    username: str
    display_name: str = ""
    password: str | None = None
    roles: list[GrantRead] = Field(min_length=1)


class UserRead(BaseModel):
    id: str
    username: str
    display_name: str


class TokenCreate(BaseModel):
    username: str
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenIssued(BaseModel):
    id: str
    name: str
    token: str = Field(description="Shown once; Zeren keeps only its SHA-256.")


@router.get("/me", response_model=MeRead)
def me(actor: ActorDep) -> MeRead:
    return MeRead(user_id=actor.user_id, username=actor.username,
                  grants=[GrantRead(role=g.role, platform_id=g.platform_id)
                          for g in actor.grants])


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, session: SessionDep,
                actor: Annotated[Actor, Depends(require("user.admin"))]) -> UserRead:
    u = service.create_user(session=session, actor=actor, username=body.username,
                            display_name=body.display_name, password=body.password,
                            roles=[(g.role, g.platform_id) for g in body.roles])
    return UserRead(id=u.id, username=u.username, display_name=u.display_name)


@router.post("/tokens", response_model=TokenIssued, status_code=201)
def create_token(body: TokenCreate, session: SessionDep,
                 actor: Annotated[Actor, Depends(require("user.admin"))]) -> TokenIssued:
    tok, secret = service.create_token(session=session, actor=actor, username=body.username,
                                       name=body.name, expires_at=body.expires_at)
    return TokenIssued(id=tok.id, name=tok.name, token=secret)
