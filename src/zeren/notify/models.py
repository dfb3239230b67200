"""Notification channels of a platform and the messages sent through them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Channel(IdMixin, CreatedMixin, Base):
    """Where a platform's notifications go: an e-mail address or a webhook URL."""

    __tablename__ = "notify_channels"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, comment="email or webhook")
    target: Mapped[str] = mapped_column(String(500), nullable=False)
    secret: Mapped[str] = mapped_column(String(100), nullable=False, default="",
                                        comment="HMAC key of a webhook (shown once).")
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False,
                                              comment="Event prefixes it receives; ['*'] for all.")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Message(IdMixin, CreatedMixin, Base):
    """One notification through one channel; ``key`` makes sending idempotent (an escalation
    stage is sent once per channel)."""

    __tablename__ = "notify_messages"
    __table_args__ = (Index("uq_notify_messages_key", "channel_id", "key", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("notify_channels.id"), nullable=False)
    event: Mapped[str] = mapped_column(String(60), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, comment="sent or failed")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
