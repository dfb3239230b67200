"""Verification: each verification kept with its checks and evidence; due work (tasks).

Revision ID: merchants_0002
Revises: merchants_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "merchants_0002"
down_revision: str | None = "merchants_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _fks(table: str) -> list[sa.ForeignKeyConstraint]:
    return [sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                    name=op.f(f"fk_{table}_platform_id_platforms")),
            sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                    name=op.f(f"fk_{table}_merchant_id_merchants"))]


def upgrade() -> None:
    op.create_table(
        "merchant_verifications",
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("verifier", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False,
                  comment="The outside register consulted, or none."),
        sa.Column("outcome", sa.String(20), nullable=False,
                  comment="verified / rejected / needs_documents"),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False,
                  comment="The register's entries as read, and its file's SHA-256."),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        *_fks("merchant_verifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_verifications")),
    )
    op.create_index("ix_merchant_verifications_merchant", "merchant_verifications",
                    ["merchant_id", "at"])
    op.create_table(
        "merchant_tasks",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False,
                  comment="reverification / licence_expiry / lapsed"),
        sa.Column("open_key", sa.String(200), nullable=False),
        sa.Column("licence_id", sa.String(36), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("case_id", sa.String(36), nullable=True,
                  comment="The moderation case a lapse opened."),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        *_fks("merchant_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_tasks")),
    )
    op.create_index("uq_merchant_tasks_key", "merchant_tasks", ["open_key"], unique=True)
    op.create_index("ix_merchant_tasks_open", "merchant_tasks",
                    ["platform_id", "closed_at", "due_on"])
    op.create_index("ix_merchant_tasks_merchant", "merchant_tasks", ["merchant_id"])
    make_append_only("merchant_verifications")


def downgrade() -> None:
    drop_append_only("merchant_verifications")
    op.drop_table("merchant_tasks")
    op.drop_table("merchant_verifications")
