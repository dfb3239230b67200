"""Governance: yearly innovation (指南 第九条) and packaging (第三十二条) figures, kept.

Revision ID: governance_0004
Revises: governance_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "governance_0004"
down_revision: str | None = "governance_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gov_yearly_figures",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "scope",
            sa.String(length=200),
            nullable=False,
            comment="platform, merchant:<id> or category:<name>",
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_yearly_figures_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_yearly_figures")),
    )
    op.create_index(
        "ix_gov_yearly_figures_kind",
        "gov_yearly_figures",
        ["platform_id", "kind", "scope", "year"],
        unique=False,
    )
    make_append_only("gov_yearly_figures")


def downgrade() -> None:
    drop_append_only("gov_yearly_figures")
    op.drop_index("ix_gov_yearly_figures_kind", table_name="gov_yearly_figures")
    op.drop_table("gov_yearly_figures")
