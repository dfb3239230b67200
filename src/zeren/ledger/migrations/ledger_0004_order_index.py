"""Ledger: orders and refunds as figures beside the log (``ledger_order_index``), append-only,
so that reports on orders (the quarterly tax report) read a quarter with one GROUP BY.

Revision ID: ledger_0004
Revises: ledger_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "ledger_0004"
down_revision: str | None = "ledger_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_order_index",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("record", sa.String(10), nullable=False, comment="order / refund"),
        sa.Column("ref", sa.String(100), nullable=False,
                  comment="The order id, or the refund id."),
        sa.Column("order_id", sa.String(100), nullable=False),
        sa.Column("merchant_ref", sa.String(100), nullable=False),
        sa.Column("income_kind", sa.String(30), nullable=False,
                  comment="goods / service.<kind> (orders.toml)"),
        sa.Column("amount_cents", BIG, nullable=False,
                  comment="Paid (an order) or refunded (a refund), in fen."),
        sa.Column("other_cents", BIG, nullable=False,
                  comment="Of which 其他销售收入 (an order of goods), in fen."),
        sa.Column("at", TZ, nullable=False,
                  comment="Completed (an order) or refunded (a refund)."),
        sa.Column("log", sa.String(100), nullable=False),
        sa.Column("idx", BIG, nullable=False),
        sa.CheckConstraint("record IN ('order', 'refund')",
                           name=op.f("ck_ledger_order_index_record")),
        sa.CheckConstraint("amount_cents >= 0 AND other_cents >= 0",
                           name=op.f("ck_ledger_order_index_amounts")),
        sa.PrimaryKeyConstraint("platform_id", "record", "ref",
                                name=op.f("pk_ledger_order_index")),
    )
    op.create_index("ix_ledger_order_index_at", "ledger_order_index", ["platform_id", "at"])
    make_append_only("ledger_order_index")


def downgrade() -> None:
    drop_append_only("ledger_order_index")
    op.drop_table("ledger_order_index")
