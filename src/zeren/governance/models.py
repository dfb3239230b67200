"""Tables of the governance registers. Kept records (policy events, training completions and
their imports) are append-only and guarded in the database; registers with a current state
(requests, cases, policies) change only through the services, which decide once (a
conditional UPDATE) and write the audit event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime

# ----------------------------------------------------------------------- 第三条


class InteropRequest(IdMixin, CreatedMixin, Base):
    """A request from another operator or a user to connect to, or interoperate with, a
    service of the platform (指南 第三条), and its one decision."""

    __tablename__ = "gov_interop_requests"
    __table_args__ = (Index("ix_gov_interop_requests_due", "platform_id", "decided_at",
                            "deadline"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    requester: Mapped[str] = mapped_column(String(200), nullable=False)
    requester_kind: Mapped[str] = mapped_column(String(20), nullable=False,
                                                comment="operator or user")
    service: Mapped[str] = mapped_column(String(200), nullable=False,
                                         comment="The platform's service asked for.")
    asked: Mapped[str] = mapped_column(Text, nullable=False, comment="What is asked.")
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False,
                                           comment="The day a decision is due.")
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ground: Mapped[str | None] = mapped_column(String(40), nullable=True,
                                               comment="Justified ground of a refusal (data).")
    reasons: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


# ----------------------------------------------------------------------- 第五条


class Policy(IdMixin, CreatedMixin, Base):
    """A document of the compliance policy library, with its current version and the day
    its next review falls due."""

    __tablename__ = "gov_policies"
    __table_args__ = (Index("uq_gov_policies_code", "platform_id", "code", unique=True),
                      Index("ix_gov_policies_due", "platform_id", "review_due_on"))

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False,
                                        comment="Digest of the current version's text.")
    last_reviewed_on: Mapped[date] = mapped_column(Date, nullable=False)
    review_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    retired_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class PolicyEvent(IdMixin, CreatedMixin, Base):
    """Each version and each review of a policy (kept)."""

    __tablename__ = "gov_policy_events"
    __table_args__ = (Index("ix_gov_policy_events_policy", "policy_id", "created_at"),)

    policy_id: Mapped[str] = mapped_column(ForeignKey("gov_policies.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False,
                                      comment="version (new text) or review (kept as is)")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False, comment="Effective or review day.")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Course(IdMixin, CreatedMixin, Base):
    """A compliance training course for the holders of one duty (or all staff)."""

    __tablename__ = "gov_courses"
    __table_args__ = (Index("uq_gov_courses_code", "platform_id", "code", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    duty: Mapped[str] = mapped_column(String(60), nullable=False,
                                      comment="Org-registry duty code, or all_staff.")
    valid_days: Mapped[int] = mapped_column(Integer, nullable=False,
                                            comment="How long a completion counts.")


class TrainingImport(IdMixin, CreatedMixin, Base):
    """One import of completion records (kept): the file's digest and what it held."""

    __tablename__ = "gov_training_imports"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)


class TrainingCompletion(IdMixin, CreatedMixin, Base):
    """A person's completion of a course (kept)."""

    __tablename__ = "gov_training_completions"
    __table_args__ = (Index("ix_gov_training_completions_course", "platform_id", "course_id",
                            "completed_on"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    course_id: Mapped[str] = mapped_column(ForeignKey("gov_courses.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), nullable=False)
    completed_on: Mapped[date] = mapped_column(Date, nullable=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    import_id: Mapped[str | None] = mapped_column(ForeignKey("gov_training_imports.id"),
                                                  nullable=True)


class IntegrityCase(IdMixin, CreatedMixin, Base):
    """An integrity (anti-bribery, 预防腐败) report received through the confidential
    channel; its reporter's contact is read only with ``governance.integrity``."""

    __tablename__ = "gov_integrity_cases"
    __table_args__ = (Index("uq_gov_integrity_cases_ref", "reference", unique=True),
                      Index("ix_gov_integrity_cases_time", "platform_id", "received_at"))

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    reference: Mapped[str] = mapped_column(String(20), nullable=False,
                                           comment="Given to the reporter to follow up.")
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    anonymous: Mapped[bool] = mapped_column(nullable=False)
    reporter_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    handler: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RegulatorRequest(IdMixin, CreatedMixin, Base):
    """A requirement from a regulator (监管要求) with its deadline and the answer given."""

    __tablename__ = "gov_regulator_requests"
    __table_args__ = (Index("ix_gov_regulator_requests_due", "platform_id", "answered_on",
                            "due_on"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False,
                                           comment="The regulator's document number.")
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


# ----------------------------------------------------------------------- 第十六条


class Deal(IdMixin, CreatedMixin, Base):
    """A concentration the platform takes part in (经营者集中), its parties' turnovers, the
    thresholds' answer at registration, and its filing, clearance and closing."""

    __tablename__ = "gov_deals"
    __table_args__ = (Index("uq_gov_deals_code", "platform_id", "code", unique=True),
                      Index("ix_gov_deals_status", "platform_id", "status"))

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    financial_year: Mapped[int] = mapped_column(Integer, nullable=False,
                                                comment="The year the turnovers are of.")
    parties: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, nullable=False, comment="Each party: name, global and China turnover (CNY).")
    unit: Mapped[str] = mapped_column(String(10), nullable=False)
    notifiable: Mapped[bool] = mapped_column(nullable=False)
    rule_id: Mapped[str | None] = mapped_column(String(40), nullable=True,
                                                comment="The threshold rule met, if any.")
    thresholds_version: Mapped[str] = mapped_column(String(40), nullable=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False,
                                        comment="planned, filed, cleared, prohibited, closed, "
                                                "abandoned")
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    filing_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    authority: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cleared_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    clearance: Mapped[str | None] = mapped_column(String(30), nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class DealEvent(IdMixin, CreatedMixin, Base):
    """Each step of a deal — registered, filed, cleared, closed, abandoned (kept)."""

    __tablename__ = "gov_deal_events"
    __table_args__ = (Index("ix_gov_deal_events_deal", "deal_id", "created_at"),)

    deal_id: Mapped[str] = mapped_column(ForeignKey("gov_deals.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


# ----------------------------------------------------------------------- 第三十四条


class EnforcementRequest(IdMixin, CreatedMixin, Base):
    """A request from an enforcement authority for data (配合执法): who asks, under which
    document and legal basis, for what (the scope the export query is bound to), by when."""

    __tablename__ = "gov_enforcement_requests"
    __table_args__ = (Index("ix_gov_enforcement_requests_due", "platform_id", "status",
                            "deadline"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    document_number: Mapped[str] = mapped_column(String(100), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(300), nullable=False)
    dataset: Mapped[str] = mapped_column(String(40), nullable=False)
    scope: Mapped[dict[str, Any]] = mapped_column(
        JSON, nullable=False, comment="since, until, subject_prefix: what the export may read.")
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False,
                                        comment="open, produced, closed")
    produced_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class EnforcementExport(IdMixin, CreatedMixin, Base):
    """The data produced for a request by its scoped query (kept): rows, digest, content."""

    __tablename__ = "gov_enforcement_exports"
    __table_args__ = (Index("ix_gov_enforcement_exports_request", "request_id"),)

    request_id: Mapped[str] = mapped_column(ForeignKey("gov_enforcement_requests.id"),
                                            nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False, comment="JSON lines.")
    produced_by: Mapped[str] = mapped_column(String(100), nullable=False)


class ExportAccess(IdMixin, CreatedMixin, Base):
    """Every read of an export's content (kept)."""

    __tablename__ = "gov_export_accesses"
    __table_args__ = (Index("ix_gov_export_accesses_export", "export_id", "created_at"),)

    export_id: Mapped[str] = mapped_column(ForeignKey("gov_enforcement_exports.id"),
                                           nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    accessed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    purpose: Mapped[str] = mapped_column(String(300), nullable=False)


class RetentionHold(IdMixin, CreatedMixin, Base):
    """A hold on the ledger records whose subject starts with ``subject_prefix``: their
    personal data is not erased while the hold is active, whatever their retention period."""

    __tablename__ = "gov_retention_holds"
    __table_args__ = (Index("ix_gov_retention_holds_active", "platform_id", "released_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("gov_enforcement_requests.id"),
                                                   nullable=True)
    subject_prefix: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    placed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


# ----------------------------------------------------------------------- 第九、三十二条


class YearlyFigures(IdMixin, CreatedMixin, Base):
    """One recording of a year's figures (innovation, packaging) for a scope (the platform,
    a merchant or a category), with its evidence (kept; a later recording supersedes)."""

    __tablename__ = "gov_yearly_figures"
    __table_args__ = (Index("ix_gov_yearly_figures_kind", "platform_id", "kind", "scope",
                            "year"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    scope: Mapped[str] = mapped_column(String(200), nullable=False,
                                       comment="platform, merchant:<id> or category:<name>")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
