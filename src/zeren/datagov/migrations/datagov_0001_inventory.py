"""Data governance: services, the inventory with its classifications and imports, processing
activities, reviews, transfers, trainings, catalogues, consents with their events, and the
merge gate's decisions. Kept records refuse UPDATE and DELETE.

Revision ID: datagov_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "datagov_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("datagov",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

APPEND_ONLY = [
    "datagov_classifications",
    "datagov_imports",
    "datagov_reviews",
    "datagov_trainings",
    "datagov_catalogues",
    "datagov_consent_events",
    "datagov_decisions",
]


def upgrade() -> None:
    op.create_table(
        "datagov_activities",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=30), nullable=False),
        sa.Column("retention", sa.String(length=200), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("asset_ids", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("last_reviewed_at", TZ, nullable=True),
        sa.Column("review_due_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_activities_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_activities")),
    )
    op.create_index(
        "ix_datagov_activities_review",
        "datagov_activities",
        ["platform_id", "review_due_at"],
        unique=False,
    )
    op.create_table(
        "datagov_catalogues",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("assets", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("generated_by", sa.String(length=100), nullable=False),
        sa.Column("filed_with", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_catalogues_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_catalogues")),
    )
    op.create_index(
        op.f("ix_datagov_catalogues_platform_id"),
        "datagov_catalogues",
        ["platform_id"],
        unique=False,
    )
    op.create_table(
        "datagov_consent_events",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("version", BIG, autoincrement=False, nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("person_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_consent_events_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("platform_id", "version", name=op.f("pk_datagov_consent_events")),
    )
    op.create_table(
        "datagov_consent_state",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("version", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_consent_state_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_datagov_consent_state")),
    )
    op.create_table(
        "datagov_consents",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column(
            "person_key",
            sa.String(length=40),
            nullable=False,
            comment="HMAC pseudonym of the person reference.",
        ),
        sa.Column(
            "pd_ref",
            sa.String(length=36),
            nullable=True,
            comment="The person reference, sealed in the ledger's personal-data store.",
        ),
        sa.Column("service", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column(
            "scope", sa.JSON(), nullable=False, comment="Services its data may be combined with."
        ),
        sa.Column("given_at", TZ, nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", TZ, nullable=True),
        sa.Column("withdrawal_evidence", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_consents_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_consents")),
    )
    op.create_index(
        "ix_datagov_consents_person",
        "datagov_consents",
        ["platform_id", "person_key"],
        unique=False,
    )
    op.create_table(
        "datagov_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("person_key", sa.String(length=40), nullable=False),
        sa.Column("service_a", sa.String(length=60), nullable=False),
        sa.Column("service_b", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=True),
        sa.Column("caller", sa.String(length=100), nullable=False),
        sa.Column(
            "request_ref",
            sa.String(length=100),
            nullable=False,
            comment="The caller's own reference, if given.",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_decisions_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_decisions")),
    )
    op.create_index(
        "ix_datagov_decisions_time",
        "datagov_decisions",
        ["platform_id", "decided_at"],
        unique=False,
    )
    op.create_table(
        "datagov_imports",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_datagov_imports_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_imports")),
    )
    op.create_index(
        op.f("ix_datagov_imports_platform_id"), "datagov_imports", ["platform_id"], unique=False
    )
    op.create_table(
        "datagov_pseudonym_keys",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_pseudonym_keys_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_datagov_pseudonym_keys")),
    )
    op.create_table(
        "datagov_reviews",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("reviewed_at", TZ, nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("due_at", TZ, nullable=False, comment="When this review was due."),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_datagov_reviews_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_reviews")),
    )
    op.create_index(
        op.f("ix_datagov_reviews_platform_id"), "datagov_reviews", ["platform_id"], unique=False
    )
    op.create_index(
        "ix_datagov_reviews_target", "datagov_reviews", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "datagov_services",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_services_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_services")),
    )
    op.create_index(
        "uq_datagov_services_code", "datagov_services", ["platform_id", "code"], unique=True
    )
    op.create_table(
        "datagov_trainings",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_trainings_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_trainings")),
    )
    op.create_index(
        op.f("ix_datagov_trainings_platform_id"), "datagov_trainings", ["platform_id"], unique=False
    )
    op.create_table(
        "datagov_transfers",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("asset_ids", sa.JSON(), nullable=False),
        sa.Column("persons", BIG, nullable=False),
        sa.Column("sensitive_persons", BIG, nullable=False),
        sa.Column("important", sa.Boolean(), nullable=False),
        sa.Column("mechanism", sa.String(length=30), nullable=False),
        sa.Column("required_mechanism", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_transfers_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_transfers")),
    )
    op.create_index(
        op.f("ix_datagov_transfers_platform_id"), "datagov_transfers", ["platform_id"], unique=False
    )
    op.create_table(
        "datagov_assets",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("personal_info", sa.Boolean(), nullable=False),
        sa.Column("sensitive_personal_info", sa.Boolean(), nullable=False),
        sa.Column("records", BIG, nullable=False, comment="Volume: number of records held."),
        sa.Column(
            "persons", BIG, nullable=False, comment="Individuals whose personal data it holds."
        ),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column(
            "owner", sa.String(length=200), nullable=False, comment="Owning department or team."
        ),
        sa.Column(
            "officer_person_id",
            sa.String(length=36),
            nullable=True,
            comment="Officer for important data (org registry person).",
        ),
        sa.Column("impact_objects", sa.JSON(), nullable=False),
        sa.Column("impact_degree", sa.String(length=30), nullable=True),
        sa.Column("declared_level", sa.String(length=20), nullable=True),
        sa.Column(
            "level",
            sa.String(length=20),
            nullable=False,
            comment="核心 core / 重要 important / 一般 general",
        ),
        sa.Column(
            "rule_id",
            sa.String(length=60),
            nullable=False,
            comment="The classification rule that decided the level.",
        ),
        sa.Column("rules_version", sa.String(length=60), nullable=False),
        sa.Column("classified_at", TZ, nullable=False),
        sa.Column("last_reviewed_at", TZ, nullable=True),
        sa.Column("review_due_at", TZ, nullable=False),
        sa.Column("retired_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(
            ["officer_person_id"],
            ["people.id"],
            name=op.f("fk_datagov_assets_officer_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_datagov_assets_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_assets")),
    )
    op.create_index(
        "ix_datagov_assets_level", "datagov_assets", ["platform_id", "level"], unique=False
    )
    op.create_index(
        "ix_datagov_assets_review", "datagov_assets", ["platform_id", "review_due_at"], unique=False
    )
    op.create_index(
        "uq_datagov_assets_code", "datagov_assets", ["platform_id", "code"], unique=True
    )
    op.create_table(
        "datagov_classifications",
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("rules_version", sa.String(length=60), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("import_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["datagov_assets.id"],
            name=op.f("fk_datagov_classifications_asset_id_datagov_assets"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_datagov_classifications_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datagov_classifications")),
    )
    op.create_index(
        "ix_datagov_classifications_asset",
        "datagov_classifications",
        ["asset_id", "decided_at"],
        unique=False,
    )
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in [
        "datagov_classifications",
        "datagov_assets",
        "datagov_transfers",
        "datagov_trainings",
        "datagov_services",
        "datagov_reviews",
        "datagov_pseudonym_keys",
        "datagov_imports",
        "datagov_decisions",
        "datagov_consents",
        "datagov_consent_state",
        "datagov_consent_events",
        "datagov_catalogues",
        "datagov_activities",
    ]:
        op.drop_table(table)
