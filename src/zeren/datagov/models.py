"""Tables of data governance. Kept records — classifications, imports, reviews, trainings,
catalogues, consent events and gate decisions — are append-only and guarded in the database;
rows that carry a current state (assets, activities, transfers, consents) change only
through the services, which write the audit event and, where the law asks, a kept record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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


class Service(IdMixin, CreatedMixin, Base):
    """A service (product) of the platform whose personal data the merge gate guards."""

    __tablename__ = "datagov_services"
    __table_args__ = (Index("uq_datagov_services_code", "platform_id", "code", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Asset(IdMixin, CreatedMixin, Base):
    """A data asset (数据资产) of the inventory with its current classification."""

    __tablename__ = "datagov_assets"
    __table_args__ = (
        Index("uq_datagov_assets_code", "platform_id", "code", unique=True),
        Index("ix_datagov_assets_level", "platform_id", "level"),
        Index("ix_datagov_assets_review", "platform_id", "review_due_at"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(100), nullable=False)
    system: Mapped[str] = mapped_column(String(200), nullable=False)
    dataset: Mapped[str] = mapped_column(String(200), nullable=False)
    fields: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    personal_info: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sensitive_personal_info: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    records: Mapped[int] = mapped_column(BIG, nullable=False, default=0,
                                         comment="Volume: number of records held.")
    persons: Mapped[int] = mapped_column(BIG, nullable=False, default=0,
                                         comment="Individuals whose personal data it holds.")
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="",
                                       comment="Owning department or team.")
    officer_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id"), nullable=True,
        comment="Officer for important data (org registry person).")
    impact_objects: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    impact_degree: Mapped[str | None] = mapped_column(String(30), nullable=True)
    declared_level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False,
                                       comment="核心 core / 重要 important / 一般 general")
    rule_id: Mapped[str] = mapped_column(String(60), nullable=False,
                                         comment="The classification rule that decided the level.")
    rules_version: Mapped[str] = mapped_column(String(60), nullable=False)
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Classification(IdMixin, Base):
    """Each classification an asset received, with the rule that decided it (kept)."""

    __tablename__ = "datagov_classifications"
    __table_args__ = (Index("ix_datagov_classifications_asset", "asset_id", "decided_at"),)

    asset_id: Mapped[str] = mapped_column(ForeignKey("datagov_assets.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    rule_id: Mapped[str] = mapped_column(String(60), nullable=False)
    matched: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    rules_version: Mapped[str] = mapped_column(String(60), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    decided_by: Mapped[str] = mapped_column(String(100), nullable=False)
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Import(IdMixin, Base):
    """One inventory import (kept): the file's digest and what it did."""

    __tablename__ = "datagov_imports"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    created: Mapped[int] = mapped_column(Integer, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Activity(IdMixin, CreatedMixin, Base):
    """A processing activity (处理活动): purpose, legal basis, retention, recipients."""

    __tablename__ = "datagov_activities"
    __table_args__ = (Index("ix_datagov_activities_review", "platform_id", "review_due_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(30), nullable=False)
    retention: Mapped[str] = mapped_column(String(200), nullable=False)
    recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    asset_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Review(IdMixin, Base):
    """A lifecycle review of an asset or a processing activity (kept)."""

    __tablename__ = "datagov_reviews"
    __table_args__ = (Index("ix_datagov_reviews_target", "target_type", "target_id"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[str] = mapped_column(String(36), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reviewer: Mapped[str] = mapped_column(String(100), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False,
                                             comment="When this review was due.")


class Transfer(IdMixin, CreatedMixin, Base):
    """A cross-border transfer (数据出境) and the mechanism it relies on."""

    __tablename__ = "datagov_transfers"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(100), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    asset_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    persons: Mapped[int] = mapped_column(BIG, nullable=False, default=0)
    sensitive_persons: Mapped[int] = mapped_column(BIG, nullable=False, default=0)
    important: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    mechanism: Mapped[str] = mapped_column(String(30), nullable=False)
    required_mechanism: Mapped[str] = mapped_column(String(30), nullable=False)
    reference: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Training(IdMixin, CreatedMixin, Base):
    """Data-security training held (kept)."""

    __tablename__ = "datagov_trainings"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    topic: Mapped[str] = mapped_column(String(300), nullable=False)
    audience: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    attendees: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Catalogue(IdMixin, CreatedMixin, Base):
    """A snapshot of the important-data catalogue (重要数据目录), kept as generated."""

    __tablename__ = "datagov_catalogues"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    assets: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    generated_by: Mapped[str] = mapped_column(String(100), nullable=False)
    filed_with: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class PseudonymKey(Base):
    """The platform's key for consent pseudonyms (HMAC of the person reference)."""

    __tablename__ = "datagov_pseudonym_keys"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class ConsentState(Base):
    """A counter per platform, raised by every consent write in its own transaction: writes
    are numbered in commit order, so the gate's in-memory index can catch up exactly."""

    __tablename__ = "datagov_consent_state"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BIG, nullable=False, default=0)


class Consent(IdMixin, CreatedMixin, Base):
    """A person's consent to combine one service's data with others' for one purpose."""

    __tablename__ = "datagov_consents"
    __table_args__ = (Index("ix_datagov_consents_person", "platform_id", "person_key"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    person_key: Mapped[str] = mapped_column(String(40), nullable=False,
                                            comment="HMAC pseudonym of the person reference.")
    pd_ref: Mapped[str | None] = mapped_column(
        String(36), nullable=True,
        comment="The person reference, sealed in the ledger's personal-data store.")
    service: Mapped[str] = mapped_column(String(60), nullable=False)
    purpose: Mapped[str] = mapped_column(String(100), nullable=False)
    scope: Mapped[list[str]] = mapped_column(JSON, nullable=False,
                                             comment="Services its data may be combined with.")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawal_evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class ConsentEvent(Base):
    """Consents given and withdrawn, numbered by the platform's counter (kept)."""

    __tablename__ = "datagov_consent_events"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=False)
    consent_id: Mapped[str] = mapped_column(String(36), nullable=False)
    person_key: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Decision(Base):
    """One answer of the merge gate (kept; also logged in the ledger)."""

    __tablename__ = "datagov_decisions"
    __table_args__ = (Index("ix_datagov_decisions_time", "platform_id", "decided_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    person_key: Mapped[str] = mapped_column(String(40), nullable=False)
    service_a: Mapped[str] = mapped_column(String(60), nullable=False)
    service_b: Mapped[str] = mapped_column(String(60), nullable=False)
    purpose: Mapped[str] = mapped_column(String(100), nullable=False)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    consent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    caller: Mapped[str] = mapped_column(String(100), nullable=False)
    request_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="",
                                             comment="The caller's own reference, if given.")


class UnconsentedMerge(IdMixin, CreatedMixin, Base):
    """A merge of one or more persons' data across services done without their consent, as
    reported (by an internal audit, a complaint, a regulator, the service itself): the breach
    指南 第十八条 forbids, kept as reported. The Art 18 posture check reads these."""

    __tablename__ = "datagov_unconsented_merges"
    __table_args__ = (Index("ix_datagov_unconsented_merges_time", "platform_id", "found_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False,
                                               comment="When the merge came to light.")
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True,
                                                       comment="When the data was combined.")
    services: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    purpose: Mapped[str] = mapped_column(String(100), nullable=False)
    persons: Mapped[int] = mapped_column(BIG, nullable=False,
                                         comment="How many persons' data was combined.")
    source: Mapped[str] = mapped_column(String(30), nullable=False,
                                        comment="internal_audit, complaint, regulator, "
                                                "self_report or monitoring.")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    remediation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decision_id: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="The gate's refusal the merge went against, if any.")
    reported_by: Mapped[str] = mapped_column(String(100), nullable=False)


APPEND_ONLY = ("datagov_classifications", "datagov_imports", "datagov_reviews",
               "datagov_trainings", "datagov_catalogues", "datagov_consent_events",
               "datagov_decisions", "datagov_unconsented_merges")

DECISIONS = cast(Table, Decision.__table__)
ASSETS = cast(Table, Asset.__table__)
CLASSIFICATIONS = cast(Table, Classification.__table__)
