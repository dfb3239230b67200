"""FastAPI dependencies shared by every router: the request's unit of work, who is acting,
and ``require(permission)``, the single gate through which every route is authorised."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.auth.service import authenticate_token, session_user
from zeren.db.session import unit_of_work
from zeren.errors import Forbidden, Unauthorized
from zeren.platforms.models import Platform
from zeren.request_context import note_actor
from zeren.settings_dep import settings_of

__all__ = ["ActorDep", "SessionDep", "client_address", "require", "require_on_record",
           "session_actor", "settings_of"]


def client_address(request: Request) -> str:
    """The address a request comes from, as rate limits and audit see it. ``X-Forwarded-For``
    is believed only from a configured reverse proxy (``ZEREN_TRUSTED_PROXIES``): the
    rightmost address not itself a trusted proxy; from anyone else the header is ignored."""
    peer = request.client.host if request.client else "unknown"
    trusted = _trusted(tuple(request.app.state.settings.trusted_proxies))
    if not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")
            if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop[:64]
    return peer


@lru_cache(maxsize=16)
def _trusted(entries: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _is_trusted(address: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; committed when the route returns, rolled back on error."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_UNSET = object()


def session_actor(request: Request, session: Session) -> Actor | None:
    """The console user behind the signed session cookie, read in the request's own unit of
    work and once per request (no extra session in a middleware); None when signed out, when
    the session ended (sign-out, idle, lifetime, ended by an administrator, password or roles
    changed) or when the user was deactivated. The cookie names a server-side session; it
    carries no user id (ADR 0041)."""
    known = getattr(request.state, "console_actor", _UNSET)
    if known is not _UNSET:
        return known if isinstance(known, Actor) else None
    token = request.session.get("sid") if "session" in request.scope else None
    actor = None
    if isinstance(token, str) and token:
        idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
        actor = session_user(session=session, token=token, idle=idle)
    request.state.console_actor = actor
    return actor


def current_actor(request: Request, session: SessionDep) -> Actor:
    """The actor behind a Bearer token or a console session; 401 when there is neither."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        actor = authenticate_token(session=session, token=auth[7:].strip())
        note_actor(actor.user_id)  # for the request's access log line
        return actor
    console_actor = session_actor(request, session)
    if console_actor is not None:
        # A cookie rides along with any request the browser sends; a write through the API on
        # the strength of the console cookie must carry the session's CSRF token as well.
        if request.method not in SAFE_METHODS and (
            not request.headers.get("x-csrf-token")
            or request.headers.get("x-csrf-token") != request.session.get("csrf")
        ):
            raise Forbidden("a console session needs the X-CSRF-Token header to write through "
                            "the API", details={"header": "X-CSRF-Token"})
        return console_actor
    raise Unauthorized("sign in or send 'Authorization: Bearer <token>'")


ActorDep = Annotated[Actor, Depends(current_actor)]


class Requirement:
    """A dependency that lets the request through only if the actor holds ``permission``
    (for the platform named in the path, when there is one). The role × route test reads
    ``permission`` off each route."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, request: Request, actor: ActorDep, session: SessionDep) -> Actor:
        ref: Any = request.path_params.get("platform_id")
        platform_id: str | None = None
        if isinstance(ref, str):
            # Paths accept a platform's id or its code; grants are kept by id.
            found = session.get(Platform, ref) or session.scalar(
                select(Platform).where(Platform.code == ref))
            platform_id = found.id if found is not None else ref
        actor.require(self.permission, platform_id)
        return actor


class RecordRequirement(Requirement):
    """For a route that names one record rather than a platform (``/moderation/webhooks/{id}``):
    lets through an actor who holds ``permission`` on some platform, even a group permission
    held for one platform only; the service then requires it on the record's own platform."""

    def __call__(self, request: Request, actor: ActorDep, session: SessionDep) -> Actor:
        if actor.platforms_for(self.permission) == ():
            actor.require(self.permission)
        return actor


def require(permission: str) -> Callable[..., Actor]:
    return Requirement(permission)


def require_on_record(permission: str) -> Callable[..., Actor]:
    """``require`` for a route whose service checks ``permission`` on the record's platform."""
    return RecordRequirement(permission)


PUBLIC = "public"


class PublicAccess:
    """Marks a route anyone may use without signing in (the public report form, the merchant
    sanctions board). The role × route test reads ``permission`` off it like a Requirement."""

    permission = PUBLIC

    def __call__(self) -> None:
        return None


public = PublicAccess()
