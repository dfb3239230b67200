"""Listings: the current version of each listing and every version kept (append-only).

Revision ID: merchants_0003
Revises: merchants_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "merchants_0003"
down_revision: str | None = "merchants_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def _fks(table: str) -> list[sa.ForeignKeyConstraint]:
    return [sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                    name=op.f(f"fk_{table}_platform_id_platforms")),
            sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                    name=op.f(f"fk_{table}_merchant_id_merchants"))]


def upgrade() -> None:
    op.create_table(
        "merchant_listings",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("listing_ref", sa.String(100), nullable=False,
                  comment="The platform's own listing id."),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("price_cents", BIG, nullable=False, comment="Price in fen (分)."),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False, comment="SHA-256 of each image."),
        sa.Column("status", sa.String(20), nullable=False,
                  comment="active / in_review / blocked / withdrawn"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("licence_kind", sa.String(40), nullable=True,
                  comment="The licence kind its category needs, if any."),
        sa.Column("licence_id", sa.String(36), nullable=True,
                  comment="The valid licence found at submission."),
        sa.Column("screening", sa.String(20), nullable=False,
                  comment="The lexicon's verdict: pass / review / block"),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        *_fks("merchant_listings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_listings")),
    )
    op.create_index("uq_merchant_listings_ref", "merchant_listings",
                    ["platform_id", "listing_ref"], unique=True)
    op.create_index("ix_merchant_listings_merchant", "merchant_listings",
                    ["merchant_id", "status"])
    op.create_index("ix_merchant_listings_category", "merchant_listings",
                    ["platform_id", "category", "status"])
    op.create_table(
        "merchant_listing_versions",
        sa.Column("listing_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False,
                  comment="SHA-256 of the content in canonical JSON."),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        *_fks("merchant_listing_versions"),
        sa.ForeignKeyConstraint(["listing_id"], ["merchant_listings.id"],
                                name=op.f("fk_merchant_listing_versions_listing_id_"
                                          "merchant_listings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_listing_versions")),
    )
    op.create_index("uq_merchant_listing_versions", "merchant_listing_versions",
                    ["listing_id", "version"], unique=True)
    make_append_only("merchant_listing_versions")


def downgrade() -> None:
    drop_append_only("merchant_listing_versions")
    op.drop_table("merchant_listing_versions")
    op.drop_table("merchant_listings")
