"""Errors of platform rules, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import Conflict, InvalidInput


def out_of_rule(exc: ValueError) -> InvalidInput:
    """A refusal of the pure rules (``domain.OutOfRule``, which carries ``field``) as a 422
    naming the field."""
    field = str(getattr(exc, "field", ""))
    return InvalidInput(f"{field}: {exc}", field=field)


class DuplicateRule(Conflict):
    """A document code, an exit or a version the platform already holds."""

    code = "duplicate_rule"


class WrongStage(Conflict):
    """A step the version's stage does not allow now (names the field ``status``)."""

    code = "wrong_stage"
