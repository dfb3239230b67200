"""Market: what was done about a finding (cases opened, compliance tasks and their closing,
price-fraud records). Append-only.

Revision ID: market_0002
Revises: market_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "market_0002"
down_revision: str | None = "market_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "market_actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("finding_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False,
                  comment="moderation_case | compliance_task | price_fraud_record | task_closed"),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("merchant_id", sa.String(length=200), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("due_at", TZ, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("acted_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_market_actions_platform_id_platforms")),
        sa.ForeignKeyConstraint(["finding_id"], ["market_findings.id"],
                                name=op.f("fk_market_actions_finding_id_market_findings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_actions")),
    )
    op.create_index("ix_market_actions_finding", "market_actions", ["finding_id", "created_at"])
    make_append_only("market_actions")


def downgrade() -> None:
    drop_append_only("market_actions")
    op.drop_table("market_actions")
