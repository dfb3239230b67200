"""Tables of moderation. Kept records (reports, case events, statements of reasons, strikes,
notices, measure changes, IP-notice and complaint events, authority reports) are append-only
and guarded in the database; the rows that carry a current state (cases, measures, appeals,
IP notices, complaints, outboxes) change only through the services, and every change of
theirs is also written to a kept record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime, utcnow

BIG = BigInteger().with_variant(Integer(), "sqlite")


class Subject(IdMixin, CreatedMixin, Base):
    """An item (post, listing, ad, review, profile, message) or an account (user, merchant)
    a platform submitted or someone reported."""

    __tablename__ = "mod_subjects"
    __table_args__ = (
        Index("uq_mod_subjects_ref", "platform_id", "kind", "external_ref", unique=True),
        Index("ix_mod_subjects_verdict", "verdict"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, comment="SubjectKind.")
    external_ref: Mapped[str] = mapped_column(String(200), nullable=False,
                                              comment="The platform's own id for it.")
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("mod_subjects.id"), nullable=True,
                                                 index=True, comment="Account behind an item.")
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    media: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    real_name_verified: Mapped[bool | None] = mapped_column(
        Boolean, nullable=True, comment="Users: 实名 verified (Art 11); None for items.")
    state: Mapped[str] = mapped_column(String(30), nullable=False, default="visible")
    verdict: Mapped[str | None] = mapped_column(String(10), nullable=True,
                                                comment="Last screening: pass|review|block, or pending.")
    inbox_token: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True,
        comment="Accounts: the secret in the link to their notice inbox.")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


# A case whose sources name the patrol, as SQL text: the partial index ix_mod_cases_patrol
# holds exactly these cases, and a query names them with PATROL_SOURCES (the same text).
PATROL_LIKE = "sources LIKE '%patrol%'"


class Case(IdMixin, CreatedMixin, Base):
    """One subject's open matter: reports on the same subject are bundled into it."""

    __tablename__ = "mod_cases"
    __table_args__ = (
        Index("ix_mod_cases_due", "status", "sla_due_at"),
        # the Art 12 reports check counts a window from this index alone (moderation_0007)
        Index("ix_mod_cases_platform_answered", "platform_id", "created_at", "decided_at",
              "sla_due_at"),
        # the cases a patrol opened or joined (lexicon's Art 13 check): the query repeats
        # this predicate verbatim (PATROL_SOURCES) so both databases use the partial index
        # (covering what it reads, so SQLite prefers it without statistics)
        Index("ix_mod_cases_patrol", "platform_id", "status", "sla_due_at", "decided_at", "id",
              sqlite_where=text(PATROL_LIKE), postgresql_where=text(PATROL_LIKE)),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False,
                                            index=True)
    open_key: Mapped[str | None] = mapped_column(
        String(36), nullable=True, unique=True,
        comment="The subject id while the case is undecided: one open case per subject.")
    category: Mapped[str] = mapped_column(String(60), nullable=False)
    severity: Mapped[int] = mapped_column(Integer, nullable=False)
    queue: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, comment="CaseStatus.")
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    report_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sources: Mapped[str] = mapped_column(String(200), nullable=False, default="",
                                         comment="Comma-separated Source values seen.")
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sla_breached_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True,
        comment="When the clock found the SLA deadline passed (once; apart from escalation).")
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


PATROL_SOURCES = Case.sources.like(literal_column("'%patrol%'"))

# The next case for a moderator: one index seek per queue (highest priority, earliest due).
Index("ix_mod_cases_next", Case.platform_id, Case.status, Case.queue, Case.priority.desc(),
      Case.sla_due_at)


class Report(IdMixin, CreatedMixin, Base):
    """A report, complaint or authority order as received (append-only)."""

    __tablename__ = "mod_reports"
    __table_args__ = (Index("ix_mod_reports_platform_created", "platform_id", "created_at"),)

    receipt: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    case_id: Mapped[str] = mapped_column(ForeignKey("mod_cases.id"), nullable=False, index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(60), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    reporter_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reporter_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    authority: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    document_no: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    received_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")


class CaseEvent(CreatedMixin, Base):
    """Everything that happened to a case, in order (append-only)."""

    __tablename__ = "mod_case_events"
    __table_args__ = (Index("ix_mod_case_events_case", "case_id", "seq"),)

    seq: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("mod_cases.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Measure(IdMixin, CreatedMixin, Base):
    """A measure applied to an item or an account, with its own clock."""

    __tablename__ = "mod_measures"
    __table_args__ = (
        Index("ix_mod_measures_due", "status", "ends_at"),
        Index("ix_mod_measures_account", "account_id", "status"),
        Index("ix_mod_measures_platform_family", "platform_id", "family", "created_at"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("mod_cases.id"), nullable=True,
                                                index=True)
    ip_notice_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False,
                                            index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("mod_subjects.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    family: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_by: Mapped[str] = mapped_column(String(100), nullable=False)
    automation: Mapped[str] = mapped_column(String(20), nullable=False)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False, default="decision",
                                         comment="decision | ladder | ip_notice")


class MeasureChange(Base):
    """Every start and end of a measure, numbered for the pull API (append-only)."""

    __tablename__ = "mod_measure_changes"
    __table_args__ = (Index("ix_mod_measure_changes_platform", "platform_id", "seq"),)

    seq: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    measure_id: Mapped[str] = mapped_column(ForeignKey("mod_measures.id"), nullable=False)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    change: Mapped[str] = mapped_column(String(20), nullable=False,
                                        comment="applied | expired | lifted")
    state: Mapped[str] = mapped_column(String(30), nullable=False,
                                       comment="The subject's state after the change.")
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Statement(IdMixin, CreatedMixin, Base):
    """The statement of reasons of one measure (append-only)."""

    __tablename__ = "mod_statements"

    measure_id: Mapped[str] = mapped_column(ForeignKey("mod_measures.id"), nullable=False,
                                            unique=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("mod_cases.id"), nullable=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("mod_subjects.id"), nullable=True,
                                                   index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    appeal_deadline: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Strike(IdMixin, CreatedMixin, Base):
    """Points against an account (append-only; a reversal is a row with negative weight)."""

    __tablename__ = "mod_strikes"
    __table_args__ = (Index("ix_mod_strikes_account", "account_id", "counted_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("mod_cases.id"), nullable=True)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    category: Mapped[str] = mapped_column(String(60), nullable=False)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reverses_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Notice(IdMixin, CreatedMixin, Base):
    """A message to the affected party: measure taken, lifted, appeal outcome (append-only)."""

    __tablename__ = "mod_notices"
    __table_args__ = (Index("ix_mod_notices_account", "account_id", "created_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    title_en: Mapped[str] = mapped_column(String(300), nullable=False)
    measure_id: Mapped[str | None] = mapped_column(ForeignKey("mod_measures.id"), nullable=True)
    statement_id: Mapped[str | None] = mapped_column(ForeignKey("mod_statements.id"),
                                                     nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Webhook(IdMixin, CreatedMixin, Base):
    """Where a platform wants to hear of measure changes; signed with ``secret``."""

    __tablename__ = "mod_webhooks"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    secret: Mapped[str] = mapped_column(String(100), nullable=False,
                                        comment="HMAC key; shown once at creation.")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class OutboxMessage(IdMixin, CreatedMixin, Base):
    """A webhook delivery, written in the same transaction as the change it reports."""

    __tablename__ = "mod_outbox"
    __table_args__ = (Index("ix_mod_outbox_due", "status", "next_attempt_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("mod_webhooks.id"), nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending",
                                        comment="pending | delivered | dead")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    claim: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                              comment="The worker run processing this row now.")
    claimed_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, comment="End of the claim's lease; free after it.")


class LedgerOutbox(IdMixin, CreatedMixin, Base):
    """A record waiting to be appended to the tamper-evident ledger after commit."""

    __tablename__ = "mod_ledger_outbox"
    __table_args__ = (Index("ix_mod_ledger_outbox_pending", "logged_at", "created_at"),)

    record_class: Mapped[str] = mapped_column(String(40), nullable=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    log: Mapped[str | None] = mapped_column(String(100), nullable=True)
    log_index: Mapped[int | None] = mapped_column(BIG, nullable=True)
    claim: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                              comment="The worker run processing this row now.")
    claimed_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, comment="End of the claim's lease; free after it.")


class Appeal(IdMixin, CreatedMixin, Base):
    """An appeal (申诉) against a measure."""

    __tablename__ = "mod_appeals"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("mod_measures.id"), nullable=False,
                                            index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("mod_cases.id"), nullable=True)
    appellant_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    open_key: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True,
                                                 comment="measure id while undecided")
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    first_decider: Mapped[str] = mapped_column(String(100), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class IPNotice(IdMixin, CreatedMixin, Base):
    """A rights holder's notice (电子商务法 Art 42) and what followed."""

    __tablename__ = "mod_ip_notices"
    __table_args__ = (Index("uq_mod_ip_notices_holder_token", "holder_token_hash", unique=True),)

    receipt: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("mod_subjects.id"), nullable=True)
    rights_holder: Mapped[str] = mapped_column(String(200), nullable=False)
    rights_holder_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    holder_token_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True,
        comment="SHA-256 of the secret in the rights holder's link (given once, at filing).")
    right_type: Mapped[str] = mapped_column(String(30), nullable=False)
    right_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    measure_id: Mapped[str | None] = mapped_column(ForeignKey("mod_measures.id"), nullable=True)
    forwarded_to_merchant_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                                      nullable=True)
    counter_declaration: Mapped[str] = mapped_column(Text, nullable=False, default="")
    counter_evidence: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    forwarded_to_holder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    action_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    action_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IPEvent(CreatedMixin, Base):
    """Each step of an IP notice, as publicised (电子商务法 Art 44; append-only)."""

    __tablename__ = "mod_ip_events"
    __table_args__ = (Index("ix_mod_ip_events_notice", "notice_id", "seq"),)

    seq: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("mod_ip_notices.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    public: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Complaint(IdMixin, CreatedMixin, Base):
    """A consumer complaint and its online dispute resolution (指南 Art 28)."""

    __tablename__ = "mod_complaints"
    __table_args__ = (
        Index("ix_mod_complaints_due", "status", "merchant_reply_due_at"),
        Index("uq_mod_complaints_consumer_token", "consumer_token_hash", unique=True),
    )

    receipt: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    consumer_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    consumer_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    consumer_token_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True,
        comment="SHA-256 of the secret in the consumer's link (given once, at filing).")
    merchant_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    order_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    claim: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    merchant_reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    merchant_reply: Mapped[str] = mapped_column(Text, nullable=False, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    mediation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    mediator: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ComplaintEvent(CreatedMixin, Base):
    """Each step of a complaint (append-only)."""

    __tablename__ = "mod_complaint_events"
    __table_args__ = (Index("ix_mod_complaint_events_c", "complaint_id", "seq"),)

    seq: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("mod_complaints.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Forwarding(IdMixin, CreatedMixin, Base):
    """What the platform forwarded to a party of an IP notice or a complaint, when, and
    through which channels (电子商务法 Art 42-43; 指南 Art 28; append-only)."""

    __tablename__ = "mod_forwardings"
    __table_args__ = (
        Index("ix_mod_forwardings_ip", "ip_notice_id", "created_at"),
        Index("ix_mod_forwardings_complaint", "complaint_id", "created_at"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    ip_notice_id: Mapped[str | None] = mapped_column(ForeignKey("mod_ip_notices.id"),
                                                     nullable=True)
    complaint_id: Mapped[str | None] = mapped_column(ForeignKey("mod_complaints.id"),
                                                     nullable=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False,
                                      comment="data/forwarding.toml [kind.*].")
    to_party: Mapped[str] = mapped_column(String(20), nullable=False, comment="Party.")
    content: Mapped[dict[str, Any]] = mapped_column(
        JSON, nullable=False, comment="What was forwarded, with the statement that went with it.")
    channels: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="inbox (the party's link), api, webhook.")


class AuthorityReport(IdMixin, CreatedMixin, Base):
    """A serious case reported to an authority (指南 Art 11, 12, 13; append-only)."""

    __tablename__ = "mod_authority_reports"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False,
                                             index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("mod_cases.id"), nullable=False, index=True)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reported_by: Mapped[str] = mapped_column(String(100), nullable=False)


class JudgedContent(IdMixin, CreatedMixin, Base):
    """The subject's content as it stood when a case was decided or an IP measure taken
    (append-only): the case page and the statement of reasons refer to this, not to the
    subject's current text, which the platform may update."""

    __tablename__ = "mod_judged_content"
    __table_args__ = (
        Index("uq_mod_judged_content_case", "case_id", unique=True),
        Index("ix_mod_judged_content_ip_notice", "ip_notice_id"),
    )

    case_id: Mapped[str | None] = mapped_column(ForeignKey("mod_cases.id"), nullable=True)
    ip_notice_id: Mapped[str | None] = mapped_column(ForeignKey("mod_ip_notices.id"),
                                                     nullable=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("mod_subjects.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    external_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    media: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    sha256: Mapped[str] = mapped_column(
        String(64), nullable=False,
        comment="SHA-256 of the canonical JSON of kind, ref, name, text and media.")


APPEND_ONLY = (
    "mod_reports", "mod_case_events", "mod_measure_changes", "mod_statements", "mod_strikes",
    "mod_notices", "mod_ip_events", "mod_complaint_events", "mod_authority_reports",
    "mod_judged_content",
)

# Core tables for set-based intake (bulk INSERTs without the ORM's per-row bookkeeping).
SUBJECTS = cast(Table, Subject.__table__)
CASES = cast(Table, Case.__table__)
REPORTS = cast(Table, Report.__table__)
CASE_EVENTS = cast(Table, CaseEvent.__table__)
