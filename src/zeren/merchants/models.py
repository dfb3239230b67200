"""Tables of the merchant registry. A merchant, its shops and licences carry a current state
that changes only through the services (each change also written to ``merchant_events``);
the events, imports and licence documents are kept records, append-only and guarded in the
database. The resident ID is never stored here: it is sealed in the ledger's personal-data
store (``resident_id_ref``) and only its masked form is kept beside the merchant."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime, utcnow

BIG = BigInteger().with_variant(Integer(), "sqlite")


class Merchant(IdMixin, CreatedMixin, Base):
    """A merchant of a platform (平台内经营者)."""

    __tablename__ = "merchants"
    __table_args__ = (
        Index("uq_merchants_ref", "platform_id", "merchant_ref", unique=True),
        Index("uq_merchants_uscc", "platform_id", "uscc", unique=True),
        Index("ix_merchants_name", "platform_id", "legal_name", "id"),
        Index("ix_merchants_status", "platform_id", "status", "legal_name", "id"),
        Index("ix_merchants_due", "platform_id", "reverify_due"),
        Index("ix_merchants_licence", "platform_id", "next_licence_expiry"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_ref: Mapped[str] = mapped_column(
        String(100), nullable=False,
        comment="The platform's own merchant id (what orders name as merchant_id).")
    kind: Mapped[str] = mapped_column(
        String(30), nullable=False,
        comment="enterprise 企业 / individual_business 个体工商户 / natural_person 自然人")
    ground: Mapped[str | None] = mapped_column(
        String(40), nullable=True, comment="Why a natural person need not register (电子商务法 第十条).")
    legal_name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True,
                                             comment="统一社会信用代码 (GB 32100-2015)")
    representative: Mapped[str | None] = mapped_column(
        String(100), nullable=True, comment="法定代表人 or 经营者")
    resident_id_masked: Mapped[str | None] = mapped_column(
        String(18), nullable=True, comment="Region and last four characters only.")
    resident_id_ref: Mapped[str | None] = mapped_column(
        String(36), nullable=True,
        comment="The resident ID, sealed in the ledger's personal-data store.")
    business_scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    addresses: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=False, default=list)
    contacts: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    verification: Mapped[str] = mapped_column(String(20), nullable=False, default="unverified")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reverify_due: Mapped[date | None] = mapped_column(
        Date, nullable=True, comment="The Beijing day re-verification is due.")
    next_licence_expiry: Mapped[date | None] = mapped_column(
        Date, nullable=True, comment="The earliest end of a valid licence (for the due list).")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    exit_announced_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, comment="When the exit was announced (电子商务法 第十六条).")
    exit_on: Mapped[date | None] = mapped_column(
        Date, nullable=True, comment="The Beijing day the merchant leaves.")
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    keep_until: Mapped[date | None] = mapped_column(
        Date, nullable=True, comment="Records kept until this day after exit (data).")


class Shop(IdMixin, CreatedMixin, Base):
    """A shop (店铺) of a merchant on the platform."""

    __tablename__ = "merchant_shops"
    __table_args__ = (
        Index("uq_merchant_shops_ref", "platform_id", "shop_ref", unique=True),
        Index("ix_merchant_shops_merchant", "merchant_id"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    shop_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Licence(IdMixin, CreatedMixin, Base):
    """A licence (行政许可) a merchant holds; the kind comes from ``data/registry.toml``."""

    __tablename__ = "merchant_licences"
    __table_args__ = (
        Index("ix_merchant_licences_merchant", "merchant_id"),
        Index("ix_merchant_licences_until", "platform_id", "valid_until"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    number: Mapped[str] = mapped_column(String(100), nullable=False)
    issuer: Mapped[str] = mapped_column(String(200), nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True,
                                                     comment="None: 长期 (no end).")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="valid",
                                        comment="valid / revoked / superseded")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class LicenceDocument(IdMixin, Base):
    """A scan or file of a licence, kept with its SHA-256 (kept record)."""

    __tablename__ = "merchant_licence_documents"
    __table_args__ = (Index("ix_merchant_licence_documents_licence", "licence_id"),)

    licence_id: Mapped[str] = mapped_column(ForeignKey("merchant_licences.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BIG, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class MerchantEvent(IdMixin, Base):
    """One change of a merchant's record (kept): the registry's history."""

    __tablename__ = "merchant_events"
    __table_args__ = (Index("ix_merchant_events_merchant", "merchant_id", "at"),)

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Import(IdMixin, Base):
    """One merchant import (kept): the file's digest, encoding and what it did."""

    __tablename__ = "merchant_imports"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    encoding: Mapped[str] = mapped_column(String(20), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    licences: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


MERCHANTS = cast(Table, Merchant.__table__)
SHOPS = cast(Table, Shop.__table__)
LICENCES = cast(Table, Licence.__table__)
EVENTS = cast(Table, MerchantEvent.__table__)


class MerchantVerification(IdMixin, Base):
    """One verification (核验) of a merchant (kept): what was checked, against what, by whom,
    and the outcome."""

    __tablename__ = "merchant_verifications"
    __table_args__ = (Index("ix_merchant_verifications_merchant", "merchant_id", "at"),)

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    verifier: Mapped[str] = mapped_column(String(100), nullable=False)
    provider: Mapped[str] = mapped_column(String(100), nullable=False,
                                          comment="The outside register consulted, or none.")
    outcome: Mapped[str] = mapped_column(String(20), nullable=False,
                                         comment="verified / rejected / needs_documents")
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    evidence: Mapped[dict[str, Any]] = mapped_column(
        JSON, nullable=False, comment="The register's entries as read, and its file's SHA-256.")
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True)


class MerchantTask(IdMixin, Base):
    """Due work on a merchant: a re-verification coming due, a licence about to expire, a
    lapsed verification sent to moderation. One per (kind, merchant, licence, due day)."""

    __tablename__ = "merchant_tasks"
    __table_args__ = (
        Index("uq_merchant_tasks_key", "open_key", unique=True),
        Index("ix_merchant_tasks_open", "platform_id", "closed_at", "due_on"),
        Index("ix_merchant_tasks_merchant", "merchant_id"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False,
                                      comment="reverification / licence_expiry / lapsed")
    open_key: Mapped[str] = mapped_column(String(200), nullable=False)
    licence_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    opened_by: Mapped[str] = mapped_column(String(100), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                                comment="The moderation case a lapse opened.")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


VERIFICATIONS = cast(Table, MerchantVerification.__table__)
TASKS = cast(Table, MerchantTask.__table__)


class Listing(IdMixin, CreatedMixin, Base):
    """A listing (商品或服务信息) of a merchant: its current version. Every version, this
    one included, is kept in ``merchant_listing_versions`` and logged in the ledger."""

    __tablename__ = "merchant_listings"
    __table_args__ = (
        Index("uq_merchant_listings_ref", "platform_id", "listing_ref", unique=True),
        Index("ix_merchant_listings_merchant", "merchant_id", "status"),
        Index("ix_merchant_listings_category", "platform_id", "category", "status"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    listing_ref: Mapped[str] = mapped_column(String(100), nullable=False,
                                             comment="The platform's own listing id.")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(60), nullable=False)
    price_cents: Mapped[int] = mapped_column(BIG, nullable=False, comment="Price in fen (分).")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    images: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list,
                                              comment="SHA-256 of each image.")
    status: Mapped[str] = mapped_column(String(20), nullable=False,
                                        comment="active / in_review / blocked / withdrawn")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    licence_kind: Mapped[str | None] = mapped_column(
        String(40), nullable=True, comment="The licence kind its category needs, if any.")
    licence_id: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="The valid licence found at submission.")
    screening: Mapped[str] = mapped_column(String(20), nullable=False,
                                           comment="The lexicon's verdict: pass / review / block")
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)


class ListingVersion(IdMixin, Base):
    """One version of a listing as submitted (kept): its content, digest and outcome."""

    __tablename__ = "merchant_listing_versions"
    __table_args__ = (
        Index("uq_merchant_listing_versions", "listing_id", "version", unique=True),
    )

    listing_id: Mapped[str] = mapped_column(ForeignKey("merchant_listings.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False,
                                        comment="SHA-256 of the content in canonical JSON.")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


LISTINGS = cast(Table, Listing.__table__)
LISTING_VERSIONS = cast(Table, ListingVersion.__table__)


class Disclosure(IdMixin, Base):
    """One check of what a merchant's shop page displays against the registry (电子商务法
    第十五条), kept: what was shown (fields, or a page snapshot by SHA-256) and the findings."""

    __tablename__ = "merchant_disclosures"
    __table_args__ = (Index("ix_merchant_disclosures_merchant", "merchant_id", "at"),)

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    shop_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False, comment="fields / snapshot")
    shown: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    snapshot_size: Mapped[int | None] = mapped_column(BIG, nullable=True)
    expected: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False,
                                         comment="match / mismatch")


class Report(IdMixin, Base):
    """A report to an authority about the platform's merchants (the quarterly tax report):
    its files and figures are written once; approval and submission are steps recorded on
    it (and in the ledger); a regeneration is a new row, a new version naming the old."""

    __tablename__ = "merchant_reports"
    __table_args__ = (
        Index("uq_merchant_reports_version", "platform_id", "kind", "period", "version",
              unique=True),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, comment="tax")
    period: Mapped[str] = mapped_column(String(10), nullable=False, comment="e.g. 2026Q3")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    supersedes_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, comment="generated / approved / submitted / superseded")
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    totals: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False,
                                                   comment="Column totals in fen.")
    figures: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, nullable=False, comment="The rows as generated (amounts in fen).")
    csv: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    csv_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    xlsx_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    generated_by: Mapped[str] = mapped_column(String(100), nullable=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    receipt_ref: Mapped[str | None] = mapped_column(String(200), nullable=True,
                                                    comment="The authority's receipt.")
