"""Moderation's own refusals (beside the shared family in ``zeren.errors``): they carry the
code a platform's client can act on."""

from __future__ import annotations

from zeren.errors import AppError


class WrongParty(AppError):
    """Only the party a measure affects may appeal it."""

    status = 403
    code = "wrong_party"


class SameModerator(AppError):
    """An appeal is decided by someone who did not decide in the matter."""

    status = 403
    code = "same_moderator"
