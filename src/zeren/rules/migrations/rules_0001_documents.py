"""Platform rules: documents, versions, comments and replies, hearings, exit declarations
and the versions' history. Comments, hearings, exits and events refuse UPDATE and DELETE.

Revision ID: rules_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "rules_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("rules",)
depends_on: str | Sequence[str] | None = ("core_0001", "merchants_0001")

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ["rule_comments", "rule_hearings", "rule_exits", "rule_events"]


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{col}_{target}"))


def _kept(table: str, *cols: sa.Column[object], fks: Sequence[tuple[str, str]] = ()) -> None:
    op.create_table(
        table,
        sa.Column("version_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        *cols,
        sa.Column("id", sa.String(36), nullable=False),
        _fk(table, "version_id", "rule_versions"),
        _fk(table, "platform_id", "platforms"),
        *(_fk(table, c, t) for c, t in fks),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        "rule_documents",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("code", sa.String(60), nullable=False,
                  comment="The platform's short name for the document."),
        sa.Column("kind", sa.String(40), nullable=False, comment="A kind from data/rules.toml."),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("fee_increase_notice_days", sa.Integer(), nullable=True,
                  comment="The platform's own longer notice for fee increases (days), if it "
                          "set one."),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        _fk("rule_documents", "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_documents")),
    )
    op.create_index("uq_rule_documents_code", "rule_documents", ["platform_id", "code"],
                    unique=True)
    op.create_table(
        "rule_versions",
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False,
                  comment="draft / consultation / decided / published / withdrawn"),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False, comment="Summary of changes."),
        sa.Column("fee_items", sa.JSON(), nullable=False,
                  comment="Structured fees (Art 29 review)."),
        sa.Column("obligations", sa.JSON(), nullable=False,
                  comment="Structured obligations and restrictions on merchants (Art 29 "
                          "review)."),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=True,
                  comment="Set when the text is frozen."),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("consultation_opened_at", TZ, nullable=True),
        sa.Column("closes_at", TZ, nullable=True,
                  comment="The consultation's deadline for comments."),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False, comment="What was decided and why."),
        sa.Column("published_at", TZ, nullable=True),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("effective_at", TZ, nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True,
                  comment="The notice this version needed when published."),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        _fk("rule_versions", "document_id", "rule_documents"),
        _fk("rule_versions", "platform_id", "platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_versions")),
    )
    op.create_index("uq_rule_versions_number", "rule_versions", ["document_id", "number"],
                    unique=True)
    op.create_index("ix_rule_versions_platform", "rule_versions", ["platform_id", "stage"])
    _kept("rule_comments",
          sa.Column("author_kind", sa.String(20), nullable=False,
                    comment="public / merchant / platform (a reply)"),
          sa.Column("author_name", sa.String(100), nullable=False),
          sa.Column("merchant_id", sa.String(36), nullable=True),
          sa.Column("reply_to", sa.String(36), nullable=True),
          sa.Column("body", sa.Text(), nullable=False),
          sa.Column("channel", sa.String(20), nullable=False,
                    comment="public_page / api / console"),
          sa.Column("at", TZ, nullable=False),
          sa.Column("recorded_by", sa.String(100), nullable=False))
    op.create_index("ix_rule_comments_version", "rule_comments", ["version_id", "at"])
    _kept("rule_hearings",
          sa.Column("held_at", TZ, nullable=False),
          sa.Column("participants", sa.JSON(), nullable=False),
          sa.Column("minutes", sa.Text(), nullable=False),
          sa.Column("recorded_by", sa.String(100), nullable=False),
          sa.Column("recorded_at", TZ, nullable=False))
    op.create_index("ix_rule_hearings_version", "rule_hearings", ["version_id"])
    _kept("rule_exits",
          sa.Column("merchant_id", sa.String(36), nullable=False),
          sa.Column("old_version_id", sa.String(36), nullable=False,
                    comment="The rules the merchant leaves under."),
          sa.Column("declared_at", TZ, nullable=False),
          sa.Column("note", sa.Text(), nullable=False),
          sa.Column("recorded_by", sa.String(100), nullable=False),
          fks=[("merchant_id", "merchants")])
    op.create_index("uq_rule_exits_merchant", "rule_exits", ["version_id", "merchant_id"],
                    unique=True)
    _kept("rule_events",
          sa.Column("kind", sa.String(40), nullable=False),
          sa.Column("at", TZ, nullable=False),
          sa.Column("by", sa.String(100), nullable=False),
          sa.Column("details", sa.JSON(), nullable=False))
    op.create_index("ix_rule_events_version", "rule_events", ["version_id", "at"])
    for t in APPEND_ONLY:
        make_append_only(t)


def downgrade() -> None:
    for t in APPEND_ONLY:
        drop_append_only(t)
    for t in ("rule_events", "rule_exits", "rule_hearings", "rule_comments", "rule_versions",
              "rule_documents"):
        op.drop_table(t)
