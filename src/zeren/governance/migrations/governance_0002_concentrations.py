"""Governance: the concentration register (指南 第十六条) with its kept steps.

Revision ID: governance_0002
Revises: governance_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "governance_0002"
down_revision: str | None = "governance_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gov_deals",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "financial_year", sa.Integer(), nullable=False, comment="The year the turnovers are of."
        ),
        sa.Column(
            "parties",
            sa.JSON(),
            nullable=False,
            comment="Each party: name, global and China turnover (CNY).",
        ),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("notifiable", sa.Boolean(), nullable=False),
        sa.Column(
            "rule_id",
            sa.String(length=40),
            nullable=True,
            comment="The threshold rule met, if any.",
        ),
        sa.Column("thresholds_version", sa.String(length=40), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="planned, filed, cleared, prohibited, closed, abandoned",
        ),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("filing_reference", sa.String(length=100), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("clearance", sa.String(length=30), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_gov_deals_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_deals")),
    )
    op.create_index("ix_gov_deals_status", "gov_deals", ["platform_id", "status"], unique=False)
    op.create_index("uq_gov_deals_code", "gov_deals", ["platform_id", "code"], unique=True)
    op.create_table(
        "gov_deal_events",
        sa.Column("deal_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["gov_deals.id"], name=op.f("fk_gov_deal_events_deal_id_gov_deals")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_gov_deal_events_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_deal_events")),
    )
    op.create_index(
        "ix_gov_deal_events_deal", "gov_deal_events", ["deal_id", "created_at"], unique=False
    )
    make_append_only("gov_deal_events")


def downgrade() -> None:
    drop_append_only("gov_deal_events")
    op.drop_index("ix_gov_deal_events_deal", table_name="gov_deal_events")
    op.drop_index("uq_gov_deals_code", table_name="gov_deals")
    op.drop_index("ix_gov_deals_status", table_name="gov_deals")
    op.drop_table("gov_deal_events")
    op.drop_table("gov_deals")
