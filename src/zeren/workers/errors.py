"""Errors of the gig-worker register, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import InvalidInput


def rejected(exc: ValueError, *, prefix: str = "") -> InvalidInput:
    """A refusal of the pure rules (``domain.Rejected``, which carries ``field``) as a 422
    naming the field."""
    return InvalidInput(str(exc), field=f"{prefix}{getattr(exc, 'field', '')}")
