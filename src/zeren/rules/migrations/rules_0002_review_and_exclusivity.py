"""Platform rules: uploaded contract clauses (kept) and exclusivity findings.

Revision ID: rules_0002
Revises: rules_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "rules_0002"
down_revision: str | None = "rules_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _pfk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                   name=op.f(f"fk_{table}_platform_id_platforms"))


def upgrade() -> None:
    op.create_table(
        "rule_clauses",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", TZ, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _pfk("rule_clauses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_clauses")),
    )
    op.create_index("ix_rule_clauses_platform", "rule_clauses", ["platform_id", "uploaded_at"])
    op.create_table(
        "rule_findings",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("source_kind", sa.String(20), nullable=False, comment="version / clause"),
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("matched", sa.String(200), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("found_at", TZ, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, comment="open / resolved"),
        sa.Column("resolution", sa.String(30), nullable=True,
                  comment="not_exclusive / removed / justified"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        _pfk("rule_findings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_findings")),
    )
    op.create_index("uq_rule_findings_hit", "rule_findings", ["source_id", "start", "term"],
                    unique=True)
    op.create_index("ix_rule_findings_open", "rule_findings", ["platform_id", "status"])
    make_append_only("rule_clauses")


def downgrade() -> None:
    drop_append_only("rule_clauses")
    op.drop_table("rule_findings")
    op.drop_table("rule_clauses")
