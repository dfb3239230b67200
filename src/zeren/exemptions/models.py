"""Tables for exemption requests and their append-only event history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Exemption(IdMixin, CreatedMixin, Base):
    __tablename__ = "exemptions"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    item: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ground: Mapped[str] = mapped_column(String(60), nullable=False, comment="Art 35 ground code.")
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, comment="requested | approved | rejected | withdrawn"
    )
    requested_by: Mapped[str] = mapped_column(String(36), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ExemptionEvent(IdMixin, CreatedMixin, Base):
    """What happened to an exemption, in order (append-only)."""

    __tablename__ = "exemption_events"

    exemption_id: Mapped[str] = mapped_column(ForeignKey("exemptions.id"), nullable=False, index=True)
    event: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(36), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
