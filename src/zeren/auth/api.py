"""HTTP routes for the acting user, users and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from zeren.auth import service
from zeren.auth.policy import Actor
from zeren.config import Settings
from zeren.deps import ActorDep, SessionDep, require, settings_of
from zeren.timepolicy import Instant

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
    expires_at: Instant | None = None


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


class PasswordSet(BaseModel):
    password: str = Field(min_length=10, max_length=1024)


class OwnPasswordSet(PasswordSet):
    current_password: str = Field(max_length=1024)


class RolesSet(BaseModel):
    roles: list[GrantRead] = Field(min_length=1, max_length=100)


class SessionsEnded(BaseModel):
    sessions_ended: int = Field(description="Console sessions of the user that were ended.")


class ConsoleSessionRead(BaseModel):
    id: str
    state: str = Field(description="live, ended (signed out or ended by someone), idle or "
                       "expired.")
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    client: str
    user_agent: str


Username = Annotated[str, Path(max_length=64)]


@router.put("/me/password", response_model=SessionsEnded)
def set_own_password(body: OwnPasswordSet, session: SessionDep, actor: ActorDep
                     ) -> SessionsEnded:
    """Change one's own console password (the current one is needed); every console session
    of the user ends, this one included."""
    n = service.set_password(session=session, actor=actor, username=actor.username,
                             password=body.password, current_password=body.current_password)
    return SessionsEnded(sessions_ended=n)


@router.put("/users/{username}/password", response_model=SessionsEnded)
def set_password(username: Username, body: PasswordSet, session: SessionDep,
                 actor: Annotated[Actor, Depends(require("user.admin"))]) -> SessionsEnded:
    """Set a user's console password; every console session of the user ends."""
    n = service.set_password(session=session, actor=actor, username=username,
                             password=body.password)
    return SessionsEnded(sessions_ended=n)


@router.put("/users/{username}/roles", response_model=SessionsEnded)
def set_roles(username: Username, body: RolesSet, session: SessionDep,
              actor: Annotated[Actor, Depends(require("user.admin"))]) -> SessionsEnded:
    """Replace a user's roles; every console session of the user ends."""
    n = service.set_roles(session=session, actor=actor, username=username,
                          roles=[(g.role, g.platform_id) for g in body.roles])
    return SessionsEnded(sessions_ended=n)


@router.get("/users/{username}/sessions", response_model=list[ConsoleSessionRead])
def list_sessions(username: Username, session: SessionDep,
                  actor: Annotated[Actor, Depends(require("user.admin"))],
                  settings: Annotated[Settings, Depends(settings_of)],
                  include_ended: bool = False) -> list[ConsoleSessionRead]:
    """A user's console sessions (live ones unless ``include_ended``), newest first."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    rows = service.list_sessions(session=session, actor=actor, username=username, idle=idle,
                                 include_ended=include_ended)
    return [ConsoleSessionRead(
        id=r.id, state=service.session_state(r, idle), created_at=r.created_at,
        last_seen_at=r.last_seen_at, expires_at=r.expires_at, ended_at=r.ended_at,
        end_reason=r.end_reason, client=r.client, user_agent=r.user_agent) for r in rows]


@router.post("/users/{username}/sessions/end", response_model=SessionsEnded)
def end_all_sessions(username: Username, session: SessionDep,
                     actor: Annotated[Actor, Depends(require("user.admin"))]) -> SessionsEnded:
    """End every console session of a user."""
    return SessionsEnded(sessions_ended=service.end_session(
        session=session, actor=actor, username=username))


@router.post("/users/{username}/sessions/{session_id}/end", response_model=SessionsEnded)
def end_one_session(username: Username, session_id: Annotated[str, Path(max_length=36)],
                    session: SessionDep,
                    actor: Annotated[Actor, Depends(require("user.admin"))]) -> SessionsEnded:
    """End one console session of a user."""
    return SessionsEnded(sessions_ended=service.end_session(
        session=session, actor=actor, username=username, session_id=session_id))
