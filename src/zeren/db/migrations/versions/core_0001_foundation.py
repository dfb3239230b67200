"""Foundation tables: platforms and figures, tiers, people and roles, org registry, exemptions,
attestations, evidence snapshots and the audit trail.

Revision ID: core_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "core_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None

# Records Zeren must keep as written: the database itself refuses UPDATE and DELETE on them.
APPEND_ONLY = [
    "audit_events",
    "exemption_events",
    "evidence_snapshots",
    "evidence_files",
    "attestations",
    "tier_assessments",
    "platform_figures",
]


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False, comment="e.g. platform.create"),
        sa.Column("target_type", sa.String(length=60), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=True),
        sa.Column("before_digest", sa.String(length=64), nullable=True),
        sa.Column("after_digest", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index(
        op.f("ix_audit_events_platform_id"), "audit_events", ["platform_id"], unique=False
    )
    op.create_table(
        "platforms",
        sa.Column(
            "code",
            sa.String(length=64),
            nullable=False,
            comment="Short stable handle, e.g. 'mall'.",
        ),
        sa.Column("name", sa.String(length=200), nullable=False, comment="Platform name."),
        sa.Column("legal_entity", sa.String(length=200), nullable=False, comment="Operator."),
        sa.Column(
            "uscc",
            sa.String(length=18),
            nullable=False,
            comment="统一社会信用代码 of the operator (GB 32100-2015).",
        ),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=False),
        sa.Column("main_business", sa.String(length=400), nullable=False),
        sa.Column(
            "platform_type",
            sa.String(length=40),
            nullable=False,
            comment="Platform type code from platform_types.yaml.",
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("code", name=op.f("uq_platforms_code")),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "password_hash",
            sa.String(length=200),
            nullable=True,
            comment="argon2id hash; NULL for API-only users.",
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "attestations",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("check_key", sa.String(length=80), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("attested_by", sa.String(length=36), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_attestations_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
    )
    op.create_index(op.f("ix_attestations_check_key"), "attestations", ["check_key"], unique=False)
    op.create_index(
        op.f("ix_attestations_platform_id"), "attestations", ["platform_id"], unique=False
    )
    op.create_table(
        "departments",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=40),
            nullable=False,
            comment="Department kind code from org.yaml (e.g. compliance).",
        ),
        sa.Column("mandate", sa.Text(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_departments_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    op.create_index(
        op.f("ix_departments_platform_id"), "departments", ["platform_id"], unique=False
    )
    op.create_table(
        "evidence_snapshots",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("check_key", sa.String(length=80), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluated_by", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_evidence_snapshots_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_snapshots")),
    )
    op.create_index(
        op.f("ix_evidence_snapshots_evaluated_at"),
        "evidence_snapshots",
        ["evaluated_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_evidence_snapshots_evaluation_id"),
        "evidence_snapshots",
        ["evaluation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_evidence_snapshots_platform_id"),
        "evidence_snapshots",
        ["platform_id"],
        unique=False,
    )
    op.create_table(
        "exemptions",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=True),
        sa.Column("ground", sa.String(length=60), nullable=False, comment="Art 35 ground code."),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="requested | approved | rejected | withdrawn",
        ),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_exemptions_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemptions")),
    )
    op.create_index(op.f("ix_exemptions_platform_id"), "exemptions", ["platform_id"], unique=False)
    op.create_table(
        "platform_figures",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, comment="The year the figures describe."),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "annual_active_users",
            sa.BigInteger(),
            nullable=False,
            comment="Annual active users in China (上年度年活跃用户).",
        ),
        sa.Column(
            "market_value_rmb",
            sa.Numeric(precision=20, scale=0),
            nullable=False,
            comment="Market value or valuation at year-end, RMB.",
        ),
        sa.Column("prominent_main_business", sa.Boolean(), nullable=False),
        sa.Column("prominent_main_business_rationale", sa.Text(), nullable=False),
        sa.Column("strong_reach_restriction", sa.Boolean(), nullable=False),
        sa.Column("strong_reach_restriction_rationale", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_figures_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_figures")),
        sa.UniqueConstraint(
            "platform_id",
            "year",
            "revision",
            name=op.f("uq_platform_figures_platform_id_year_revision"),
        ),
    )
    op.create_index(
        op.f("ix_platform_figures_platform_id"), "platform_figures", ["platform_id"], unique=False
    )
    op.create_table(
        "role_grants",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_role_grants_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint(
            "user_id", "role", "platform_id", name=op.f("uq_role_grants_user_id_role_platform_id")
        ),
    )
    op.create_index(op.f("ix_role_grants_user_id"), "role_grants", ["user_id"], unique=False)
    op.create_table(
        "evidence_files",
        sa.Column("attestation_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["attestation_id"],
            ["attestations.id"],
            name=op.f("fk_evidence_files_attestation_id_attestations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_table(
        "exemption_events",
        sa.Column("exemption_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["exemption_id"],
            ["exemptions.id"],
            name=op.f("fk_exemption_events_exemption_id_exemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption_events")),
    )
    op.create_index(
        op.f("ix_exemption_events_exemption_id"), "exemption_events", ["exemption_id"], unique=False
    )
    op.create_table(
        "people",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_people_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_people_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_platform_id"), "people", ["platform_id"], unique=False)
    op.create_table(
        "tier_assessments",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures_id", sa.String(length=36), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False, comment="super_large | ordinary"),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("thresholds_version", sa.String(length=40), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["figures_id"],
            ["platform_figures.id"],
            name=op.f("fk_tier_assessments_figures_id_platform_figures"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_tier_assessments_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_assessments")),
    )
    op.create_index(
        op.f("ix_tier_assessments_platform_id"), "tier_assessments", ["platform_id"], unique=False
    )
    op.create_table(
        "duties",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("duty", sa.String(length=60), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_duties_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_duties_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duties")),
    )
    op.create_index(op.f("ix_duties_platform_id"), "duties", ["platform_id"], unique=False)
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in [
        "duties",
        "tier_assessments",
        "people",
        "exemption_events",
        "evidence_files",
        "role_grants",
        "platform_figures",
        "exemptions",
        "evidence_snapshots",
        "departments",
        "attestations",
        "api_tokens",
        "users",
        "platforms",
        "audit_events",
    ]:
        op.drop_table(table)
