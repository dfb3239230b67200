"""Refusals of the market-conduct analytics, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from typing import Any

from zeren.errors import InvalidInput, NotFound


class UnknownDataset(NotFound):
    code = "unknown_dataset"


class UnknownDetector(NotFound):
    code = "unknown_detector"


class BadRows(InvalidInput):
    """A file or batch with bad rows: nothing of it was stored. ``details`` names the file,
    the first bad row and column, how many errors, and up to 50 of them."""

    code = "bad_rows"

    def __init__(self, message: str, *, source: str, errors: list[dict[str, Any]],
                 count: int) -> None:
        first = errors[0]
        super().__init__(message, details={"file": source, "row": first["row"],
                                           "field": first["field"], "error_count": count,
                                           "errors": errors})
