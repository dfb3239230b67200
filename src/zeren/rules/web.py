"""The HTTP edge the rules API and console share: the public consultation's comment guard
(a rate limit per sender from data/rules.toml; the body is read under the public form's cap
by moderation's ``CappedRoute``). Routes and pages import this; it imports neither."""

from __future__ import annotations

import time

from fastapi import Request

from zeren.deps import client_address
from zeren.errors import RateLimited, answers
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


@answers(413, 429)
def comment_guard(request: Request) -> None:
    """Public comments: refuse a sender over the rate limit (429 with ``Retry-After``); the
    sender's address as the rate limits see it (``client_address``: a forwarded address only
    from a configured proxy)."""
    who = client_address(request)
    limiter, now = _limiter(request), time.monotonic()
    if not limiter.allow(who, now):
        data = d.rules_data()
        raise RateLimited("too many comments from this address; try again later",
                          retry_after=limiter.retry_after(who, now),
                          details={"max_requests": data.public_max_requests,
                                   "window_seconds": data.public_window_seconds})
