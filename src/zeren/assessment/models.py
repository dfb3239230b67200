"""Tables of the audit engagement. Engagements, bundles built, findings' remediation events,
report drafts and their signatures are kept records (append-only in the database); a finding
carries its current remediation status, changed only through the services, each change also
kept as an event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Engagement(IdMixin, CreatedMixin, Base):
    """An independent audit (第三方独立审计) of one platform over one period."""

    __tablename__ = "asmt_engagements"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    auditor_name: Mapped[str] = mapped_column(String(300), nullable=False,
                                              comment="The audit firm (机构名称).")
    auditor_address: Mapped[str] = mapped_column(String(500), nullable=False)
    auditor_contact: Mapped[str] = mapped_column(String(300), nullable=False)
    auditor_user_ids: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="Users (auditor role) who work on this engagement.")
    auditor_vkey: Mapped[str] = mapped_column(
        Text, nullable=False, comment="C2SP verifier key of the auditor's report signing key.")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class EvidenceBundle(IdMixin, CreatedMixin, Base):
    """An evidence bundle built for an engagement (the zip lies under the data folder)."""

    __tablename__ = "asmt_bundles"

    engagement_id: Mapped[str] = mapped_column(ForeignKey("asmt_engagements.id"),
                                               nullable=False, index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    built_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Finding(IdMixin, CreatedMixin, Base):
    """An audit finding with its remediation advice, owner and due date."""

    __tablename__ = "asmt_findings"
    __table_args__ = (Index("uq_asmt_findings_number", "engagement_id", "number",
                            unique=True),
                      Index("ix_asmt_findings_platform_status", "platform_id", "status"))

    engagement_id: Mapped[str] = mapped_column(ForeignKey("asmt_engagements.id"),
                                               nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    obligation_key: Mapped[str] = mapped_column(String(80), nullable=False)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    evidence_refs: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="ledger:<log>#<index> records the finding cites.")
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    recommendation: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class FindingEvent(IdMixin, CreatedMixin, Base):
    """One step of a finding's remediation (kept)."""

    __tablename__ = "asmt_finding_events"

    finding_id: Mapped[str] = mapped_column(ForeignKey("asmt_findings.id"), nullable=False,
                                            index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class AuditReport(IdMixin, CreatedMixin, Base):
    """A draft of the written audit report (审计报告): the four parts Art 8 names, the HTML
    rendered from them and its SHA-256, which the auditor signs. Kept; a change is a new
    draft."""

    __tablename__ = "asmt_reports"

    engagement_id: Mapped[str] = mapped_column(ForeignKey("asmt_engagements.id"),
                                               nullable=False, index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    platform_name: Mapped[str] = mapped_column(String(300), nullable=False)
    platform_address: Mapped[str] = mapped_column(String(500), nullable=False)
    platform_contact: Mapped[str] = mapped_column(String(300), nullable=False)
    auditor_name: Mapped[str] = mapped_column(String(300), nullable=False)
    auditor_address: Mapped[str] = mapped_column(String(500), nullable=False)
    auditor_contact: Mapped[str] = mapped_column(String(300), nullable=False)
    conclusions: Mapped[str] = mapped_column(Text, nullable=False)
    recommendations: Mapped[str] = mapped_column(Text, nullable=False)
    html: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    pdf_sha256: Mapped[str] = mapped_column(
        String(64), nullable=False, default="", server_default="",
        comment="SHA-256 of the PDF kept under the data folder ('' for drafts before PDFs).")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class ReportSignature(IdMixin, CreatedMixin, Base):
    """The auditor's signature over a report draft (a C2SP signed note), checked against the
    engagement's auditor key before it is kept, and logged in the ledger."""

    __tablename__ = "asmt_report_signatures"

    report_id: Mapped[str] = mapped_column(ForeignKey("asmt_reports.id"), nullable=False,
                                           unique=True)
    engagement_id: Mapped[str] = mapped_column(ForeignKey("asmt_engagements.id"),
                                               nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    signer: Mapped[str] = mapped_column(String(200), nullable=False)
    signed_by: Mapped[str] = mapped_column(String(100), nullable=False)
