"""Tables for users, their roles and API tokens. Secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str | None] = mapped_column(
        String(200), nullable=True, comment="argon2id hash; NULL for API-only users."
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class RoleGrant(IdMixin, CreatedMixin, Base):
    """A role a user holds, for one platform or (platform_id NULL) for the whole group."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "platform_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("platforms.id"), nullable=True)


class ApiToken(IdMixin, CreatedMixin, Base):
    """An API token. The secret is 256 random bits; only its SHA-256 is kept (see ADR 0004)."""

    __tablename__ = "api_tokens"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ConsoleSession(IdMixin, CreatedMixin, Base):
    """A signed-in console session. The cookie carries a random token, signed; the table keeps
    only its SHA-256, so a copy of the database opens no session (ADR 0041). A session ends on
    sign-out, after ``session_idle_minutes`` without a request, ``session_max_hours`` after
    sign-in, when an administrator ends it, and when the user's password or roles change."""

    __tablename__ = "console_sessions"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    client: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class LoginThrottle(Base):
    """Failed sign-ins counted per user name and per client address (ADR 0045). Past a few
    failures each further one doubles the wait before the next attempt is heard."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(nullable=False, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
