"""Errors of network security, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import InvalidInput
from zeren.security.domain import OutOfScale


def out_of_scale(exc: OutOfScale) -> InvalidInput:
    return InvalidInput(f"{exc.field}: {exc}", field=exc.field)


class ReportIncomplete(InvalidInput):
    """A report or notice lacks fields the rules require; ``details.missing`` lists them."""
