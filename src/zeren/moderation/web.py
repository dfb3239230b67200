"""The HTTP edge moderation's API and console share: the public form guard (a body read
under the size cap, piece by piece, and a rate limit per sender, both from
data/intake.toml) and the printable periodic report. Routes and pages import this; it
imports no route or page, so neither interface depends on the other."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from zeren.deps import client_address
from zeren.errors import RateLimited, TooLarge, answers
from zeren.moderation import domain as d
from zeren.moderation.services.authority import flatten

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _limiter(request: Request) -> d.RateLimiter:
    # One limiter per app (tests create several apps in one process).
    lim = getattr(request.app.state, "moderation_limiter", None)
    if lim is None:
        cfg = d.intake_settings()["public"]
        lim = d.RateLimiter(int(cfg["max_requests"]), float(cfg["window_seconds"]))
        request.app.state.moderation_limiter = lim
    assert isinstance(lim, d.RateLimiter)
    return lim


def _too_large(cap: int) -> TooLarge:
    return TooLarge(f"the form accepts at most {cap} bytes", details={"max_bytes": cap})


async def read_capped(request: Request) -> None:
    """Read a public write's body piece by piece and stop with 413 as soon as it passes the
    cap, so a body without ``Content-Length`` (chunked) is never read in full, let alone
    parsed. The body read is kept on the request for the form or JSON parser after it."""
    cap = int(d.intake_settings()["public"]["max_body_bytes"])
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > cap:
        raise _too_large(cap)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    request._body = b"".join(chunks)


class CappedRoute(APIRoute):
    """A public write route: the body is read under the size cap (:func:`read_capped`) before
    FastAPI parses it; dependencies would run too late, after the whole body was read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            await read_capped(request)
            return await handler(request)
        return capped


@answers(413, 429)
def flood_guard(request: Request) -> None:
    """Public writes: refuse oversized bodies (by ``Content-Length``; :class:`CappedRoute`
    and :func:`read_capped` also cap bodies without one) and senders over the rate limit."""
    cap = int(d.intake_settings()["public"]["max_body_bytes"])
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > cap:
        raise _too_large(cap)
    who = client_address(request)
    limiter, now = _limiter(request), time.monotonic()
    if not limiter.allow(who, now):
        cfg = d.intake_settings()["public"]
        raise RateLimited("too many reports from this address; try again later",
                          retry_after=limiter.retry_after(who, now),
                          details={"max_requests": cfg["max_requests"],
                                   "window_seconds": cfg["window_seconds"]})


_report_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def report_html(data: dict[str, Any]) -> str:
    """The periodic report as a printable page (the API's ``format=html``)."""
    return _report_env.get_template("mod_report.html").render(data=data, rows=flatten(data))
