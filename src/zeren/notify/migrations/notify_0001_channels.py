"""Notifications: channels (e-mail, webhook) per platform and the messages sent through them.

Revision ID: notify_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "notify_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("notify",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

APPEND_ONLY: list[str] = []


def upgrade() -> None:
    op.create_table(
        "notify_channels",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False, comment="email or webhook"),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column(
            "secret",
            sa.String(length=100),
            nullable=False,
            comment="HMAC key of a webhook (shown once).",
        ),
        sa.Column(
            "events",
            sa.JSON(),
            nullable=False,
            comment="Event prefixes it receives; ['*'] for all.",
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_notify_channels_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_channels")),
    )
    op.create_index(
        op.f("ix_notify_channels_platform_id"), "notify_channels", ["platform_id"], unique=False
    )
    op.create_table(
        "notify_messages",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False, comment="sent or failed"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["notify_channels.id"],
            name=op.f("fk_notify_messages_channel_id_notify_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_notify_messages_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_messages")),
    )
    op.create_index(
        op.f("ix_notify_messages_platform_id"), "notify_messages", ["platform_id"], unique=False
    )
    op.create_index("uq_notify_messages_key", "notify_messages", ["channel_id", "key"], unique=True)
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in ["notify_messages", "notify_channels"]:
        op.drop_table(table)
