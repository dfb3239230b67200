"""``create_app()``: the HTTP API under /api/v1, the one error handler, and the console."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from zeren import __version__, clock
from zeren.config import Settings, get_settings
from zeren.db.session import make_engine, session_factory
from zeren.errors import AppError
from zeren.loading import load_attr

log = logging.getLogger("zeren")

# Routers of the foundation, then of domain modules; a name that cannot be loaded stops
# start-up with its name (zeren.loading).
ROUTERS: tuple[str, ...] = (
    "zeren.guideline.api",
    "zeren.platforms.api",
    "zeren.exemptions.api",
    "zeren.org.api",
    "zeren.posture.api",
    "zeren.audit.api",
    "zeren.auth.api",
    "zeren.ledger.api",
    "zeren.lexicon.api",
    "zeren.moderation.api",
    "zeren.notify.api",
    "zeren.datagov.api",
    "zeren.security.api",
    "zeren.market.api",
    "zeren.assessment.api",
    "zeren.merchants.api",
    "zeren.rules.api",
    "zeren.governance.api",
    "zeren.workers.api",
    "zeren.reviews.api",
    "zeren.credit.api",
)


def _routers() -> list[APIRouter]:
    out: list[APIRouter] = []
    for name in ROUTERS:
        router = load_attr(name, "router", registry="zeren.app.ROUTERS")
        if not isinstance(router, APIRouter):
            raise TypeError(f"{name}.router is not an APIRouter")
        out.append(router)
    return out


def _error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={
        "error": {"code": code, "message": message, "details": details or {}}})


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as ``{"error": {"code", "message", "details"}}``."""

    @app.exception_handler(AppError)
    async def app_error(req: Request, exc: AppError) -> Response:
        html = getattr(req.app.state, "html_error", None)
        if html is not None and not req.url.path.startswith("/api/"):
            # Console pages show the same error as a page rather than JSON.
            resp: Response = html(req, exc)
            resp.headers.update(exc.headers)
            return resp
        return JSONResponse(status_code=exc.status, content=exc.to_dict(), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_req: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": ".".join(str(p) for p in e["loc"][1:] if p != "body")
                   if len(e["loc"]) > 1 else str(e["loc"][0]),
                   "reason": e["msg"]} for e in exc.errors()]
        first = fields[0] if fields else {"field": "", "reason": "invalid"}
        return _error(422, "invalid_input", f"{first['field']}: {first['reason']}",
                      {"field": first["field"], "errors": fields})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    @app.exception_handler(StatementError)
    async def out_of_range(req: Request, exc: Exception) -> Response:
        # A value the database or the calendar cannot hold that no schema bound caught: the
        # caller's input, not Zeren's failure (ADR 0043). Bound parameters are never logged.
        bad_value = isinstance(exc, OverflowError | DataError) or (
            type(exc) is StatementError
            and isinstance(getattr(exc, "orig", None), OverflowError | ValueError))
        if not bad_value:
            return await unexpected(req, exc)
        log.warning("input out of range: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return _error(422, "invalid_input", "a value is outside the range Zeren can store",
                      {"field": "", "reason": "out of range"})

    @app.exception_handler(Exception)
    async def unexpected(_req: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError):
            # The database's own message may quote the row ("Failing row contains …", "Key
            # (secret_hash)=(…) already exists"): log the kind, the SQL state and the
            # statement, never the message or the values (ADR 0044).
            orig = exc.orig
            log.error("unhandled database error %s (sqlstate %s) in: %s",
                      type(orig).__name__, getattr(orig, "sqlstate", None) or "-",
                      (exc.statement or "")[:500])
        else:
            log.exception("unhandled error", exc_info=exc)
        return _error(500, "internal_error", "an unexpected error occurred; it has been logged")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    clock.use_test_clock(settings.test_clock_file)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        runner = None
        if settings.run_jobs:
            from zeren.jobs.service import run_forever

            runner = threading.Thread(target=run_forever, name="zeren-jobs", daemon=True,
                                      kwargs={"engine": engine, "stop": stop,
                                              "settings": settings})
            runner.start()
        yield
        stop.set()
        if runner is not None:
            runner.join(timeout=30)

    app = FastAPI(title="Zeren 责任", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url="/api/v1/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)

    install_error_handlers(app)
    api = APIRouter(prefix="/api/v1")

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness and database reachability; needs no login."""
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": engine.dialect.name}

    for r in _routers():
        api.include_router(r)
    app.include_router(api)

    from zeren.console.views import install_console

    install_console(app)
    # Operations: /api/v1/live, /api/v1/ready, /metrics; and, outermost, the middleware that
    # gives each request its id, counts it and logs it (zeren.ops.http).
    from zeren.ops.http import ObserveMiddleware
    from zeren.ops.http import router as ops_router

    app.include_router(ops_router)
    # Body cap and NUL bytes, checked before any route reads the request (zeren.guard).
    from zeren.guard import GuardMiddleware

    app.add_middleware(GuardMiddleware, settings=settings)
    # The OpenAPI document lists every error status a route can answer (zeren.apidoc).
    from zeren.apidoc import document_errors

    document_errors(app)
    app.add_middleware(ObserveMiddleware)
    return app
