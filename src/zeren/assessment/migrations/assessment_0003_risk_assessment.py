"""Assessment: the risk register (risks, mitigations) and the yearly risk assessment
(assessments, indicator snapshots, judgements, sign-offs). Snapshots, judgements and
sign-offs refuse UPDATE and DELETE.

Revision ID: assessment_0003
Revises: assessment_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "assessment_0003"
down_revision: str | None = "assessment_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ["asmt_indicator_snapshots", "asmt_judgements", "asmt_signoffs"]


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.String(length=36), nullable=False)


def _created() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC).")


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{col}_{target}"))


def upgrade() -> None:
    t = "asmt_risks"
    op.create_table(
        t, _id(), _created(),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False,
                  comment="Catalogue key, or the platform's own."),
        sa.Column("kind", sa.String(length=30), nullable=False, comment="Art 6 kind."),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=False),
        sa.Column("residual_impact", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk(t, "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index("uq_asmt_risks_key", t, ["platform_id", "key"], unique=True)

    t = "asmt_mitigations"
    op.create_table(
        t, _id(), _created(),
        sa.Column("risk_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="planned|in_place"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _fk(t, "risk_id", "asmt_risks"), _fk(t, "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index(op.f(f"ix_{t}_risk_id"), t, ["risk_id"])

    t = "asmt_assessments"
    op.create_table(
        t, _id(), _created(),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", TZ, nullable=False),
        sa.Column("period_end", TZ, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _fk(t, "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index("ix_asmt_assessments_platform", t, ["platform_id", "period_end"])

    t = "asmt_indicator_snapshots"
    op.create_table(
        t, _id(),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("pull", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False,
                  comment='{"value": …} (null: not measurable).'),
        sa.Column("source", sa.Text(), nullable=False, comment="Module and query."),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("taken_at", TZ, nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=False),
        _fk(t, "assessment_id", "asmt_assessments"), _fk(t, "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index("ix_asmt_indicator_snapshots_a", t, ["assessment_id", "pull"])

    t = "asmt_judgements"
    op.create_table(
        t, _id(), _created(),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("risk_id", sa.String(length=36), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=False),
        sa.Column("residual_impact", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("residual_level", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        _fk(t, "assessment_id", "asmt_assessments"), _fk(t, "risk_id", "asmt_risks"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index("ix_asmt_judgements_a", t, ["assessment_id", "risk_id"])

    t = "asmt_signoffs"
    op.create_table(
        t, _id(), _created(),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk(t, "assessment_id", "asmt_assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index("uq_asmt_signoffs_role", t, ["assessment_id", "role"], unique=True)

    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        drop_append_only(table)
    for t in ("asmt_signoffs", "asmt_judgements", "asmt_indicator_snapshots",
              "asmt_assessments", "asmt_mitigations", "asmt_risks"):
        op.drop_table(t)
