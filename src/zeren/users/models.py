"""Tables of accounts flagged as minors and the game sessions and payments the platform sends
for them (指南 第三十一条). The account is the platform's own reference; who the minor is
stays with the platform. Sessions and payments are kept (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime

BigInt = BigInteger().with_variant(Integer, "sqlite")


class MinorAccount(IdMixin, CreatedMixin, Base):
    """An account the platform's age verification flagged as a minor, with its age band."""

    __tablename__ = "users_minor_accounts"
    __table_args__ = (Index("uq_users_minor_accounts_ref", "platform_id", "account_ref",
                            unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    account_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    band: Mapped[str] = mapped_column(String(20), nullable=False, comment="Age band (data).")
    flagged_by: Mapped[str] = mapped_column(String(100), nullable=False)


class MinorSession(IdMixin, CreatedMixin, Base):
    """A session of a flagged account on one service (game, live, …)."""

    __tablename__ = "users_minor_sessions"
    __table_args__ = (Index("ix_users_minor_sessions_time", "platform_id", "starts_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("users_minor_accounts.id"),
                                            nullable=False)
    service: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)


class MinorPayment(IdMixin, CreatedMixin, Base):
    """A payment by a flagged account for a service, in fen."""

    __tablename__ = "users_minor_payments"
    __table_args__ = (Index("ix_users_minor_payments_time", "platform_id", "paid_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("users_minor_accounts.id"),
                                            nullable=False)
    payment_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    service: Mapped[str] = mapped_column(String(20), nullable=False)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInt, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)
