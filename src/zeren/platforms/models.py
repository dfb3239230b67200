"""Tables for platforms, their yearly figures and tier assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime, utcnow


class Platform(IdMixin, CreatedMixin, Base):
    """An internet platform (互联网平台) operated by the group; all data is scoped by it."""

    __tablename__ = "platforms"

    code: Mapped[str] = mapped_column(
        String(64), unique=True, nullable=False, comment="Short stable handle, e.g. 'mall'."
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False, comment="Platform name.")
    legal_entity: Mapped[str] = mapped_column(String(200), nullable=False, comment="Operator.")
    uscc: Mapped[str] = mapped_column(
        String(18), nullable=False, comment="统一社会信用代码 of the operator (GB 32100-2015)."
    )
    address: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    contact_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    contact_email: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    main_business: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    platform_type: Mapped[str] = mapped_column(
        String(40), nullable=False, comment="Platform type code from platform_types.yaml."
    )


class PlatformFigures(IdMixin, CreatedMixin, Base):
    """Figures for one year as reported; a correction adds a new revision, never overwrites."""

    __tablename__ = "platform_figures"
    __table_args__ = (UniqueConstraint("platform_id", "year", "revision"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, comment="The year the figures describe.")
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    annual_active_users: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="Annual active users in China (上年度年活跃用户)."
    )
    market_value_rmb: Mapped[Any] = mapped_column(
        Numeric(20, 0), nullable=False, comment="Market value or valuation at year-end, RMB."
    )
    prominent_main_business: Mapped[bool] = mapped_column(Boolean, nullable=False)
    prominent_main_business_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    strong_reach_restriction: Mapped[bool] = mapped_column(Boolean, nullable=False)
    strong_reach_restriction_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(36), nullable=False)


class TierAssessment(IdMixin, Base):
    """The 附则(4) test run on one revision of one year's figures, criterion by criterion."""

    __tablename__ = "tier_assessments"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    figures_id: Mapped[str] = mapped_column(ForeignKey("platform_figures.id"), nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False, comment="super_large | ordinary")
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    thresholds_version: Mapped[str] = mapped_column(String(40), nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    assessed_by: Mapped[str] = mapped_column(String(36), nullable=False)
