"""Errors of data governance, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.datagov.domain import OutOfScale
from zeren.errors import Conflict, InvalidInput


def out_of_scale(exc: OutOfScale, *, prefix: str = "") -> InvalidInput:
    """A vocabulary or value error of the pure rules as a 422 naming the field."""
    field = f"{prefix}{exc.field}"
    return InvalidInput(f"{field}: {exc}", field=field)


class UnknownService(InvalidInput):
    """A consent or a gate request names a service the platform has not registered."""


class ConsentWithdrawn(Conflict):
    """A withdrawn consent was used again (withdrawn twice, or cited by a gate request)."""

    code = "consent_withdrawn"
