"""Assessment: audit engagements, evidence bundles, findings and their remediation events,
audit report drafts and signatures. Kept records refuse UPDATE and DELETE.

Revision ID: assessment_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "assessment_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("assessment",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

APPEND_ONLY = ["asmt_engagements", "asmt_bundles", "asmt_finding_events", "asmt_reports",
               "asmt_report_signatures"]


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.String(length=36), nullable=False)


def _created() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC).")


def _platform(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:  # type: ignore[type-arg]
    return (sa.Column("platform_id", sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                    name=op.f(f"fk_{table}_platform_id_platforms")))


def _engagement(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:  # type: ignore[type-arg]
    return (sa.Column("engagement_id", sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint(["engagement_id"], ["asmt_engagements.id"],
                                    name=op.f(f"fk_{table}_engagement_id_asmt_engagements")))


def upgrade() -> None:
    t = "asmt_engagements"
    op.create_table(
        t, *_platform(t),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("period_start", TZ, nullable=False),
        sa.Column("period_end", TZ, nullable=False),
        sa.Column("auditor_name", sa.String(length=300), nullable=False,
                  comment="The audit firm (机构名称)."),
        sa.Column("auditor_address", sa.String(length=500), nullable=False),
        sa.Column("auditor_contact", sa.String(length=300), nullable=False),
        sa.Column("auditor_user_ids", sa.JSON(), nullable=False,
                  comment="Users (auditor role) who work on this engagement."),
        sa.Column("auditor_vkey", sa.Text(), nullable=False,
                  comment="C2SP verifier key of the auditor's report signing key."),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_engagements")),
    )
    op.create_index(op.f("ix_asmt_engagements_platform_id"), t, ["platform_id"])

    t = "asmt_bundles"
    op.create_table(
        t, *_engagement(t), *_platform(t),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("built_by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_bundles")),
    )
    op.create_index(op.f("ix_asmt_bundles_engagement_id"), t, ["engagement_id"])

    t = "asmt_findings"
    op.create_table(
        t, *_engagement(t), *_platform(t),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("obligation_key", sa.String(length=80), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_refs", sa.JSON(), nullable=False,
                  comment="ledger:<log>#<index> records the finding cites."),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_findings")),
    )
    op.create_index("uq_asmt_findings_number", t, ["engagement_id", "number"], unique=True)
    op.create_index("ix_asmt_findings_platform_status", t, ["platform_id", "status"])

    t = "asmt_finding_events"
    op.create_table(
        t,
        sa.Column("finding_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.ForeignKeyConstraint(["finding_id"], ["asmt_findings.id"],
                                name=op.f("fk_asmt_finding_events_finding_id_asmt_findings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_finding_events")),
    )
    op.create_index(op.f("ix_asmt_finding_events_finding_id"), t, ["finding_id"])

    t = "asmt_reports"
    op.create_table(
        t, *_engagement(t), *_platform(t),
        sa.Column("platform_name", sa.String(length=300), nullable=False),
        sa.Column("platform_address", sa.String(length=500), nullable=False),
        sa.Column("platform_contact", sa.String(length=300), nullable=False),
        sa.Column("auditor_name", sa.String(length=300), nullable=False),
        sa.Column("auditor_address", sa.String(length=500), nullable=False),
        sa.Column("auditor_contact", sa.String(length=300), nullable=False),
        sa.Column("conclusions", sa.Text(), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_reports")),
    )
    op.create_index(op.f("ix_asmt_reports_engagement_id"), t, ["engagement_id"])

    t = "asmt_report_signatures"
    op.create_table(
        t,
        sa.Column("report_id", sa.String(length=36), nullable=False),
        *_engagement(t), *_platform(t),
        sa.Column("period_end", TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("signed_by", sa.String(length=100), nullable=False),
        _id(), _created(),
        sa.ForeignKeyConstraint(["report_id"], ["asmt_reports.id"],
                                name=op.f("fk_asmt_report_signatures_report_id_asmt_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asmt_report_signatures")),
        sa.UniqueConstraint("report_id", name=op.f("uq_asmt_report_signatures_report_id")),
    )
    op.create_index(op.f("ix_asmt_report_signatures_platform_id"), t, ["platform_id"])
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        drop_append_only(table)
    for table in ("asmt_report_signatures", "asmt_reports", "asmt_finding_events",
                  "asmt_findings", "asmt_bundles", "asmt_engagements"):
        op.drop_table(table)
