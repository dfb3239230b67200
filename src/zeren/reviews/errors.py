"""Errors of reviews, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import Conflict


class DuplicateReview(Conflict):
    """A review id the platform has already sent (a review is written once)."""

    code = "duplicate_review"
