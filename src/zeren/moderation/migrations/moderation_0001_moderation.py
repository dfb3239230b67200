"""Moderation: subjects, cases and reports, case events, measures and their changes,
statements of reasons, strikes, notices, webhooks and outboxes, appeals, IP notices,
consumer complaints and authority reports. Kept records refuse UPDATE and DELETE.

Revision ID: moderation_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "moderation_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("moderation",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

APPEND_ONLY = [
    "mod_reports",
    "mod_case_events",
    "mod_measure_changes",
    "mod_statements",
    "mod_strikes",
    "mod_notices",
    "mod_ip_events",
    "mod_complaint_events",
    "mod_authority_reports",
]

TABLES = [
    "mod_authority_reports",
    "mod_complaint_events",
    "mod_complaints",
    "mod_ip_events",
    "mod_ip_notices",
    "mod_appeals",
    "mod_ledger_outbox",
    "mod_outbox",
    "mod_webhooks",
    "mod_notices",
    "mod_strikes",
    "mod_statements",
    "mod_measure_changes",
    "mod_measures",
    "mod_case_events",
    "mod_reports",
    "mod_cases",
    "mod_subjects",
]


def upgrade() -> None:
    op.create_table(
        "mod_ledger_outbox",
        sa.Column("record_class", sa.String(length=40), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("log", sa.String(length=100), nullable=True),
        sa.Column("log_index", BIG, nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_ledger_outbox")),
    )
    op.create_index(
        "ix_mod_ledger_outbox_pending",
        "mod_ledger_outbox",
        ["logged_at", "created_at"],
        unique=False,
    )
    op.create_table(
        "mod_subjects",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False, comment="SubjectKind."),
        sa.Column(
            "external_ref",
            sa.String(length=200),
            nullable=False,
            comment="The platform's own id for it.",
        ),
        sa.Column(
            "owner_id", sa.String(length=36), nullable=True, comment="Account behind an item."
        ),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column(
            "real_name_verified",
            sa.Boolean(),
            nullable=True,
            comment="Users: 实名 verified (Art 11); None for items.",
        ),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column(
            "verdict",
            sa.String(length=10),
            nullable=True,
            comment="Last screening: pass|review|block, or pending.",
        ),
        sa.Column(
            "inbox_token",
            sa.String(length=64),
            nullable=True,
            comment="Accounts: the secret in the link to their notice inbox.",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["mod_subjects.id"], name=op.f("fk_mod_subjects_owner_id_mod_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_subjects_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_subjects")),
        sa.UniqueConstraint("inbox_token", name=op.f("uq_mod_subjects_inbox_token")),
    )
    op.create_index(op.f("ix_mod_subjects_owner_id"), "mod_subjects", ["owner_id"], unique=False)
    op.create_index(
        "uq_mod_subjects_ref", "mod_subjects", ["platform_id", "kind", "external_ref"], unique=True
    )
    op.create_index("ix_mod_subjects_verdict", "mod_subjects", ["verdict"], unique=False)
    op.create_table(
        "mod_webhooks",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column(
            "secret",
            sa.String(length=100),
            nullable=False,
            comment="HMAC key; shown once at creation.",
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_webhooks_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_webhooks")),
    )
    op.create_index(
        op.f("ix_mod_webhooks_platform_id"), "mod_webhooks", ["platform_id"], unique=False
    )
    op.create_table(
        "mod_cases",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column(
            "open_key",
            sa.String(length=36),
            nullable=True,
            comment="The subject id while the case is undecided: one open case per subject.",
        ),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="CaseStatus."),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column(
            "sources",
            sa.String(length=200),
            nullable=False,
            comment="Comma-separated Source values seen.",
        ),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_cases_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["mod_subjects.id"], name=op.f("fk_mod_cases_subject_id_mod_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_cases")),
        sa.UniqueConstraint("open_key", name=op.f("uq_mod_cases_open_key")),
    )
    op.create_index("ix_mod_cases_due", "mod_cases", ["status", "sla_due_at"], unique=False)
    op.create_index(
        "ix_mod_cases_next",
        "mod_cases",
        ["platform_id", "status", "queue", sa.literal_column("priority DESC"), "sla_due_at"],
        unique=False,
    )
    op.create_index(
        "ix_mod_cases_platform_created", "mod_cases", ["platform_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_mod_cases_subject_id"), "mod_cases", ["subject_id"], unique=False)
    op.create_table(
        "mod_complaints",
        sa.Column("receipt", sa.String(length=40), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_ref", sa.String(length=200), nullable=False),
        sa.Column("consumer_contact", sa.String(length=200), nullable=False),
        sa.Column("merchant_id", sa.String(length=36), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("merchant_reply_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merchant_reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mediation_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mediator", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_complaints_merchant_id_mod_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_complaints_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_complaints")),
        sa.UniqueConstraint("receipt", name=op.f("uq_mod_complaints_receipt")),
    )
    op.create_index(
        "ix_mod_complaints_due", "mod_complaints", ["status", "merchant_reply_due_at"], unique=False
    )
    op.create_index(
        op.f("ix_mod_complaints_platform_id"), "mod_complaints", ["platform_id"], unique=False
    )
    op.create_table(
        "mod_outbox",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("webhook_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status", sa.String(length=20), nullable=False, comment="pending | delivered | dead"
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_outbox_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["mod_webhooks.id"], name=op.f("fk_mod_outbox_webhook_id_mod_webhooks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_outbox")),
    )
    op.create_index("ix_mod_outbox_due", "mod_outbox", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "mod_authority_reports",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_authority_reports_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_mod_authority_reports_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_authority_reports")),
    )
    op.create_index(
        op.f("ix_mod_authority_reports_case_id"), "mod_authority_reports", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_mod_authority_reports_platform_id"),
        "mod_authority_reports",
        ["platform_id"],
        unique=False,
    )
    op.create_table(
        "mod_case_events",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_case_events_case_id_mod_cases")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_mod_case_events")),
    )
    op.create_index("ix_mod_case_events_case", "mod_case_events", ["case_id", "seq"], unique=False)
    op.create_table(
        "mod_complaint_events",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["mod_complaints.id"],
            name=op.f("fk_mod_complaint_events_complaint_id_mod_complaints"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_mod_complaint_events")),
    )
    op.create_index(
        "ix_mod_complaint_events_c", "mod_complaint_events", ["complaint_id", "seq"], unique=False
    )
    op.create_table(
        "mod_measures",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("ip_notice_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("automation", sa.String(length=20), nullable=False),
        sa.Column(
            "trigger", sa.String(length=20), nullable=False, comment="decision | ladder | ip_notice"
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_measures_account_id_mod_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_measures_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_measures_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_measures_subject_id_mod_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_measures")),
    )
    op.create_index(
        "ix_mod_measures_account", "mod_measures", ["account_id", "status"], unique=False
    )
    op.create_index(op.f("ix_mod_measures_case_id"), "mod_measures", ["case_id"], unique=False)
    op.create_index("ix_mod_measures_due", "mod_measures", ["status", "ends_at"], unique=False)
    op.create_index(
        "ix_mod_measures_platform_family",
        "mod_measures",
        ["platform_id", "family", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mod_measures_subject_id"), "mod_measures", ["subject_id"], unique=False
    )
    op.create_table(
        "mod_reports",
        sa.Column("receipt", sa.String(length=40), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reporter_ref", sa.String(length=200), nullable=False),
        sa.Column("reporter_contact", sa.String(length=200), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_reports_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_reports_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["mod_subjects.id"], name=op.f("fk_mod_reports_subject_id_mod_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_reports")),
        sa.UniqueConstraint("receipt", name=op.f("uq_mod_reports_receipt")),
    )
    op.create_index(op.f("ix_mod_reports_case_id"), "mod_reports", ["case_id"], unique=False)
    op.create_index(
        "ix_mod_reports_platform_created",
        "mod_reports",
        ["platform_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "mod_strikes",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverses_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["mod_subjects.id"], name=op.f("fk_mod_strikes_account_id_mod_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_strikes_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_strikes_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_strikes")),
    )
    op.create_index(
        "ix_mod_strikes_account", "mod_strikes", ["account_id", "counted_at"], unique=False
    )
    op.create_table(
        "mod_appeals",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("appellant_id", sa.String(length=36), nullable=False),
        sa.Column(
            "open_key", sa.String(length=36), nullable=True, comment="measure id while undecided"
        ),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_decider", sa.String(length=100), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["appellant_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_appeals_appellant_id_mod_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_appeals_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["mod_measures.id"], name=op.f("fk_mod_appeals_measure_id_mod_measures")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_appeals_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_appeals")),
        sa.UniqueConstraint("open_key", name=op.f("uq_mod_appeals_open_key")),
    )
    op.create_index(op.f("ix_mod_appeals_measure_id"), "mod_appeals", ["measure_id"], unique=False)
    op.create_index(
        op.f("ix_mod_appeals_platform_id"), "mod_appeals", ["platform_id"], unique=False
    )
    op.create_table(
        "mod_ip_notices",
        sa.Column("receipt", sa.String(length=40), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("merchant_id", sa.String(length=36), nullable=True),
        sa.Column("rights_holder", sa.String(length=200), nullable=False),
        sa.Column("rights_holder_contact", sa.String(length=200), nullable=False),
        sa.Column("right_type", sa.String(length=30), nullable=False),
        sa.Column("right_ref", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=True),
        sa.Column("forwarded_to_merchant_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counter_declaration", sa.Text(), nullable=False),
        sa.Column("counter_evidence", sa.JSON(), nullable=False),
        sa.Column("forwarded_to_holder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action_kind", sa.String(length=20), nullable=False),
        sa.Column("action_ref", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["mod_measures.id"],
            name=op.f("fk_mod_ip_notices_measure_id_mod_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_ip_notices_merchant_id_mod_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_ip_notices_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_ip_notices_subject_id_mod_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_ip_notices")),
        sa.UniqueConstraint("receipt", name=op.f("uq_mod_ip_notices_receipt")),
    )
    op.create_index(
        op.f("ix_mod_ip_notices_platform_id"), "mod_ip_notices", ["platform_id"], unique=False
    )
    op.create_table(
        "mod_measure_changes",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_ref", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column(
            "change", sa.String(length=20), nullable=False, comment="applied | expired | lifted"
        ),
        sa.Column(
            "state",
            sa.String(length=30),
            nullable=False,
            comment="The subject's state after the change.",
        ),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["mod_measures.id"],
            name=op.f("fk_mod_measure_changes_measure_id_mod_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_mod_measure_changes_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_measure_changes_subject_id_mod_subjects"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_mod_measure_changes")),
    )
    op.create_index(
        "ix_mod_measure_changes_platform",
        "mod_measure_changes",
        ["platform_id", "seq"],
        unique=False,
    )
    op.create_table(
        "mod_statements",
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("appeal_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["mod_subjects.id"],
            name=op.f("fk_mod_statements_account_id_mod_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["mod_cases.id"], name=op.f("fk_mod_statements_case_id_mod_cases")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["mod_measures.id"],
            name=op.f("fk_mod_statements_measure_id_mod_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_statements_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_statements")),
        sa.UniqueConstraint("measure_id", name=op.f("uq_mod_statements_measure_id")),
    )
    op.create_index(
        op.f("ix_mod_statements_account_id"), "mod_statements", ["account_id"], unique=False
    )
    op.create_table(
        "mod_ip_events",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("public", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["mod_ip_notices.id"],
            name=op.f("fk_mod_ip_events_notice_id_mod_ip_notices"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_mod_ip_events")),
    )
    op.create_index("ix_mod_ip_events_notice", "mod_ip_events", ["notice_id", "seq"], unique=False)
    op.create_table(
        "mod_notices",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title_zh", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=True),
        sa.Column("statement_id", sa.String(length=36), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the row was written (UTC).",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["mod_subjects.id"], name=op.f("fk_mod_notices_account_id_mod_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["mod_measures.id"], name=op.f("fk_mod_notices_measure_id_mod_measures")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_mod_notices_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["mod_statements.id"],
            name=op.f("fk_mod_notices_statement_id_mod_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_notices")),
    )
    op.create_index(
        "ix_mod_notices_account", "mod_notices", ["account_id", "created_at"], unique=False
    )
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in TABLES:
        op.drop_table(table)
