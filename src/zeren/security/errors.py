"""Errors of network security, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import InvalidInput


def out_of_scale(exc: ValueError) -> InvalidInput:
    """``domain.OutOfScale`` (which carries ``field``) as a 422 naming the field."""
    field = str(getattr(exc, "field", ""))
    return InvalidInput(f"{field}: {exc}", field=field)


class ReportIncomplete(InvalidInput):
    """A report or notice lacks fields the rules require; ``details.missing`` lists them."""
