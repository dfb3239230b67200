"""Reports to the authorities (the quarterly tax report): files, figures and steps.

Revision ID: merchants_0005
Revises: merchants_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "merchants_0005"
down_revision: str | None = "merchants_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "merchant_reports",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False, comment="tax"),
        sa.Column("period", sa.String(10), nullable=False, comment="e.g. 2026Q3"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(20), nullable=False,
                  comment="generated / approved / submitted / superseded"),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False, comment="Column totals in fen."),
        sa.Column("figures", sa.JSON(), nullable=False,
                  comment="The rows as generated (amounts in fen)."),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.Column("csv_sha256", sa.String(64), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx_sha256", sa.String(64), nullable=False),
        sa.Column("generated_at", TZ, nullable=False),
        sa.Column("generated_by", sa.String(100), nullable=False),
        sa.Column("approved_at", TZ, nullable=True),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("submitted_at", TZ, nullable=True),
        sa.Column("submitted_by", sa.String(100), nullable=True),
        sa.Column("receipt_ref", sa.String(200), nullable=True,
                  comment="The authority's receipt."),
        sa.Column("id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_merchant_reports_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_reports")),
    )
    op.create_index("uq_merchant_reports_version", "merchant_reports",
                    ["platform_id", "kind", "period", "version"], unique=True)


def downgrade() -> None:
    op.drop_table("merchant_reports")
