"""Use cases for users, roles and tokens, and turning credentials into an ``Actor``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.models import ApiToken, ConsoleSession, LoginThrottle, RoleGrant, User
from zeren.auth.policy import ROLE_NAMES, Actor, Grant
from zeren.auth.secrets import hash_password, new_token, token_digest, verify_password
from zeren.db.base import utcnow
from zeren.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
)
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
    if password is not None:
        _check_password(password)
    _check_roles(session=session, roles=roles)
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


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise InvalidInput("password must have at least 10 characters", field="password")
    if len(password) > 1024:
        raise InvalidInput("password must have at most 1024 characters", field="password")


def _check_roles(*, session: Session, roles: Sequence[tuple[str, str | None]]) -> None:
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    for role, platform_id in roles:
        if role not in ROLE_NAMES:
            raise InvalidInput(
                f"unknown role {role!r}; expected one of {', '.join(ROLE_NAMES)}", field="roles"
            )
        if platform_id is not None and session.get(Platform, platform_id) is None:
            raise InvalidInput(f"unknown platform {platform_id}", field="roles")


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


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate_password(*, session: Session, username: str, password: str) -> Actor:
    """The actor whose password this is. An unknown or password-less user costs the same
    argon2 verification as a known one, so timing does not tell user names apart."""
    user = session.scalar(select(User).where(User.username == username[:64]))
    usable = user is not None and user.is_active and bool(user.password_hash)
    stored = user.password_hash if usable and user is not None and user.password_hash \
        else _dummy_hash()
    ok = verify_password(stored, password[:1024])
    if not usable or not ok or user is None:
        raise Unauthorized("wrong username or password")
    return actor_for(session=session, user=user)


# --- sign-in throttling (ADR 0045) -------------------------------------------------------
THROTTLE_FREE = 3  # failures before any wait
THROTTLE_BASE = timedelta(seconds=2)
THROTTLE_MAX = timedelta(minutes=15)
THROTTLE_FORGET = timedelta(hours=1)  # a quiet hour clears the count
ANONYMOUS = Actor(user_id="anonymous", username="anonymous")


def _throttle_keys(username: str, client: str) -> list[str]:
    return [f"user:{username.strip().lower()[:64]}", f"client:{client[:64]}"]


def _new_throttle_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """A fresh count for ``key``; when a concurrent failure inserted it first, that row."""
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        return row
    except IntegrityError:
        existing = session.get(LoginThrottle, key, populate_existing=True)
        if existing is None:  # pragma: no cover - inserted and gone again
            raise
        return existing


def sign_in(*, session: Session, username: str, password: str, client: str) -> Actor:
    """Check a console sign-in, throttled per user name and per client address: after
    ``THROTTLE_FREE`` failures each further one doubles the wait (2 s, 4 s, … 15 min), and
    an attempt during the wait is refused unheard (``RateLimited`` with the seconds left).
    Failures and refusals go to the audit trail."""
    now = utcnow()
    keys = _throttle_keys(username, client)
    rows = {k: session.get(LoginThrottle, k) for k in keys}
    waits = [(r.blocked_until - now).total_seconds() for r in rows.values()
             if r is not None and r.blocked_until is not None and r.blocked_until > now]
    if waits:
        record(session=session, actor=ANONYMOUS, action="login.throttled", target_type="login",
               target_id=username[:64], summary={"username": username[:64], "client": client[:64],
                                                 "retry_after_seconds": int(max(waits)) + 1})
        raise RateLimited("too many failed sign-ins; wait before trying again",
                          retry_after=max(waits))
    try:
        actor = authenticate_password(session=session, username=username, password=password)
    except Unauthorized:
        for k in keys:
            row = rows[k] or _new_throttle_row(session, k, now)
            if now - row.last_failure_at >= THROTTLE_FORGET:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            over = row.failures - THROTTLE_FREE
            row.blocked_until = (now + min(THROTTLE_BASE * 2 ** (over - 1), THROTTLE_MAX)
                                 if over > 0 else None)
        record(session=session, actor=ANONYMOUS, action="login.failed", target_type="login",
               target_id=username[:64], summary={"username": username[:64], "client": client[:64]})
        session.flush()
        raise
    for seen in rows.values():
        if seen is not None:
            session.delete(seen)
    session.flush()
    return actor


def set_password(
    *, session: Session, actor: Actor, username: str, password: str,
    current_password: str | None = None,
) -> int:
    """Set ``username``'s console password: an administrator for anyone, a user for
    themselves with their current password. Ends every console session of that user; returns
    how many were ended."""
    user = get_user(session=session, username=username)
    if user.id == actor.user_id and not actor.can("user.admin"):
        if (current_password is None or not user.password_hash
                or not verify_password(user.password_hash, current_password)):
            raise Forbidden("the current password is wrong", details={"field": "current_password"})
    else:
        actor.require("user.admin")
    _check_password(password)
    user.password_hash = hash_password(password)
    ended = end_user_sessions(session=session, user_id=user.id, reason="password_changed")
    record(session=session, actor=actor, action="user.password", target_type="user",
           target_id=user.id, summary={"username": username, "sessions_ended": ended})
    session.flush()
    return ended


def set_roles(
    *, session: Session, actor: Actor, username: str, roles: list[tuple[str, str | None]]
) -> int:
    """Replace ``username``'s roles. Ends every console session of that user (a session must
    not outlive the rights it was opened with); returns how many were ended."""
    actor.require("user.admin")
    user = get_user(session=session, username=username)
    _check_roles(session=session, roles=roles)
    old = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    before = sorted(f"{g.role}@{g.platform_id or '*'}" for g in old)
    for g in old:
        session.delete(g)
    session.flush()
    for role, platform_id in dict.fromkeys(roles):
        session.add(RoleGrant(user_id=user.id, role=role, platform_id=platform_id))
    ended = end_user_sessions(session=session, user_id=user.id, reason="roles_changed")
    after = sorted(f"{r}@{p or '*'}" for r, p in dict.fromkeys(roles))
    record(session=session, actor=actor, action="user.roles", target_type="user",
           target_id=user.id, before={"roles": before}, after={"roles": after},
           summary={"username": username, "before": before, "after": after,
                    "sessions_ended": ended})
    session.flush()
    return ended


# --- console sessions (ADR 0041) ----------------------------------------------------------
TOUCH_EVERY = timedelta(seconds=60)


def start_session(
    *, session: Session, actor: Actor, lifetime: timedelta, client: str = "",
    user_agent: str = "",
) -> str:
    """Open a console session for ``actor`` (just authenticated); returns the token the
    cookie carries. Only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSession(user_id=actor.user_id, token_hash=token_digest(token),
                         last_seen_at=now, expires_at=now + lifetime, client=client[:64],
                         user_agent=user_agent[:200])
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action="session.start", target_type="console_session",
           target_id=row.id, summary={"username": actor.username, "client": row.client})
    return token


def session_user(*, session: Session, token: str, idle: timedelta) -> Actor | None:
    """The actor of a live console session, or None: not ended, used within ``idle``, and
    not past its lifetime. (A lapsed session is not written to here: the request that found
    it is refused and its unit of work rolled back; it reads as lapsed wherever it is listed.)"""
    row = session.scalar(select(ConsoleSession).where(
        ConsoleSession.token_hash == token_digest(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        return None
    actor = actor_for_user_id(session=session, user_id=row.user_id)
    if actor is None:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now  # at most one write a minute per session
        session.flush()
    return actor


def end_session_token(*, session: Session, token: str, reason: str = "logout") -> None:
    """Sign-out: end the session the cookie names (if it is still live)."""
    row = session.scalar(select(ConsoleSession).where(
        ConsoleSession.token_hash == token_digest(token)))
    if row is None or row.ended_at is not None:
        return
    row.ended_at = utcnow()
    row.end_reason = reason
    user = session.get(User, row.user_id)
    record(session=session, actor=Actor(user_id=row.user_id,
                                        username=user.username if user else row.user_id),
           action="session.end", target_type="console_session", target_id=row.id,
           summary={"reason": reason})
    session.flush()


def end_user_sessions(*, session: Session, user_id: str, reason: str) -> int:
    """End every live console session of one user; returns how many."""
    rows = session.scalars(select(ConsoleSession).where(
        ConsoleSession.user_id == user_id, ConsoleSession.ended_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.ended_at = now
        row.end_reason = reason
    session.flush()
    return len(rows)


def session_state(row: ConsoleSession, idle: timedelta) -> str:
    """live, ended (signed out or ended by someone), idle or expired."""
    now = utcnow()
    if row.ended_at is not None:
        return "ended"
    if now >= row.expires_at:
        return "expired"
    return "idle" if now - row.last_seen_at >= idle else "live"


def list_sessions(
    *, session: Session, actor: Actor, username: str, idle: timedelta,
    include_ended: bool = False,
) -> list[ConsoleSession]:
    """A user's console sessions, newest first (live ones unless ``include_ended``): an
    administrator's view, or one's own."""
    if username != actor.username:  # before the look-up: no probing for user names
        actor.require("user.admin")
    user = get_user(session=session, username=username)
    if user.id != actor.user_id:
        actor.require("user.admin")
    q = select(ConsoleSession).where(ConsoleSession.user_id == user.id)
    if not include_ended:
        now = utcnow()
        q = q.where(ConsoleSession.ended_at.is_(None), ConsoleSession.expires_at > now,
                    ConsoleSession.last_seen_at > now - idle)
    return list(session.scalars(q.order_by(ConsoleSession.created_at.desc(),
                                           ConsoleSession.id)).all())


def end_session(*, session: Session, actor: Actor, username: str,
                session_id: str | None = None) -> int:
    """End one of ``username``'s console sessions (``session_id``), or all of them; an
    administrator's act, or one's own. Returns how many were ended."""
    if username != actor.username:  # before the look-up: no probing for user names
        actor.require("user.admin")
    user = get_user(session=session, username=username)
    if user.id != actor.user_id:
        actor.require("user.admin")
    reason = "ended_by_user" if user.id == actor.user_id else "ended_by_admin"
    if session_id is None:
        ended = end_user_sessions(session=session, user_id=user.id, reason=reason)
    else:
        row = session.get(ConsoleSession, session_id)
        if row is None or row.user_id != user.id:
            raise NotFound(f"no session {session_id} of {username!r}",
                           details={"field": "session_id"})
        ended = 0
        if row.ended_at is None:
            row.ended_at = utcnow()
            row.end_reason = reason
            ended = 1
        session.flush()
    record(session=session, actor=actor, action="session.end", target_type="user",
           target_id=user.id, summary={"username": username, "session_id": session_id or "*",
                                       "sessions_ended": ended})
    return ended
