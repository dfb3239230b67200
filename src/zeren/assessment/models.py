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


# -- the risk register and the yearly assessment (指南 第六条) -------------------------------


class Risk(IdMixin, CreatedMixin, Base):
    """One risk of a platform's register (风险台账): a kind of Art 6, the systems it runs
    through, likelihood and impact on the shipped scale, and the residual risk once the
    mitigations are in place. Editable through the services; each change is in the audit
    trail, and each yearly assessment keeps its own judgement of it."""

    __tablename__ = "asmt_risks"
    __table_args__ = (Index("uq_asmt_risks_key", "platform_id", "key", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False,
                                     comment="Catalogue key, or the platform's own.")
    kind: Mapped[str] = mapped_column(String(30), nullable=False, comment="Art 6 kind.")
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    systems: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    indicators: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    impact: Mapped[int] = mapped_column(Integer, nullable=False)
    residual_likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    residual_impact: Mapped[int] = mapped_column(Integer, nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Mitigation(IdMixin, CreatedMixin, Base):
    """A measure against a risk (防控措施, Art 7), with its owner and due date."""

    __tablename__ = "asmt_mitigations"

    risk_id: Mapped[str] = mapped_column(ForeignKey("asmt_risks.id"), nullable=False,
                                         index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, comment="planned|in_place")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Assessment(IdMixin, CreatedMixin, Base):
    """One yearly risk assessment (风险评估) of a platform over a period: indicators pulled
    from the modules, judgements, and the two sign-offs. Its status moves only through the
    services (in_progress → signed)."""

    __tablename__ = "asmt_assessments"
    __table_args__ = (Index("ix_asmt_assessments_platform", "platform_id", "period_end"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class IndicatorSnapshot(IdMixin, Base):
    """One indicator pulled from a module for an assessment's period (kept). A later pull of
    the same assessment adds a new set (``pull``); the newest set counts."""

    __tablename__ = "asmt_indicator_snapshots"
    __table_args__ = (Index("ix_asmt_indicator_snapshots_a", "assessment_id", "pull"),)

    assessment_id: Mapped[str] = mapped_column(ForeignKey("asmt_assessments.id"),
                                               nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    pull: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False,
                                                  comment='{"value": …} (null: not measurable).')
    source: Mapped[str] = mapped_column(Text, nullable=False, comment="Module and query.")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    taken_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Judgement(IdMixin, CreatedMixin, Base):
    """A person's judgement of one register risk in one assessment (kept; a later judgement
    of the same risk in the same assessment supersedes it)."""

    __tablename__ = "asmt_judgements"
    __table_args__ = (Index("ix_asmt_judgements_a", "assessment_id", "risk_id"),)

    assessment_id: Mapped[str] = mapped_column(ForeignKey("asmt_assessments.id"),
                                               nullable=False)
    risk_id: Mapped[str] = mapped_column(ForeignKey("asmt_risks.id"), nullable=False)
    likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    impact: Mapped[int] = mapped_column(Integer, nullable=False)
    residual_likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    residual_impact: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    residual_level: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class Signoff(IdMixin, CreatedMixin, Base):
    """A sign-off of an assessment: the compliance officer's, then a second approver's."""

    __tablename__ = "asmt_signoffs"
    __table_args__ = (Index("uq_asmt_signoffs_role", "assessment_id", "role", unique=True),)

    assessment_id: Mapped[str] = mapped_column(ForeignKey("asmt_assessments.id"),
                                               nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)


# -- the algorithm register and emergency plans (指南 第七条) --------------------------------


class Algorithm(IdMixin, CreatedMixin, Base):
    """A recommendation, ranking, search or ad algorithm the platform runs, in the filing
    fields of 算法推荐管理规定 Art 24, with the filing number once granted (Art 26). Editable
    through the services; each change is in the audit trail."""

    __tablename__ = "asmt_algorithms"
    __table_args__ = (Index("ix_asmt_algorithms_platform", "platform_id"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    form: Mapped[str] = mapped_column(String(200), nullable=False, comment="服务形式")
    domain: Mapped[str] = mapped_column(String(200), nullable=False, comment="应用领域")
    algorithm_type: Mapped[str] = mapped_column(String(30), nullable=False)
    system: Mapped[str] = mapped_column(String(30), nullable=False,
                                        comment="The register system it belongs to.")
    self_assessment: Mapped[str] = mapped_column(Text, nullable=False)
    disclosure: Mapped[str] = mapped_column(Text, nullable=False)
    launched_on: Mapped[date] = mapped_column(Date, nullable=False)
    filing_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    filing_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AlgorithmReview(IdMixin, CreatedMixin, Base):
    """A review of an algorithm (审核记录, kept): outcome, notes, and each user-facing option
    checked (Art 17) with what was found."""

    __tablename__ = "asmt_algorithm_reviews"

    algorithm_id: Mapped[str] = mapped_column(ForeignKey("asmt_algorithms.id"),
                                              nullable=False, index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    reviewed_on: Mapped[date] = mapped_column(Date, nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False,
                                         comment="pass|changes_required")
    options: Mapped[dict[str, bool]] = mapped_column(JSON, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class EmergencyPlan(IdMixin, CreatedMixin, Base):
    """An emergency plan (应急预案, Art 7 (三)) of the platform."""

    __tablename__ = "asmt_emergency_plans"
    __table_args__ = (Index("ix_asmt_emergency_plans_platform", "platform_id"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    scenario: Mapped[str] = mapped_column(Text, nullable=False)
    risk_kind: Mapped[str] = mapped_column(String(30), nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Drill(IdMixin, CreatedMixin, Base):
    """A drill of an emergency plan (演练, kept): date, scenario, outcome."""

    __tablename__ = "asmt_drills"

    plan_id: Mapped[str] = mapped_column(ForeignKey("asmt_emergency_plans.id"),
                                         nullable=False, index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    scenario: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class PublicRiskReport(IdMixin, CreatedMixin, Base):
    """A risk report published from a signed assessment (风险评估报告, Art 7 (二)): the HTML
    and its SHA-256, the PDF's SHA-256 (file under the data folder); public at its URL."""

    __tablename__ = "asmt_public_reports"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("asmt_assessments.id"),
                                               nullable=False, index=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    html: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    pdf_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    published_by: Mapped[str] = mapped_column(String(100), nullable=False)
