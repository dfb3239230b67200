"""Tables of credit evaluation: each published batch of scores and the scores with their
components (kept: a score once published is never changed; a new batch replaces it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, IdMixin, UTCDateTime


class CreditBatch(IdMixin, Base):
    """One computation of every merchant's score under a credit-rule version (kept)."""

    __tablename__ = "credit_batches"
    __table_args__ = (Index("ix_credit_batches_platform", "platform_id", "computed_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    formula_version_id: Mapped[str] = mapped_column(
        String(36), nullable=False, comment="The credit rule version in force (rules library).")
    parameters: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    merchants: Mapped[int] = mapped_column(Integer, nullable=False)
    scores_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    computed_by: Mapped[str] = mapped_column(String(100), nullable=False)


class CreditScore(IdMixin, Base):
    """A merchant's score in one batch with the components that make it (kept)."""

    __tablename__ = "credit_scores"
    __table_args__ = (
        Index("uq_credit_scores_merchant", "batch_id", "merchant_ref", unique=True),
        Index("ix_credit_scores_lookup", "platform_id", "merchant_ref"),
    )

    batch_id: Mapped[str] = mapped_column(ForeignKey("credit_batches.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)


SCORES = cast(Table, CreditScore.__table__)
