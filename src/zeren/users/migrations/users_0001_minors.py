"""Minors (指南 第三十一条): flagged accounts, their game sessions and payments (kept).

Revision ID: users_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "users_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("users",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _common(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f(f"fk_{table}_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "users_minor_accounts",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("account_ref", sa.String(length=100), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False, comment="Age band (data)."),
        sa.Column("flagged_by", sa.String(length=100), nullable=False),
        *_common("users_minor_accounts"),
    )
    op.create_index("uq_users_minor_accounts_ref", "users_minor_accounts",
                    ["platform_id", "account_ref"], unique=True)
    tables: tuple[tuple[str, list[sa.Column[object]], str], ...] = (
        ("users_minor_sessions", [
            sa.Column("service", sa.String(length=20), nullable=False),
            sa.Column("starts_at", TZ, nullable=False),
            sa.Column("ends_at", TZ, nullable=False)], "starts_at"),
        ("users_minor_payments", [
            sa.Column("payment_ref", sa.String(length=100), nullable=False),
            sa.Column("service", sa.String(length=20), nullable=False),
            sa.Column("paid_at", TZ, nullable=False),
            sa.Column("amount_fen", BIG, nullable=False)], "paid_at"),
    )
    for table, cols, index in tables:
        op.create_table(
            table,
            sa.Column("platform_id", sa.String(length=36), nullable=False),
            sa.Column("account_id", sa.String(length=36), nullable=False),
            *cols,
            sa.Column("imported_by", sa.String(length=100), nullable=False),
            sa.ForeignKeyConstraint(["account_id"], ["users_minor_accounts.id"],
                                    name=op.f(f"fk_{table}_account_id_users_minor_accounts")),
            *_common(table),
        )
        op.create_index(f"ix_{table}_time", table, ["platform_id", index])
        make_append_only(table)


def downgrade() -> None:
    for table in ("users_minor_payments", "users_minor_sessions"):
        drop_append_only(table)
        op.drop_index(f"ix_{table}_time", table_name=table)
        op.drop_table(table)
    op.drop_index("uq_users_minor_accounts_ref", table_name="users_minor_accounts")
    op.drop_table("users_minor_accounts")
