"""Governance: enforcement requests (指南 第三十四条), their exports and every read of them
(kept), and retention holds on ledger records.

Revision ID: governance_0003
Revises: governance_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "governance_0003"
down_revision: str | None = "governance_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gov_enforcement_requests",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column(
            "scope",
            sa.JSON(),
            nullable=False,
            comment="since, until, subject_prefix: what the export may read.",
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="open, produced, closed"),
        sa.Column("produced_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_enforcement_requests_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_enforcement_requests")),
    )
    op.create_index(
        "ix_gov_enforcement_requests_due",
        "gov_enforcement_requests",
        ["platform_id", "status", "deadline"],
        unique=False,
    )
    op.create_table(
        "gov_enforcement_exports",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False, comment="JSON lines."),
        sa.Column("produced_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_enforcement_exports_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["gov_enforcement_requests.id"],
            name=op.f("fk_gov_enforcement_exports_request_id_gov_enforcement_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_enforcement_exports")),
    )
    op.create_index(
        "ix_gov_enforcement_exports_request",
        "gov_enforcement_exports",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "gov_retention_holds",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("subject_prefix", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("released_at", TZ, nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_retention_holds_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["gov_enforcement_requests.id"],
            name=op.f("fk_gov_retention_holds_request_id_gov_enforcement_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_retention_holds")),
    )
    op.create_index(
        "ix_gov_retention_holds_active",
        "gov_retention_holds",
        ["platform_id", "released_at"],
        unique=False,
    )
    op.create_table(
        "gov_export_accesses",
        sa.Column("export_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("accessed_by", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["gov_enforcement_exports.id"],
            name=op.f("fk_gov_export_accesses_export_id_gov_enforcement_exports"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_export_accesses_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_export_accesses")),
    )
    op.create_index(
        "ix_gov_export_accesses_export",
        "gov_export_accesses",
        ["export_id", "created_at"],
        unique=False,
    )
    make_append_only("gov_enforcement_exports")
    make_append_only("gov_export_accesses")


def downgrade() -> None:
    drop_append_only("gov_enforcement_exports")
    drop_append_only("gov_export_accesses")
    op.drop_index("ix_gov_export_accesses_export", table_name="gov_export_accesses")
    op.drop_index("ix_gov_retention_holds_active", table_name="gov_retention_holds")
    op.drop_index("ix_gov_enforcement_exports_request", table_name="gov_enforcement_exports")
    op.drop_index("ix_gov_enforcement_requests_due", table_name="gov_enforcement_requests")
    op.drop_table("gov_export_accesses")
    op.drop_table("gov_retention_holds")
    op.drop_table("gov_enforcement_exports")
    op.drop_table("gov_enforcement_requests")
