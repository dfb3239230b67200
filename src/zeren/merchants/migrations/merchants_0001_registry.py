"""Merchant registry: merchants, shops, licences with their documents, the registry's
history and imports. Events, imports and licence documents refuse UPDATE and DELETE.

Revision ID: merchants_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "merchants_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("merchants",)
depends_on: str | Sequence[str] | None = "core_0001"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ["merchant_events", "merchant_imports", "merchant_licence_documents"]


def _platform_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                   name=op.f(f"fk_{table}_platform_id_platforms"))


def _merchant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                   name=op.f(f"fk_{table}_merchant_id_merchants"))


def _created() -> sa.Column[object]:
    return sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC).")


def upgrade() -> None:
    op.create_table(
        "merchants",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_ref", sa.String(100), nullable=False,
                  comment="The platform's own merchant id (what orders name as merchant_id)."),
        sa.Column("kind", sa.String(30), nullable=False,
                  comment="enterprise 企业 / individual_business 个体工商户 / natural_person 自然人"),
        sa.Column("ground", sa.String(40), nullable=True,
                  comment="Why a natural person need not register (电子商务法 第十条)."),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True, comment="统一社会信用代码 (GB 32100-2015)"),
        sa.Column("representative", sa.String(100), nullable=True, comment="法定代表人 or 经营者"),
        sa.Column("resident_id_masked", sa.String(18), nullable=True,
                  comment="Region and last four characters only."),
        sa.Column("resident_id_ref", sa.String(36), nullable=True,
                  comment="The resident ID, sealed in the ledger's personal-data store."),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("verification", sa.String(20), nullable=False),
        sa.Column("verified_at", TZ, nullable=True),
        sa.Column("reverify_due", sa.Date(), nullable=True,
                  comment="The Beijing day re-verification is due."),
        sa.Column("next_licence_expiry", sa.Date(), nullable=True,
                  comment="The earliest end of a valid licence (for the due list)."),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("import_id", sa.String(36), nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        _created(),
        _platform_fk("merchants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    op.create_index("uq_merchants_ref", "merchants", ["platform_id", "merchant_ref"], unique=True)
    op.create_index("uq_merchants_uscc", "merchants", ["platform_id", "uscc"], unique=True)
    op.create_index("ix_merchants_name", "merchants", ["platform_id", "legal_name", "id"])
    op.create_index("ix_merchants_status", "merchants",
                    ["platform_id", "status", "legal_name", "id"])
    op.create_index("ix_merchants_due", "merchants", ["platform_id", "reverify_due"])
    op.create_index("ix_merchants_licence", "merchants", ["platform_id", "next_licence_expiry"])

    op.create_table(
        "merchant_shops",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("shop_ref", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("id", sa.String(36), nullable=False),
        _created(),
        _platform_fk("merchant_shops"),
        _merchant_fk("merchant_shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_shops")),
    )
    op.create_index("uq_merchant_shops_ref", "merchant_shops", ["platform_id", "shop_ref"],
                    unique=True)
    op.create_index("ix_merchant_shops_merchant", "merchant_shops", ["merchant_id"])

    op.create_table(
        "merchant_licences",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True, comment="None: 长期 (no end)."),
        sa.Column("status", sa.String(20), nullable=False,
                  comment="valid / revoked / superseded"),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _created(),
        _platform_fk("merchant_licences"),
        _merchant_fk("merchant_licences"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_licences")),
    )
    op.create_index("ix_merchant_licences_merchant", "merchant_licences", ["merchant_id"])
    op.create_index("ix_merchant_licences_until", "merchant_licences",
                    ["platform_id", "valid_until"])

    op.create_table(
        "merchant_licence_documents",
        sa.Column("licence_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", BIG, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", TZ, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["merchant_licences.id"],
            name=op.f("fk_merchant_licence_documents_licence_id_merchant_licences")),
        _platform_fk("merchant_licence_documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_licence_documents")),
    )
    op.create_index("ix_merchant_licence_documents_licence", "merchant_licence_documents",
                    ["licence_id"])

    op.create_table(
        "merchant_events",
        sa.Column("merchant_id", sa.String(36), nullable=False),
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _merchant_fk("merchant_events"),
        _platform_fk("merchant_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_events")),
    )
    op.create_index("ix_merchant_events_merchant", "merchant_events", ["merchant_id", "at"])

    op.create_table(
        "merchant_imports",
        sa.Column("platform_id", sa.String(36), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("licences", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        _platform_fk("merchant_imports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_imports")),
    )
    op.create_index(op.f("ix_merchant_imports_platform_id"), "merchant_imports",
                    ["platform_id"])
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in ["merchant_imports", "merchant_events", "merchant_licence_documents",
                  "merchant_licences", "merchant_shops", "merchants"]:
        op.drop_table(table)
