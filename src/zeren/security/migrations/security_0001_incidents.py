"""Security: systems with their MLPS level, plans and drills, incidents with their timeline and
reports, personal-data breaches and their notices. Kept records refuse UPDATE and DELETE.

Revision ID: security_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "security_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("security",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

APPEND_ONLY = ["sec_drills", "sec_incident_events", "sec_reports", "sec_breach_notices"]


def upgrade() -> None:
    op.create_table(
        "sec_plans",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_plans_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_plans")),
    )
    op.create_index(op.f("ix_sec_plans_platform_id"), "sec_plans", ["platform_id"], unique=False)
    op.create_table(
        "sec_systems",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mlps_level", sa.Integer(), nullable=False, comment="等级保护 1–5"),
        sa.Column(
            "mlps_filing_no", sa.String(length=100), nullable=False, comment="公安机关备案编号"
        ),
        sa.Column(
            "cii",
            sa.Boolean(),
            nullable=False,
            comment="Identified as critical information infrastructure.",
        ),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_systems_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_systems")),
    )
    op.create_index("uq_sec_systems_code", "sec_systems", ["platform_id", "code"], unique=True)
    op.create_table(
        "sec_drills",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["sec_plans.id"], name=op.f("fk_sec_drills_plan_id_sec_plans")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_drills_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_drills")),
    )
    op.create_index(op.f("ix_sec_drills_platform_id"), "sec_drills", ["platform_id"], unique=False)
    op.create_table(
        "sec_incidents",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("grade", sa.String(length=30), nullable=False),
        sa.Column("grade_rationale", sa.Text(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column(
            "criteria_grade",
            sa.String(length=30),
            nullable=False,
            comment="The grade the measured figures force.",
        ),
        sa.Column("reporting_party", sa.String(length=30), nullable=False),
        sa.Column("reportable", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("detected_at", TZ, nullable=False),
        sa.Column("first_report_due", TZ, nullable=True),
        sa.Column("first_reported_at", TZ, nullable=True),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column(
            "status", sa.String(length=20), nullable=False, comment="open / handled / closed"
        ),
        sa.Column("handled_at", TZ, nullable=True),
        sa.Column("summary_due", TZ, nullable=True),
        sa.Column("summary_reported_at", TZ, nullable=True),
        sa.Column("rules_version", sa.String(length=60), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_incidents_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["sec_systems.id"], name=op.f("fk_sec_incidents_system_id_sec_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_incidents")),
    )
    op.create_index(
        "ix_sec_incidents_open", "sec_incidents", ["platform_id", "status"], unique=False
    )
    op.create_index(
        "uq_sec_incidents_number", "sec_incidents", ["platform_id", "number"], unique=True
    )
    op.create_table(
        "sec_breaches",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("pi_types", sa.JSON(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("possible_harm", sa.Text(), nullable=False),
        sa.Column("remedial_steps", sa.Text(), nullable=False),
        sa.Column("individual_actions", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("persons_affected", BIG, nullable=False),
        sa.Column("sensitive_persons", BIG, nullable=False),
        sa.Column("discovered_at", TZ, nullable=False),
        sa.Column(
            "individuals_exempt_reason",
            sa.Text(),
            nullable=False,
            comment="个保法 第五十七条第二款: why individuals need not be notified, if so.",
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["sec_incidents.id"],
            name=op.f("fk_sec_breaches_incident_id_sec_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_breaches_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_breaches")),
    )
    op.create_index(
        op.f("ix_sec_breaches_incident_id"), "sec_breaches", ["incident_id"], unique=False
    )
    op.create_index(
        op.f("ix_sec_breaches_platform_id"), "sec_breaches", ["platform_id"], unique=False
    )
    op.create_table(
        "sec_incident_events",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["sec_incidents.id"],
            name=op.f("fk_sec_incident_events_incident_id_sec_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_sec_incident_events_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_incident_events")),
    )
    op.create_index(
        "ix_sec_incident_events_incident",
        "sec_incident_events",
        ["incident_id", "at"],
        unique=False,
    )
    op.create_table(
        "sec_reports",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rules_version", sa.String(length=60), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["sec_incidents.id"],
            name=op.f("fk_sec_reports_incident_id_sec_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_sec_reports_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_reports")),
    )
    op.create_index(
        "ix_sec_reports_incident", "sec_reports", ["incident_id", "submitted_at"], unique=False
    )
    op.create_table(
        "sec_breach_notices",
        sa.Column("breach_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column(
            "audience", sa.String(length=20), nullable=False, comment="authority or individuals"
        ),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("recipients", BIG, nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "file_sha256",
            sa.String(length=64),
            nullable=False,
            comment="Digest of the bulk notice file, if any.",
        ),
        sa.Column("sent_at", TZ, nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["sec_breaches.id"],
            name=op.f("fk_sec_breach_notices_breach_id_sec_breaches"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_sec_breach_notices_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sec_breach_notices")),
    )
    op.create_index(
        "ix_sec_breach_notices_breach", "sec_breach_notices", ["breach_id"], unique=False
    )
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in [
        "sec_breach_notices",
        "sec_reports",
        "sec_incident_events",
        "sec_breaches",
        "sec_incidents",
        "sec_drills",
        "sec_systems",
        "sec_plans",
    ]:
        op.drop_table(table)
