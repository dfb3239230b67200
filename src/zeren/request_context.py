"""The id of the request (or CLI command) being served, so that audit events and logs can be
tied back to it."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("zeren_request_id", default=None)


def current_request_id() -> str:
    rid = _request_id.get()
    if rid is None:
        rid = "cli-" + uuid.uuid4().hex[:16]
        _request_id.set(rid)
    return rid


def set_request_id(rid: str) -> None:
    _request_id.set(rid)
