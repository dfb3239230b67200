"""Errors of data governance, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import Conflict, InvalidInput


def out_of_scale(exc: ValueError, *, prefix: str = "") -> InvalidInput:
    """A vocabulary or value error of the pure rules (``domain.OutOfScale``, which carries
    ``field``) as a 422 naming the field."""
    field = f"{prefix}{getattr(exc, 'field', '')}"
    return InvalidInput(f"{field}: {exc}", field=field)


class UnknownService(InvalidInput):
    """A consent or a gate request names a service the platform has not registered."""


class ConsentWithdrawn(Conflict):
    """A withdrawn consent was used again (withdrawn twice, or cited by a gate request)."""

    code = "consent_withdrawn"
