"""One error family for Zeren. Every API error is rendered as
``{"error": {"code", "message", "details"}}`` by a single handler in ``zeren.app``; the CLI prints
the same message and exits non-zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class AppError(Exception):
    """A failure a caller can act on. ``status`` is the HTTP status it maps to."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details: dict[str, Any] | list[Any] = details if details is not None else {}
        self.headers: dict[str, str] = {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AppError):
    """Bad input: names the field and the reason in ``details``."""

    status = 422
    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        details = kw.pop("details", None)
        if details is None:
            details = {"field": field} if field else {}
        super().__init__(message, details=details, **kw)


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Immutable(AppError):
    """A record the law requires to keep was asked to change or go away."""

    status = 409
    code = "immutable_record"


class RateLimited(AppError):
    """Too many requests; ``retry_after`` seconds (whole, at least 1) go in ``Retry-After``."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float = 60, **kw: Any) -> None:
        seconds = max(1, int(-(-retry_after // 1)))
        details = {**(kw.pop("details", None) or {}), "retry_after_seconds": seconds}
        super().__init__(message, details=details, **kw)
        self.headers = {"Retry-After": str(seconds)}


class TooLarge(AppError):
    status = 413
    code = "too_large"


# Error statuses a route dependency can answer beyond those that follow from the route itself
# (zeren.apidoc lists them in the OpenAPI document; ADR 0046).
_ANSWERS: dict[object, frozenset[int]] = {}


def answers(*statuses: int) -> Callable[[F], F]:
    """Declare that the dependency ``f`` may answer ``statuses`` (e.g. 429 from a rate limit)."""

    def mark(f: F) -> F:
        _ANSWERS[f] = frozenset(statuses)
        return f

    return mark


def declared_answers(call: object) -> frozenset[int]:
    """What ``answers`` declared for ``call`` (nothing when undeclared)."""
    try:
        return _ANSWERS.get(call, frozenset())
    except TypeError:  # an unhashable callable declares nothing
        return frozenset()
