"""Tables of platform rules. A document and its versions carry a current stage that changes
only through the services; a version's text is frozen once it leaves draft (its SHA-256 is
kept, and logged to the ledger when published). Comments, replies, hearings, exit
declarations and the version history are kept records, append-only and guarded in the
database."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class RuleDocument(IdMixin, CreatedMixin, Base):
    """A rule document of a platform (服务协议, 交易规则, 收费规则, …)."""

    __tablename__ = "rule_documents"
    __table_args__ = (Index("uq_rule_documents_code", "platform_id", "code", unique=True),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False,
                                      comment="The platform's short name for the document.")
    kind: Mapped[str] = mapped_column(String(40), nullable=False,
                                      comment="A kind from data/rules.toml.")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    fee_increase_notice_days: Mapped[int | None] = mapped_column(
        Integer, nullable=True,
        comment="The platform's own longer notice for fee increases (days), if it set one.")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class RuleVersion(IdMixin, CreatedMixin, Base):
    """A version of a rule document in Markdown, with its summary of changes and its way
    through consultation to publication."""

    __tablename__ = "rule_versions"
    __table_args__ = (
        Index("uq_rule_versions_number", "document_id", "number", unique=True),
        Index("ix_rule_versions_platform", "platform_id", "stage"),
    )

    document_id: Mapped[str] = mapped_column(ForeignKey("rule_documents.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(
        String(20), nullable=False,
        comment="draft / consultation / decided / published / withdrawn")
    body_md: Mapped[str] = mapped_column(Text, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, comment="Summary of changes.")
    fee_items: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, nullable=False, default=list, comment="Structured fees (Art 29 review).")
    obligations: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, nullable=False, default=list,
        comment="Structured obligations and restrictions on merchants (Art 29 review).")
    justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    parameters: Mapped[dict[str, float]] = mapped_column(
        JSON, nullable=False, default=dict,
        comment="Numbers the rule sets (a credit formula's weights), published with it.")
    body_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                    comment="Set when the text is frozen.")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    consultation_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                                     nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, comment="The consultation's deadline for comments.")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                          comment="What was decided and why.")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notice_days: Mapped[int | None] = mapped_column(
        Integer, nullable=True, comment="The notice this version needed when published.")


class RuleComment(IdMixin, Base):
    """A comment on a version under consultation (public, merchant) or the platform's reply
    to one (kept)."""

    __tablename__ = "rule_comments"
    __table_args__ = (Index("ix_rule_comments_version", "version_id", "at"),)

    version_id: Mapped[str] = mapped_column(ForeignKey("rule_versions.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    author_kind: Mapped[str] = mapped_column(String(20), nullable=False,
                                             comment="public / merchant / platform (a reply)")
    author_name: Mapped[str] = mapped_column(String(100), nullable=False)
    merchant_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reply_to: Mapped[str | None] = mapped_column(String(36), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False,
                                         comment="public_page / api / console")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class RuleHearing(IdMixin, Base):
    """A hearing (听证) or consultation meeting on a version: date, participants, minutes
    (kept)."""

    __tablename__ = "rule_hearings"
    __table_args__ = (Index("ix_rule_hearings_version", "version_id"),)

    version_id: Mapped[str] = mapped_column(ForeignKey("rule_versions.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    participants: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    minutes: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RuleExit(IdMixin, Base):
    """A merchant's declaration that it does not accept a published change and leaves under
    the old rules (电子商务法 第三十四条; kept)."""

    __tablename__ = "rule_exits"
    __table_args__ = (Index("uq_rule_exits_merchant", "version_id", "merchant_id", unique=True),)

    version_id: Mapped[str] = mapped_column(ForeignKey("rule_versions.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), nullable=False)
    old_version_id: Mapped[str] = mapped_column(String(36), nullable=False,
                                                comment="The rules the merchant leaves under.")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)


class RuleEvent(IdMixin, Base):
    """One step of a version's history (kept)."""

    __tablename__ = "rule_events"
    __table_args__ = (Index("ix_rule_events_version", "version_id", "at"),)

    version_id: Mapped[str] = mapped_column(ForeignKey("rule_versions.id"), nullable=False)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


VERSIONS = cast(Table, RuleVersion.__table__)


class RuleClause(IdMixin, Base):
    """A contract clause the platform uploads for the exclusivity scan (kept)."""

    __tablename__ = "rule_clauses"
    __table_args__ = (Index("ix_rule_clauses_platform", "platform_id", "uploaded_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RuleFinding(IdMixin, Base):
    """An exclusivity or tying pattern found in a rule version or an uploaded clause (指南
    第十六条): open until someone decides on it, with the resolution and its reason."""

    __tablename__ = "rule_findings"
    __table_args__ = (
        Index("uq_rule_findings_hit", "source_id", "start", "term", unique=True),
        Index("ix_rule_findings_open", "platform_id", "status"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    source_kind: Mapped[str] = mapped_column(String(20), nullable=False,
                                             comment="version / clause")
    source_id: Mapped[str] = mapped_column(String(36), nullable=False)
    term: Mapped[str] = mapped_column(String(100), nullable=False)
    matched: Mapped[str] = mapped_column(String(200), nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    excerpt: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    confidence: Mapped[float] = mapped_column(nullable=False)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, comment="open / resolved")
    resolution: Mapped[str | None] = mapped_column(
        String(30), nullable=True, comment="not_exclusive / removed / justified")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
