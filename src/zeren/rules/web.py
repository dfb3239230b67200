"""The HTTP edge the rules API and console share: the public consultation's comment guard
(a rate limit per sender from data/rules.toml; the body is read under the public form's cap
by moderation's ``CappedRoute``). Routes and pages import this; it imports neither."""

from __future__ import annotations

import time

from fastapi import Request

from zeren.errors import RateLimited
from zeren.moderation.domain import RateLimiter
from zeren.rules import domain as d


def _limiter(request: Request) -> RateLimiter:
    # One limiter per app (tests create several apps in one process).
    lim = getattr(request.app.state, "rules_limiter", None)
    if lim is None:
        data = d.rules_data()
        lim = RateLimiter(data.public_max_requests, data.public_window_seconds)
        request.app.state.rules_limiter = lim
    assert isinstance(lim, RateLimiter)
    return lim


def comment_guard(request: Request) -> None:
    """Public comments: refuse a sender over the rate limit (429)."""
    who = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(who, time.monotonic()):
        data = d.rules_data()
        raise RateLimited("too many comments from this address; try again in a minute",
                          details={"max_requests": data.public_max_requests,
                                   "window_seconds": data.public_window_seconds})
