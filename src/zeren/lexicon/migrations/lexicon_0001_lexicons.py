"""Lexicon: lexicons, versions (append-only), terms, patrol items, runs and findings.

Revision ID: lexicon_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.base import UTCDateTime
from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "lexicon_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("lexicon",)
depends_on: str | Sequence[str] | None = "core_0001"


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.String(36), nullable=False)


def _fk(table: str, col: str, ref: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.id"], name=op.f(f"fk_{table}_{col}_{ref}"))


def upgrade() -> None:
    op.create_table(
        "lexicons",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicons")),
        sa.UniqueConstraint("name", name=op.f("uq_lexicons_name")),
    )
    op.create_table(
        "lexicon_versions",
        _id(),
        sa.Column("lexicon_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("term_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_versions")),
        _fk("lexicon_versions", "lexicon_id", "lexicons"),
        sa.UniqueConstraint(
            "lexicon_id", "version", name=op.f("uq_lexicon_versions_lexicon_id_version")
        ),
    )
    op.create_table(
        "lexicon_terms",
        _id(),
        sa.Column("lexicon_id", sa.String(36), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("whitelist", sa.Boolean(), nullable=False),
        sa.Column("variants", sa.String(100), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_terms")),
        _fk("lexicon_terms", "lexicon_id", "lexicons"),
        _fk("lexicon_terms", "platform_id", "platforms"),
    )
    op.create_index("ix_lexicon_terms_live", "lexicon_terms", ["lexicon_id", "removed_in"])
    op.create_table(
        "lexicon_patrol_items",
        _id(),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("item_ref", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_patrol_items")),
        _fk("lexicon_patrol_items", "platform_id", "platforms"),
        sa.UniqueConstraint(
            "platform_id", "item_ref", name=op.f("uq_lexicon_patrol_items_platform_id_item_ref")
        ),
    )
    op.create_table(
        "lexicon_patrol_runs",
        _id(),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("lexicon_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("cursor", sa.String(36), nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("hits_total", sa.Integer(), nullable=False),
        sa.Column("new_hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_patrol_runs")),
        _fk("lexicon_patrol_runs", "platform_id", "platforms"),
        _fk("lexicon_patrol_runs", "lexicon_id", "lexicons"),
    )
    op.create_index(
        "ix_lexicon_patrol_runs_platform", "lexicon_patrol_runs", ["platform_id", "started_at"]
    )
    op.create_table(
        "lexicon_patrol_findings",
        _id(),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Text(), nullable=False),
        sa.Column("first_run_id", sa.String(36), nullable=False),
        sa.Column("last_run_id", sa.String(36), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("handled_by", sa.String(200), nullable=True),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_patrol_findings")),
        _fk("lexicon_patrol_findings", "platform_id", "platforms"),
        _fk("lexicon_patrol_findings", "item_id", "lexicon_patrol_items"),
        sa.UniqueConstraint(
            "item_id", "term", "start_offset", "end_offset",
            name=op.f("uq_lexicon_patrol_findings_item_id_term_start_offset_end_offset"),
        ),
    )
    op.create_index(
        "ix_lexicon_patrol_findings_open", "lexicon_patrol_findings", ["platform_id", "handled_at"]
    )
    make_append_only("lexicon_versions")


def downgrade() -> None:
    drop_append_only("lexicon_versions")
    for t in (
        "lexicon_patrol_findings",
        "lexicon_patrol_runs",
        "lexicon_patrol_items",
        "lexicon_terms",
        "lexicon_versions",
        "lexicons",
    ):
        op.drop_table(t)
