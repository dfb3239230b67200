"""Governance registers: interoperability requests (指南 第三条), the compliance programme —
policies with their kept versions and reviews, courses, kept training completions and their
imports, integrity cases, regulators' requests (第五条).

Revision ID: governance_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "governance_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("governance",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gov_courses",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "duty",
            sa.String(length=60),
            nullable=False,
            comment="Org-registry duty code, or all_staff.",
        ),
        sa.Column(
            "valid_days", sa.Integer(), nullable=False, comment="How long a completion counts."
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_gov_courses_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_courses")),
    )
    op.create_index("uq_gov_courses_code", "gov_courses", ["platform_id", "code"], unique=True)
    op.create_table(
        "gov_integrity_cases",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column(
            "reference",
            sa.String(length=20),
            nullable=False,
            comment="Given to the reporter to follow up.",
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_contact", sa.String(length=200), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("acknowledged_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_integrity_cases_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_integrity_cases")),
    )
    op.create_index(
        "ix_gov_integrity_cases_time",
        "gov_integrity_cases",
        ["platform_id", "received_at"],
        unique=False,
    )
    op.create_index("uq_gov_integrity_cases_ref", "gov_integrity_cases", ["reference"], unique=True)
    op.create_table(
        "gov_interop_requests",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column(
            "requester_kind", sa.String(length=20), nullable=False, comment="operator or user"
        ),
        sa.Column(
            "service",
            sa.String(length=200),
            nullable=False,
            comment="The platform's service asked for.",
        ),
        sa.Column("asked", sa.Text(), nullable=False, comment="What is asked."),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False, comment="The day a decision is due."),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column(
            "ground",
            sa.String(length=40),
            nullable=True,
            comment="Justified ground of a refusal (data).",
        ),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_interop_requests_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_interop_requests")),
    )
    op.create_index(
        "ix_gov_interop_requests_due",
        "gov_interop_requests",
        ["platform_id", "decided_at", "deadline"],
        unique=False,
    )
    op.create_table(
        "gov_policies",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "sha256",
            sa.String(length=64),
            nullable=False,
            comment="Digest of the current version's text.",
        ),
        sa.Column("last_reviewed_on", sa.Date(), nullable=False),
        sa.Column("review_due_on", sa.Date(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_gov_policies_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_policies")),
    )
    op.create_index(
        "ix_gov_policies_due", "gov_policies", ["platform_id", "review_due_on"], unique=False
    )
    op.create_index("uq_gov_policies_code", "gov_policies", ["platform_id", "code"], unique=True)
    op.create_table(
        "gov_regulator_requests",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column(
            "reference",
            sa.String(length=100),
            nullable=False,
            comment="The regulator's document number.",
        ),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_regulator_requests_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_regulator_requests")),
    )
    op.create_index(
        "ix_gov_regulator_requests_due",
        "gov_regulator_requests",
        ["platform_id", "answered_on", "due_on"],
        unique=False,
    )
    op.create_table(
        "gov_training_imports",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_training_imports_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_training_imports")),
    )
    op.create_index(
        op.f("ix_gov_training_imports_platform_id"),
        "gov_training_imports",
        ["platform_id"],
        unique=False,
    )
    op.create_table(
        "gov_policy_events",
        sa.Column("policy_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=20),
            nullable=False,
            comment="version (new text) or review (kept as is)",
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False, comment="Effective or review day."),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_policy_events_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["gov_policies.id"],
            name=op.f("fk_gov_policy_events_policy_id_gov_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_policy_events")),
    )
    op.create_index(
        "ix_gov_policy_events_policy",
        "gov_policy_events",
        ["policy_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "gov_training_completions",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("import_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["gov_courses.id"],
            name=op.f("fk_gov_training_completions_course_id_gov_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["gov_training_imports.id"],
            name=op.f("fk_gov_training_completions_import_id_gov_training_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_gov_training_completions_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_gov_training_completions_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_training_completions")),
    )
    op.create_index(
        "ix_gov_training_completions_course",
        "gov_training_completions",
        ["platform_id", "course_id", "completed_on"],
        unique=False,
    )
    make_append_only("gov_policy_events")
    make_append_only("gov_training_imports")
    make_append_only("gov_training_completions")


def downgrade() -> None:
    drop_append_only("gov_policy_events")
    drop_append_only("gov_training_imports")
    drop_append_only("gov_training_completions")
    op.drop_index("ix_gov_training_completions_course", table_name="gov_training_completions")
    op.drop_index("ix_gov_policy_events_policy", table_name="gov_policy_events")
    op.drop_index("ix_gov_regulator_requests_due", table_name="gov_regulator_requests")
    op.drop_index("uq_gov_policies_code", table_name="gov_policies")
    op.drop_index("ix_gov_policies_due", table_name="gov_policies")
    op.drop_index("ix_gov_interop_requests_due", table_name="gov_interop_requests")
    op.drop_index("uq_gov_integrity_cases_ref", table_name="gov_integrity_cases")
    op.drop_index("ix_gov_integrity_cases_time", table_name="gov_integrity_cases")
    op.drop_index("uq_gov_courses_code", table_name="gov_courses")
    op.drop_table("gov_training_completions")
    op.drop_table("gov_policy_events")
    op.drop_table("gov_training_imports")
    op.drop_table("gov_regulator_requests")
    op.drop_table("gov_policies")
    op.drop_table("gov_interop_requests")
    op.drop_table("gov_integrity_cases")
    op.drop_table("gov_courses")
