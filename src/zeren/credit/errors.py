"""Errors of credit evaluation, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import InvalidInput


def out_of_formula(exc: ValueError) -> InvalidInput:
    field = str(getattr(exc, "field", "parameters"))
    return InvalidInput(f"{field}: {exc}", field=field)
