"""Reviews, display audits and their findings — all kept (UPDATE and DELETE refused).

Revision ID: reviews_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "reviews_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("reviews",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)
KEPT = ["reviews", "review_display_audits", "review_display_findings"]


def _pfk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                   name=op.f(f"fk_{table}_platform_id_platforms"))


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("review_ref", sa.String(100), nullable=False,
                  comment="The platform's own review id."),
        sa.Column("order_id", sa.String(100), nullable=False,
                  comment="An order the ledger holds."),
        sa.Column("merchant_ref", sa.String(100), nullable=False),
        sa.Column("listing_ref", sa.String(100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False, comment="SHA-256 of each image."),
        sa.Column("fingerprint", sa.String(64), nullable=False,
                  comment="SHA-256 over rating and text."),
        sa.Column("reviewed_at", TZ, nullable=False),
        sa.Column("reviewer_ref", sa.String(36), nullable=True,
                  comment="The reviewer, sealed in the personal-data store."),
        sa.Column("ingested_at", TZ, nullable=False),
        sa.Column("ingested_by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _pfk("reviews"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index("uq_reviews_ref", "reviews", ["platform_id", "review_ref"], unique=True)
    op.create_index("ix_reviews_listing", "reviews",
                    ["platform_id", "listing_ref", "reviewed_at"])
    op.create_index("ix_reviews_merchant", "reviews",
                    ["platform_id", "merchant_ref", "reviewed_at"])
    op.create_table(
        "review_display_audits",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False, comment="listing / merchant"),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False, comment="ids / count"),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("displayed", sa.Integer(), nullable=False),
        sa.Column("hidden_with_measure", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("display_sha256", sa.String(64), nullable=False,
                  comment="SHA-256 of the display as sent."),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _pfk("review_display_audits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_display_audits")),
    )
    op.create_index("ix_review_display_audits_platform", "review_display_audits",
                    ["platform_id", "at"])
    op.create_table(
        "review_display_findings",
        sa.Column("audit_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("review_ref", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["review_display_audits.id"],
                                name=op.f("fk_review_display_findings_audit_id_"
                                          "review_display_audits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_display_findings")),
    )
    op.create_index("ix_review_display_findings_audit", "review_display_findings",
                    ["audit_id"])
    for t in KEPT:
        make_append_only(t)


def downgrade() -> None:
    for t in KEPT:
        drop_append_only(t)
    for t in reversed(KEPT):
        op.drop_table(t)
