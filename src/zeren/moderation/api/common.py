"""What moderation's routers share: the permission gates the role × route walk reads, the
platform in the path, and the after-commit task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, public, require
from zeren.moderation.services import delivery
from zeren.moderation.web import CappedRoute, flood_guard
from zeren.platforms.service import get_platform

Read = Annotated[Actor, Depends(require("moderation.read"))]
Write = Annotated[Actor, Depends(require("moderation.write"))]
Decide = Annotated[Actor, Depends(require("moderation.decide"))]
Admin = Annotated[Actor, Depends(require("moderation.admin"))]
ReportsRead = Annotated[Actor, Depends(require("reports.read"))]
ReportsWrite = Annotated[Actor, Depends(require("reports.write"))]
Public = Annotated[None, Depends(public)]
Guarded = Annotated[None, Depends(flood_guard)]
P = "/platforms/{platform_id}/moderation"
API_PREFIX = "/api/v1"  # where zeren.app mounts the API; links handed to parties start here
T = TypeVar("T")


def pid(session: SessionDep, platform_id: str) -> str:
    """The platform's id from the path (its id or its code)."""
    return get_platform(session=session, platform_ref=platform_id).id


def after_commit(request: Request, tasks: BackgroundTasks) -> None:
    """Log to the ledger and deliver webhooks once the request's transaction committed."""
    tasks.add_task(delivery.after_commit, engine=request.app.state.engine,
                   data_dir=request.app.state.settings.data_dir)


def capped_post(router: APIRouter, path: str, **kw: Any
                ) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``@router.post`` for a public write, with its body read under the cap."""
    def register(endpoint: Callable[..., T]) -> Callable[..., T]:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=CappedRoute,
                             **kw)
        return endpoint
    return register
