"""Disclosure checks (kept) and the exit of a merchant: announced, the day it leaves, when it
left, and until when its records are kept.

Revision ID: merchants_0004
Revises: merchants_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "merchants_0004"
down_revision: str | None = "merchants_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("merchants") as b:
        b.add_column(sa.Column("exit_announced_at", TZ, nullable=True,
                               comment="When the exit was announced (电子商务法 第十六条)."))
        b.add_column(sa.Column("exit_on", sa.Date(), nullable=True,
                               comment="The Beijing day the merchant leaves."))
        b.add_column(sa.Column("exited_at", TZ, nullable=True))
        b.add_column(sa.Column("keep_until", sa.Date(), nullable=True,
                               comment="Records kept until this day after exit (data)."))
    op.create_table(
        "merchant_disclosures",
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("shop_ref", sa.String(100), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("source", sa.String(20), nullable=False, comment="fields / snapshot"),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=True),
        sa.Column("snapshot_size", BIG, nullable=True),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False, comment="match / mismatch"),
        sa.Column("id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_merchant_disclosures_platform_id_platforms")),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                name=op.f("fk_merchant_disclosures_merchant_id_merchants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_disclosures")),
    )
    op.create_index("ix_merchant_disclosures_merchant", "merchant_disclosures",
                    ["merchant_id", "at"])
    make_append_only("merchant_disclosures")


def downgrade() -> None:
    drop_append_only("merchant_disclosures")
    op.drop_table("merchant_disclosures")
    with op.batch_alter_table("merchants") as b:
        for c in ("keep_until", "exited_at", "exit_on", "exit_announced_at"):
            b.drop_column(c)
