"""Tables for attestations (with their evidence files) and evidence snapshots of evaluations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Attestation(IdMixin, CreatedMixin, Base):
    """A compliance officer's dated statement that an obligation is met, valid for a period.
    ``check_key`` holds the guideline obligation's key (``art32.green_packaging``; ADR 0030)."""

    __tablename__ = "attestations"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    check_key: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    statement: Mapped[str] = mapped_column(Text, nullable=False)
    attested_by: Mapped[str] = mapped_column(String(36), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    @property
    def obligation_key(self) -> str:
        return self.check_key


class EvidenceFile(IdMixin, CreatedMixin, Base):
    """A file attached to an attestation, kept by content address (its SHA-256)."""

    __tablename__ = "evidence_files"

    attestation_id: Mapped[str] = mapped_column(ForeignKey("attestations.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)


class EvidenceSnapshot(IdMixin, Base):
    """One evaluation of one obligation for one platform, kept so later reports can cite it:
    ``check_key`` holds the obligation key; ``inputs`` the evidence kind, period, what was
    seen and each data check that read it (key, version, status, reason)."""

    __tablename__ = "evidence_snapshots"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    check_key: Mapped[str] = mapped_column(String(80), nullable=False)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    evaluation_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    evaluated_by: Mapped[str] = mapped_column(String(36), nullable=False)
