"""Tables of the review lexicon: lexicons, their versions (who, when, why), their terms with
the versions they lived in, and the daily patrol's items, runs and findings.

A term row is never updated in place or deleted: a change ends the old row (``removed_in``)
and adds a new one (``added_in``), so every past version can be read back whole."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import zeren.platforms.models  # noqa: F401  (platforms.id is referenced below)
from zeren.db.base import Base, CreatedMixin, IdMixin, UTCDateTime, utcnow


class Lexicon(IdMixin, CreatedMixin, Base):
    """A named review lexicon (审核词库)."""

    __tablename__ = "lexicons"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(100), nullable=False, comment="Name used by commands.")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    current_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, comment="Newest version; 0 before the first change."
    )
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, comment="Actor name.")


class LexiconVersion(IdMixin, CreatedMixin, Base):
    """One change to a lexicon: who made it, when, why, and what it did (append-only)."""

    __tablename__ = "lexicon_versions"
    __table_args__ = (UniqueConstraint("lexicon_id", "version"),)

    lexicon_id: Mapped[str] = mapped_column(ForeignKey("lexicons.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    actor_id: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, comment="Why the change was made.")
    added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    removed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    term_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LexiconTerm(IdMixin, Base):
    """A term as it stood from version ``added_in`` until (not including) ``removed_in``."""

    __tablename__ = "lexicon_terms"
    __table_args__ = (Index("ix_lexicon_terms_live", "lexicon_id", "removed_in"),)

    lexicon_id: Mapped[str] = mapped_column(ForeignKey("lexicons.id"), nullable=False)
    term: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    whitelist: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    variants: Mapped[str] = mapped_column(
        String(100), nullable=False, default="", comment="Variant options; empty = default."
    )
    platform_id: Mapped[str | None] = mapped_column(
        ForeignKey("platforms.id"), nullable=True, comment="NULL = group-wide (集团通用)."
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    added_in: Mapped[int] = mapped_column(Integer, nullable=False)
    removed_in: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PatrolItem(IdMixin, Base):
    """An item submitted for the daily patrol (日常巡查) before the patrol read moderation's
    subjects; kept for the findings that point at it, no longer read."""

    __tablename__ = "lexicon_patrol_items"
    __table_args__ = (UniqueConstraint("platform_id", "item_ref"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    item_ref: Mapped[str] = mapped_column(String(200), nullable=False, comment="Caller's id.")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PatrolRun(IdMixin, Base):
    """One patrol of a platform's published items (moderation's subjects) against one lexicon
    version, over ``partitions`` partitions, each resumable by its cursor."""

    __tablename__ = "lexicon_patrol_runs"
    __table_args__ = (Index("ix_lexicon_patrol_runs_platform", "platform_id", "started_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    lexicon_id: Mapped[str] = mapped_column(ForeignKey("lexicons.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, comment="running|finished")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    cursor: Mapped[str | None] = mapped_column(String(36), nullable=True, comment="Last item id.")
    items_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    items_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hits_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    new_hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    partitions: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                            server_default="1")
    engine: Mapped[str] = mapped_column(String(16), nullable=False, default="local",
                                        server_default="local", comment="local|spark")
    error: Mapped[str | None] = mapped_column(Text, nullable=True,
                                              comment="Partitions that failed for good.")


class PatrolPartition(IdMixin, Base):
    """One partition of a patrol run: its cursor, progress, and failures (retried alone)."""

    __tablename__ = "lexicon_patrol_partitions"
    __table_args__ = (UniqueConstraint("run_id", "part"),)

    run_id: Mapped[str] = mapped_column(ForeignKey("lexicon_patrol_runs.id"), nullable=False)
    part: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        comment="pending|running|done|failed")
    cursor: Mapped[str | None] = mapped_column(String(36), nullable=True)
    items_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    items_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    new_hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PatrolFinding(IdMixin, Base):
    """A hit found by a patrol, kept once per subject (or old item), term and place;
    ``first_run_id`` tells whether it is new. A block or review finding opens or joins the
    subject's moderation case (``case_id``), and the case's decision is its handling;
    ``handled_at`` records a handling given here (flag findings, old items)."""

    __tablename__ = "lexicon_patrol_findings"
    __table_args__ = (
        UniqueConstraint("item_id", "term", "start_offset", "end_offset"),
        Index("ix_lexicon_patrol_findings_open", "platform_id", "handled_at"),
        Index("uq_lexicon_patrol_findings_subject", "subject_id", "term", "start_offset",
              "end_offset", unique=True),
    )

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("lexicon_patrol_items.id"),
                                                nullable=True, comment="Old submitted items.")
    subject_id: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="moderation's subject (no foreign key across "
        "domain migration branches).")
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True, comment="Content kind.")
    case_id: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="The moderation case it opened or joined.")
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    term: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    start_offset: Mapped[int] = mapped_column(Integer, nullable=False)
    end_offset: Mapped[int] = mapped_column(Integer, nullable=False)
    matched: Mapped[str] = mapped_column(Text, nullable=False)
    first_run_id: Mapped[str] = mapped_column(String(36), nullable=False)
    last_run_id: Mapped[str] = mapped_column(String(36), nullable=False)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    handling: Mapped[str] = mapped_column(Text, nullable=False, default="")
