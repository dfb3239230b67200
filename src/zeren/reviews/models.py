"""Tables of reviews. A review is a kept record: written once, never updated or deleted (the
database refuses both); hiding one from display is a moderation measure on its subject, not a
change here. Display audits and their findings are kept records too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, IdMixin, UTCDateTime


class Review(IdMixin, Base):
    """A review of an order (kept), as the platform sent it; the reviewer is sealed in the
    ledger's personal-data store (``reviewer_ref``)."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("uq_reviews_ref", "platform_id", "review_ref", unique=True),
        # the display audit's order, covered (reviews_0002)
        Index("ix_reviews_listing", "platform_id", "listing_ref", text("reviewed_at DESC"),
              "review_ref"),
        Index("ix_reviews_merchant", "platform_id", "merchant_ref", text("reviewed_at DESC"),
              "review_ref"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    review_ref: Mapped[str] = mapped_column(String(100), nullable=False,
                                            comment="The platform's own review id.")
    order_id: Mapped[str] = mapped_column(String(100), nullable=False,
                                          comment="An order the ledger holds.")
    merchant_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    listing_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    images: Mapped[list[str]] = mapped_column(JSON, nullable=False,
                                              comment="SHA-256 of each image.")
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False,
                                             comment="SHA-256 over rating and text.")
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reviewer_ref: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="The reviewer, sealed in the personal-data store.")
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ingested_by: Mapped[str] = mapped_column(String(100), nullable=False)


class DisplayAudit(IdMixin, Base):
    """One comparison of what the platform displays for a listing or merchant with the
    ledger's reviews (kept)."""

    __tablename__ = "review_display_audits"
    __table_args__ = (Index("ix_review_display_audits_platform", "platform_id", "at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    scope: Mapped[str] = mapped_column(String(20), nullable=False, comment="listing / merchant")
    ref: Mapped[str] = mapped_column(String(100), nullable=False)
    mode: Mapped[str] = mapped_column(String(10), nullable=False, comment="ids / count")
    expected: Mapped[int] = mapped_column(Integer, nullable=False)
    displayed: Mapped[int] = mapped_column(Integer, nullable=False)
    hidden_with_measure: Mapped[int] = mapped_column(Integer, nullable=False)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)
    display_sha256: Mapped[str] = mapped_column(String(64), nullable=False,
                                                comment="SHA-256 of the display as sent.")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class DisplayFinding(IdMixin, Base):
    """A review missing, altered, pushed down or unknown in one display audit (kept)."""

    __tablename__ = "review_display_findings"
    __table_args__ = (Index("ix_review_display_findings_audit", "audit_id"),)

    audit_id: Mapped[str] = mapped_column(ForeignKey("review_display_audits.id"),
                                          nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    review_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


REVIEWS = cast(Table, Review.__table__)
FINDINGS = cast(Table, DisplayFinding.__table__)
