"""The id of the request (or CLI command) being served, and who is acting in it, so that audit
events and logs can be tied back to it."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

_request_id: ContextVar[str | None] = ContextVar("zeren_request_id", default=None)


@dataclass
class RequestInfo:
    """Shared by the request's middleware and its handlers (a context copied into a worker
    thread still points at the same object, so what a dependency notes here is seen by the
    middleware that logs the request)."""

    actor_id: str | None = None


_info: ContextVar[RequestInfo | None] = ContextVar("zeren_request_info", default=None)


def current_request_id() -> str:
    rid = _request_id.get()
    if rid is None:
        rid = "cli-" + uuid.uuid4().hex[:16]
        _request_id.set(rid)
    return rid


def peek_request_id() -> str | None:
    """The request id if one is set, without inventing one (for log lines)."""
    return _request_id.get()


def set_request_id(rid: str) -> None:
    _request_id.set(rid)


def begin_request(rid: str) -> RequestInfo:
    set_request_id(rid)
    info = RequestInfo()
    _info.set(info)
    return info


def note_actor(actor_id: str) -> None:
    info = _info.get()
    if info is not None:
        info.actor_id = actor_id


def current_actor_id() -> str | None:
    info = _info.get()
    return None if info is None else info.actor_id
