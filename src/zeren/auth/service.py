"""Use cases for users, roles and tokens, and turning credentials into an ``Actor``."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.models import ApiToken, RoleGrant, User
from zeren.auth.policy import ROLE_NAMES, Actor, Grant
from zeren.auth.secrets import hash_password, new_token, token_digest, verify_password
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound, Unauthorized
from zeren.platforms.models import Platform

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def actor_for(*, session: Session, user: User) -> Actor:
    grants = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return Actor(
        user_id=user.id,
        username=user.username,
        grants=tuple(Grant(g.role, g.platform_id) for g in grants),
    )


def actor_for_user_id(*, session: Session, user_id: str) -> Actor | None:
    """The actor of an active user, or None (unknown or deactivated)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return actor_for(session=session, user=user)


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    password: str | None,
    roles: list[tuple[str, str | None]],
) -> User:
    """Create a user with roles ``[(role, platform_id or None for group-wide)]``."""
    actor.require("user.admin")
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "username must be 2–64 lowercase letters, digits, '.', '_' or '-'", field="username"
        )
    if password is not None and len(password) < 10:
        raise InvalidInput("password must have at least 10 characters", field="password")
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    for role, platform_id in roles:
        if role not in ROLE_NAMES:
            raise InvalidInput(
                f"unknown role {role!r}; expected one of {', '.join(ROLE_NAMES)}", field="roles"
            )
        if platform_id is not None and session.get(Platform, platform_id) is None:
            raise InvalidInput(f"unknown platform {platform_id}", field="roles")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists", details={"field": "username"})
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    for role, platform_id in roles:
        session.add(RoleGrant(user_id=user.id, role=role, platform_id=platform_id))
    record(
        session=session,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        after={"username": username, "roles": [list(r) for r in roles]},
        summary={"username": username, "roles": [f"{r}@{p or '*'}" for r, p in roles]},
    )
    session.flush()
    return user


def get_user(*, session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", details={"field": "username"})
    return user


def create_token(
    *, session: Session, actor: Actor, username: str, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """Issue an API token for ``username``; the secret is returned once and never stored."""
    user = get_user(session=session, username=username)
    if user.id != actor.user_id:
        actor.require("user.admin")
    secret = new_token()
    tok = ApiToken(user_id=user.id, name=name, secret_hash=token_digest(secret),
                   expires_at=expires_at)
    session.add(tok)
    session.flush()
    record(session=session, actor=actor, action="token.create", target_type="api_token",
           target_id=tok.id, summary={"username": username, "name": name})
    return tok, secret


def authenticate_token(*, session: Session, token: str) -> Actor:
    tok = session.scalar(select(ApiToken).where(ApiToken.secret_hash == token_digest(token)))
    now = utcnow()
    if tok is None or tok.revoked_at is not None or (tok.expires_at and tok.expires_at < now):
        raise Unauthorized("invalid or expired API token")
    user = session.get(User, tok.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the token's user is not active")
    a = actor_for(session=session, user=user)
    return Actor(user_id=a.user_id, username=a.username, grants=a.grants, via="token")


def authenticate_password(*, session: Session, username: str, password: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not user.password_hash:
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return actor_for(session=session, user=user)
