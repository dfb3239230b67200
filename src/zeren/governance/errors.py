"""Errors of the governance registers, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import Conflict, InvalidInput


def rejected(exc: ValueError, *, prefix: str = "") -> InvalidInput:
    """A refusal of the pure rules (``domain.Rejected``, which carries ``field``) as a 422
    naming the field."""
    field = f"{prefix}{getattr(exc, 'field', '')}"
    return InvalidInput(str(exc), field=field)


class AlreadyDecided(Conflict):
    """A request or case already holds its decision; decisions are made once."""

    code = "already_decided"
