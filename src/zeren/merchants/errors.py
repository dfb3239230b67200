"""Errors of the merchant registry, in Zeren's one error family (``zeren.errors``)."""

from __future__ import annotations

from zeren.errors import Conflict, InvalidInput


def out_of_scale(exc: ValueError, *, prefix: str = "") -> InvalidInput:
    """A refusal of the pure rules (``domain.OutOfScale``, which carries ``field``) as a 422
    naming the field."""
    field = f"{prefix}{getattr(exc, 'field', '')}"
    return InvalidInput(f"{field}: {exc}", field=field)


class DuplicateMerchant(Conflict):
    """A merchant reference, USCC or shop id the platform's registry already holds."""

    code = "duplicate_merchant"


class LicenceRequired(InvalidInput):
    """A listing in a category whose licence kind the data says to refuse without one, from a
    merchant holding no valid licence of that kind (nothing written)."""

    code = "licence_required"


class MerchantExited(Conflict):
    """A write that needs a merchant still on the platform."""

    code = "merchant_exited"
