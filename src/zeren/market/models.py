"""Tables of the market-conduct analytics. The rows themselves live in Parquet under the
data folder (``zeren.market.store``); the database keeps what must be shown later and never
changes: each batch stored (its digest and files), each detector run with the parameters it
used, and each finding with its evidence rows and their digest. All three are append-only
and guarded in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class Ingest(IdMixin, CreatedMixin, Base):
    """A batch stored into a dataset: a file or an API batch, all of its rows or none."""

    __tablename__ = "market_ingests"
    __table_args__ = (Index("ix_market_ingests_dataset", "platform_id", "dataset", "created_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    dataset: Mapped[str] = mapped_column(String(60), nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False,
                                        comment="File name, or 'api' for an API batch.")
    format: Mapped[str] = mapped_column(String(20), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False,
                                        comment="SHA-256 of the file or of the batch's JSON.")
    files: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list,
                                             comment="Parquet files written, under the dataset.")
    days: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    ignored_columns: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    ingested_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Run(IdMixin, CreatedMixin, Base):
    """One run of one detector over a platform's datasets, with the parameters it used."""

    __tablename__ = "market_runs"
    __table_args__ = (Index("ix_market_runs_detector", "platform_id", "detector", "created_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    detector: Mapped[str] = mapped_column(String(60), nullable=False)
    engine: Mapped[str] = mapped_column(String(20), nullable=False, comment="duckdb or spark")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False,
                                                   comment="Parameter values and version.")
    rows_in: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict,
                                                    comment="Rows stored per dataset read.")
    findings_new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings_seen: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                               comment="Findings already recorded by a run.")
    seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    run_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Finding(IdMixin, CreatedMixin, Base):
    """What a detector found about one subject, with the evidence rows and their digest.
    The same subject found by a later run is the same finding (``fingerprint``)."""

    __tablename__ = "market_findings"
    __table_args__ = (
        Index("uq_market_findings_fingerprint", "platform_id", "fingerprint", unique=True),
        Index("ix_market_findings_detector", "platform_id", "detector", "score"),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    run_id: Mapped[str] = mapped_column(ForeignKey("market_runs.id"), nullable=False)
    detector: Mapped[str] = mapped_column(String(60), nullable=False)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(300), nullable=False)
    merchant_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    explanation_zh: Mapped[str] = mapped_column(Text, nullable=False)
    explanation_en: Mapped[str] = mapped_column(Text, nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    evidence_digest: Mapped[str] = mapped_column(String(64), nullable=False,
                                                 comment="SHA-256 of the evidence rows.")


class Action(IdMixin, CreatedMixin, Base):
    """What was done about a finding: moderation cases opened (brushing rings, grey accounts,
    pyramid schemes), a compliance task (self-preferencing, merchant-data use) or a
    price-fraud record for the merchant (price detectors); and a task's closing. Kept."""

    __tablename__ = "market_actions"
    __table_args__ = (Index("ix_market_actions_finding", "finding_id", "created_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    finding_id: Mapped[str] = mapped_column(ForeignKey("market_findings.id"), nullable=False)
    kind: Mapped[str] = mapped_column(
        String(40), nullable=False,
        comment="moderation_case | compliance_task | price_fraud_record | task_closed")
    case_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    merchant_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    assignee: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    acted_by: Mapped[str] = mapped_column(String(200), nullable=False)
