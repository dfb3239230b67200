"""Data governance: merges of personal data across services reported as done without the
person's consent (指南 第十八条), kept as reported (append-only).

Revision ID: datagov_0002
Revises: datagov_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "datagov_0002"
down_revision: str | None = "datagov_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "datagov_unconsented_merges",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("found_at", TZ, nullable=False, comment="When the merge came to light."),
        sa.Column("merged_at", TZ, nullable=True, comment="When the data was combined."),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("persons", BIG, nullable=False,
                  comment="How many persons' data was combined."),
        sa.Column("source", sa.String(length=30), nullable=False,
                  comment="internal_audit, complaint, regulator, self_report or monitoring."),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("remediation", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=True,
                  comment="The gate's refusal the merge went against, if any."),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"],
            name=op.f("fk_datagov_unconsented_merges_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_unconsented_merges")),
    )
    op.create_index("ix_datagov_unconsented_merges_time", "datagov_unconsented_merges",
                    ["platform_id", "found_at"], unique=False)
    make_append_only("datagov_unconsented_merges")


def downgrade() -> None:
    drop_append_only("datagov_unconsented_merges")
    op.drop_table("datagov_unconsented_merges")
