"""What the HTTP server does for the operator: one pure-ASGI middleware that gives each request
its id (``X-Request-ID``, taken from the caller when it is a plain token, else new), counts it
for ``/metrics`` by route *template*, and writes one access event (request id, actor id,
route, method, status, time); liveness and readiness endpoints; ``GET /metrics`` behind a
bearer token."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zeren import __version__
from zeren.deps import public
from zeren.request_context import begin_request

access = logging.getLogger("zeren.access")
_RID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id(scope: Scope) -> str:
    for k, v in scope.get("headers", ()):
        if k == b"x-request-id":
            got = bytes(v).decode("latin-1")
            if _RID.match(got):  # anything else could forge log lines; a new id instead
                return got
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/platforms/{platform_id}``), never
    the path itself: paths carry ids, and a label per id would grow without bound."""
    from zeren.ops.metrics import UNMATCHED

    # FastAPI keeps included routes as they were declared (without the router prefixes) and
    # notes the route as it was reached, prefixes included, under scope["fastapi"].
    ctx = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(ctx, "path_format", None) or getattr(scope.get("route"), "path", None)
    return str(path) if path else UNMATCHED


class ObserveMiddleware:
    """Request id, request metrics and the access event, for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from zeren.ops.metrics import observe_request

        rid = _request_id(scope)
        info = begin_request(rid)
        started = time.perf_counter()
        status = 500  # unless a response starts: an error escaped every handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            observe_request(route, method, status, seconds)
            actor = info.actor_id
            if actor is None:  # a console page: the console's middleware put the actor here
                console = (scope.get("state") or {}).get("console_actor")
                actor = getattr(console, "user_id", None)
            access.info("%s %s %d", method, route, status, extra={
                "route": route, "method": method, "status": status,
                "duration_ms": round(seconds * 1000, 2), "actor_id": actor})


@lru_cache(maxsize=1)
def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    from zeren.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def missing_migrations(db_heads: set[str]) -> list[str]:
    """The heads this code has that the database has not reached (the version table keeps
    only the newest revision of each line; what they depend on is applied too)."""
    scripts = _scripts()
    try:
        applied = {r.revision for r in scripts.iterate_revisions(tuple(db_heads), "base")}
    except Exception:  # a revision this code does not know: a newer database
        applied = set(db_heads)
    return sorted(set(scripts.get_heads()) - applied)


def readiness(engine: Engine, data_dir: Path) -> dict[str, Any]:
    """Each check and whether it passed; ``ready`` only when all did."""
    checks: dict[str, str] = {}
    try:
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
            have = {str(v) for v in c.execute(text("SELECT version_num FROM alembic_version"))
                    .scalars()}
        missing = missing_migrations(have)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if not missing else \
            f"not applied: {', '.join(sorted(missing))} (run `zeren init`)"
    except Exception as exc:
        checks.setdefault("database", f"unreachable ({exc.__class__.__name__})")
        checks.setdefault("migrations", "unknown")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
        checks["data_dir"] = "ok"
    except OSError as exc:
        checks["data_dir"] = f"not writable ({exc.strerror})"
    return {"ready": all(v == "ok" for v in checks.values()), "checks": checks,
            "version": __version__}


router = APIRouter(tags=["meta"])


@router.get("/api/v1/live", dependencies=[Depends(public)])
def live() -> dict[str, str]:
    """Liveness: the process answers (no database needed). Restart the process if this fails."""
    return {"status": "ok"}


@router.get("/api/v1/ready", dependencies=[Depends(public)],
            responses={503: {"description": "not ready; the checks say why"}})
def ready(request: Request) -> Response:
    """Readiness: the database answers, its migrations are applied, the data folder is
    writable. A load balancer sends traffic only while this is 200."""
    got = readiness(request.app.state.engine, request.app.state.settings.data_dir)
    if got["ready"]:
        return JSONResponse(got)
    return JSONResponse(status_code=503, content={"error": {
        "code": "not_ready", "message": "not ready: " + "; ".join(
            f"{k} {v}" for k, v in got["checks"].items() if v != "ok"),
        "details": got}})


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics, for a scraper holding ZEREN_METRICS_TOKEN (404 when it is unset)."""
    from zeren.ops.metrics import render

    token = request.app.state.settings.metrics_token
    if not token:
        return JSONResponse(status_code=404, content={"error": {
            "code": "not_found", "message": "metrics are off (set ZEREN_METRICS_TOKEN)",
            "details": {}}})
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        return JSONResponse(status_code=401, headers={"WWW-Authenticate": "Bearer"},
                            content={"error": {"code": "unauthorized",
                                               "message": "metrics need the metrics token",
                                               "details": {}}})
    body, ctype = render(request.app.state.engine)
    return Response(body, media_type=ctype, headers={"Cache-Control": "no-store"})
