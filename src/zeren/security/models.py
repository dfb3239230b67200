"""Tables of network security and personal-data breaches. Kept records — drills, the
incident timeline, submitted reports and breach notices — are append-only and guarded in the
database; systems, plans, incidents and breaches carry a current state that changes only
through the services, each change also written to the timeline or the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime

BIG = BigInteger().with_variant(Integer(), "sqlite")


class System(IdMixin, CreatedMixin, Base):
    """A network or information system with its 等级保护 (MLPS) level."""

    __tablename__ = "sec_systems"
    __table_args__ = (Index("uq_sec_systems_code", "platform_id", "code", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    mlps_level: Mapped[int] = mapped_column(Integer, nullable=False, comment="等级保护 1–5")
    mlps_filing_no: Mapped[str] = mapped_column(String(100), nullable=False, default="",
                                                comment="公安机关备案编号")
    cii: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                      comment="Identified as critical information infrastructure.")
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class Plan(IdMixin, CreatedMixin, Base):
    """An incident response plan (应急预案)."""

    __tablename__ = "sec_plans"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    version: Mapped[str] = mapped_column(String(40), nullable=False)
    approved_on: Mapped[date] = mapped_column(Date, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    document_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Drill(IdMixin, CreatedMixin, Base):
    """A drill of a plan (演练), kept."""

    __tablename__ = "sec_drills"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("sec_plans.id"), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    scenario: Mapped[str] = mapped_column(Text, nullable=False)
    participants: Mapped[int] = mapped_column(Integer, nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Incident(IdMixin, CreatedMixin, Base):
    """A network-security incident with its grade and reporting clocks."""

    __tablename__ = "sec_incidents"
    __table_args__ = (Index("ix_sec_incidents_open", "platform_id", "status"),
                      Index("uq_sec_incidents_number", "platform_id", "number", unique=True))

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    system_id: Mapped[str | None] = mapped_column(ForeignKey("sec_systems.id"), nullable=True)
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    grade: Mapped[str] = mapped_column(String(30), nullable=False)
    grade_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    criteria: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    criteria_grade: Mapped[str] = mapped_column(String(30), nullable=False,
                                                comment="The grade the measured figures force.")
    reporting_party: Mapped[str] = mapped_column(String(30), nullable=False)
    reportable: Mapped[bool] = mapped_column(Boolean, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    first_report_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    impact: Mapped[str] = mapped_column(Text, nullable=False, default="")
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cause: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open",
                                        comment="open / handled / closed")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    summary_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    summary_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rules_version: Mapped[str] = mapped_column(String(60), nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class IncidentEvent(IdMixin, Base):
    """The incident's timeline (kept): opened, graded, reports, escalations, handled."""

    __tablename__ = "sec_incident_events"
    __table_args__ = (Index("ix_sec_incident_events_incident", "incident_id", "at"),)

    incident_id: Mapped[str] = mapped_column(ForeignKey("sec_incidents.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    by: Mapped[str] = mapped_column(String(100), nullable=False)


class Report(IdMixin, Base):
    """A report submitted to the authority (first, supplement, summary), kept as sent."""

    __tablename__ = "sec_reports"
    __table_args__ = (Index("ix_sec_reports_incident", "incident_id", "submitted_at"),)

    incident_id: Mapped[str] = mapped_column(ForeignKey("sec_incidents.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False)
    delay_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rules_version: Mapped[str] = mapped_column(String(60), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Breach(IdMixin, CreatedMixin, Base):
    """A personal-data breach (个人信息泄露、篡改、丢失) linked to its incident."""

    __tablename__ = "sec_breaches"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("sec_incidents.id"), nullable=False,
                                             index=True)
    pi_types: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    cause: Mapped[str] = mapped_column(Text, nullable=False, default="")
    possible_harm: Mapped[str] = mapped_column(Text, nullable=False, default="")
    remedial_steps: Mapped[str] = mapped_column(Text, nullable=False, default="")
    individual_actions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contact: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    persons_affected: Mapped[int] = mapped_column(BIG, nullable=False)
    sensitive_persons: Mapped[int] = mapped_column(BIG, nullable=False, default=0)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    individuals_exempt_reason: Mapped[str] = mapped_column(
        Text, nullable=False, default="",
        comment="个保法 第五十七条第二款: why individuals need not be notified, if so.")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class Notice(IdMixin, Base):
    """A breach notice to the authority or to individuals, kept as generated and sent."""

    __tablename__ = "sec_breach_notices"
    __table_args__ = (Index("ix_sec_breach_notices_breach", "breach_id"),)

    breach_id: Mapped[str] = mapped_column(ForeignKey("sec_breaches.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    audience: Mapped[str] = mapped_column(String(20), nullable=False,
                                          comment="authority or individuals")
    recipient: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    recipients: Mapped[int] = mapped_column(BIG, nullable=False)
    contents: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="",
                                             comment="Digest of the bulk notice file, if any.")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    channel: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


APPEND_ONLY = ("sec_drills", "sec_incident_events", "sec_reports", "sec_breach_notices")
