"""Assessment: the algorithm register and its reviews, emergency plans and their drills
(指南 第七条). Reviews and drills refuse UPDATE and DELETE.

Revision ID: assessment_0004
Revises: assessment_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "assessment_0004"
down_revision: str | None = "assessment_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ["asmt_algorithm_reviews", "asmt_drills"]


def _base() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("created_at", TZ, nullable=False,
                      comment="When the row was written (UTC).")]


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{col}_{target}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def upgrade() -> None:
    t = "asmt_algorithms"
    op.create_table(
        t, *_base(),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=200), nullable=False, comment="服务形式"),
        sa.Column("domain", sa.String(length=200), nullable=False, comment="应用领域"),
        sa.Column("algorithm_type", sa.String(length=30), nullable=False),
        sa.Column("system", sa.String(length=30), nullable=False,
                  comment="The register system it belongs to."),
        sa.Column("self_assessment", sa.Text(), nullable=False),
        sa.Column("disclosure", sa.Text(), nullable=False),
        sa.Column("launched_on", sa.Date(), nullable=False),
        sa.Column("filing_due_on", sa.Date(), nullable=False),
        sa.Column("filing_number", sa.String(length=100), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk(t, "platform_id", "platforms"), _pk(t))
    op.create_index("ix_asmt_algorithms_platform", t, ["platform_id"])

    t = "asmt_algorithm_reviews"
    op.create_table(
        t, *_base(),
        sa.Column("algorithm_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False,
                  comment="pass|changes_required"),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        _fk(t, "algorithm_id", "asmt_algorithms"), _fk(t, "platform_id", "platforms"), _pk(t))
    op.create_index(op.f(f"ix_{t}_algorithm_id"), t, ["algorithm_id"])

    t = "asmt_emergency_plans"
    op.create_table(
        t, *_base(),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("risk_kind", sa.String(length=30), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _fk(t, "platform_id", "platforms"), _pk(t))
    op.create_index("ix_asmt_emergency_plans_platform", t, ["platform_id"])

    t = "asmt_drills"
    op.create_table(
        t, *_base(),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        _fk(t, "plan_id", "asmt_emergency_plans"), _fk(t, "platform_id", "platforms"), _pk(t))
    op.create_index(op.f(f"ix_{t}_plan_id"), t, ["plan_id"])

    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        drop_append_only(table)
    for t in ("asmt_drills", "asmt_emergency_plans", "asmt_algorithm_reviews",
              "asmt_algorithms"):
        op.drop_table(t)
