"""Assessment: risk reports published from signed assessments (append-only).

Revision ID: assessment_0005
Revises: assessment_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "assessment_0005"
down_revision: str | None = "assessment_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

T = "asmt_public_reports"


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  comment="When the row was written (UTC)."),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["asmt_assessments.id"],
                                name=op.f(f"fk_{T}_assessment_id_asmt_assessments")),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f(f"fk_{T}_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")))
    op.create_index(op.f(f"ix_{T}_assessment_id"), T, ["assessment_id"])
    make_append_only(T)


def downgrade() -> None:
    drop_append_only(T)
    op.drop_table(T)
