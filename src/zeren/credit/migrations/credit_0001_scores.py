"""Credit evaluation: batches and scores, both kept (UPDATE and DELETE refused).

Revision ID: credit_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "credit_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("credit",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)


def _pfk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                   name=op.f(f"fk_{table}_platform_id_platforms"))


def upgrade() -> None:
    op.create_table(
        "credit_batches",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("formula_version_id", sa.String(36), nullable=False,
                  comment="The credit rule version in force (rules library)."),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("merchants", sa.Integer(), nullable=False),
        sa.Column("scores_sha256", sa.String(64), nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
        sa.Column("computed_by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _pfk("credit_batches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_batches")),
    )
    op.create_index("ix_credit_batches_platform", "credit_batches",
                    ["platform_id", "computed_at"])
    op.create_table(
        "credit_scores",
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_ref", sa.String(100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["credit_batches.id"],
                                name=op.f("fk_credit_scores_batch_id_credit_batches")),
        _pfk("credit_scores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_scores")),
    )
    op.create_index("uq_credit_scores_merchant", "credit_scores", ["batch_id", "merchant_ref"],
                    unique=True)
    op.create_index("ix_credit_scores_lookup", "credit_scores", ["platform_id", "merchant_ref"])
    make_append_only("credit_batches")
    make_append_only("credit_scores")


def downgrade() -> None:
    drop_append_only("credit_scores")
    drop_append_only("credit_batches")
    op.drop_table("credit_scores")
    op.drop_table("credit_batches")
