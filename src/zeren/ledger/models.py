"""Tables of the tamper-evident ledger.

Logs, entry bundles, full tiles, checkpoints, the subject index and sealed personal data are
append-only: the product never updates or deletes them, and triggers make the database refuse
it too (see the ledger migration). The one mutable table is the personal-data key store,
``ledger_pd_keys``: erasure destroys a key there, which is the whole point of keeping keys
apart from the records they open.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, UTCDateTime, utcnow

BigInt = BigInteger().with_variant(Integer, "sqlite")


class Log(Base):
    """One Merkle log per record class and period (e.g. ``orders/2025``)."""

    __tablename__ = "ledger_logs"

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=True,
        comment="Small integer key: it prefixes every entry and tile row.",
    )
    name: Mapped[str] = mapped_column(
        String(100), unique=True, nullable=False, comment="<record class>/<period>"
    )
    record_class: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(20), nullable=False)
    origin: Mapped[str] = mapped_column(
        String(200), unique=True, nullable=False, comment="Checkpoint origin = signing key name."
    )
    public_key: Mapped[bytes] = mapped_column(
        LargeBinary(32), nullable=False, comment="Raw Ed25519 public key of the log."
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Bundle(Base):
    """A run of consecutive entries of one C2SP entry bundle (256 entries per bundle).

    Entries are stored by the batch, not one row each: a batch writes one row per bundle it
    touches. The row of ``(idx, width)`` holds the entries ``width - count … width - 1`` of
    bundle ``idx`` (log indexes ``idx·256 + …``), each prefixed by its uint16 length — the
    C2SP entry-bundle encoding — so the rows of a bundle in ``width`` order concatenate to
    the bundle ``tile/entries/<idx>.p/<width>``, and a bundle filled in one batch is one row.
    Rows are never updated: a bundle that grows gets new rows."""

    __tablename__ = "ledger_bundles"
    __table_args__ = (
        CheckConstraint("width BETWEEN 1 AND 256", name="width"),
        CheckConstraint("count BETWEEN 1 AND width", name="count"),
    )

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(
        BigInt, primary_key=True, autoincrement=False, comment="Bundle index N: entries N·256 …"
    )
    width: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False,
        comment="Entries of the bundle that exist once this row is written (1..256).",
    )
    count: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Entries in this row: the last ``count`` of width."
    )
    data: Mapped[bytes] = mapped_column(
        LargeBinary, nullable=False, comment="The entries, each prefixed by its uint16 length."
    )


class Tile(Base):
    """A full C2SP tile: 256 hashes (8,192 bytes) at ``level``, and its own subtree root."""

    __tablename__ = "ledger_tiles"
    __table_args__ = ({"sqlite_with_rowid": False},)  # one B-tree per row, not two

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CheckpointRow(Base):
    """A signed checkpoint (C2SP signed note), one per committed batch."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = ({"sqlite_with_rowid": False},)  # one B-tree per row, not two

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, comment="The signed note, verbatim.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SubjectKey(Base):
    """Finds entries by what they are about (e.g. ``order:<platform>:<order id>``)."""

    __tablename__ = "ledger_subjects"
    __table_args__ = (
        # a platform's entries of one log, counted from the index alone (ledger_0006)
        Index("ix_ledger_subjects_log_subject", "log_id", "subject"),
        {"sqlite_with_rowid": False},  # one B-tree per row, not two
    )

    log_id: Mapped[int] = mapped_column(ForeignKey("ledger_logs.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False, index=True)


class PersonalData(Base):
    """Personal data of one record, sealed with AES-256-GCM under its own key."""

    __tablename__ = "ledger_personal_data"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_class: Mapped[str] = mapped_column(String(40), nullable=False)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12), nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    retain_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True,
        comment="Erasure is refused before this; NULL: the retention period has not started.",
    )
    retention_source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PersonalDataKey(Base):
    """The key store: one AES key per personal-data record. Erasure sets ``key`` to NULL."""

    __tablename__ = "ledger_pd_keys"

    pd_id: Mapped[str] = mapped_column(ForeignKey("ledger_personal_data.id"), primary_key=True)
    key: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    destroyed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(String(400), nullable=True)


# Core tables, typed, for the integrator's and readers' bulk statements.
LOGS = cast(Table, Log.__table__)
BUNDLES = cast(Table, Bundle.__table__)
TILES = cast(Table, Tile.__table__)
CHECKPOINTS = cast(Table, CheckpointRow.__table__)
SUBJECTS = cast(Table, SubjectKey.__table__)
PERSONAL = cast(Table, PersonalData.__table__)
PD_KEYS = cast(Table, PersonalDataKey.__table__)


class OrderIndex(Base):
    """Orders and refunds as figures beside the log (kept, append-only): what the reports on
    orders read. The log entry (``log``, ``idx``) is the proof; this row is how a quarter's
    income is one GROUP BY. One row per completed order (its first completed record) and one
    per refund, which names its order: a refund is its own record, never an edit."""

    __tablename__ = "ledger_order_index"
    __table_args__ = (
        CheckConstraint("record IN ('order', 'refund')", name="record"),
        CheckConstraint("amount_cents >= 0 AND other_cents >= 0", name="amounts"),
        Index("ix_ledger_order_index_at", "platform_id", "at"),
    )

    platform_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record: Mapped[str] = mapped_column(String(10), primary_key=True,
                                        comment="order / refund")
    ref: Mapped[str] = mapped_column(String(100), primary_key=True,
                                     comment="The order id, or the refund id.")
    order_id: Mapped[str] = mapped_column(String(100), nullable=False)
    merchant_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    income_kind: Mapped[str] = mapped_column(String(30), nullable=False,
                                             comment="goods / service.<kind> (orders.toml)")
    amount_cents: Mapped[int] = mapped_column(
        BigInt, nullable=False, comment="Paid (an order) or refunded (a refund), in fen.")
    other_cents: Mapped[int] = mapped_column(
        BigInt, nullable=False, comment="Of which 其他销售收入 (an order of goods), in fen.")
    at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, comment="Completed (an order) or refunded (a refund).")
    log: Mapped[str] = mapped_column(String(100), nullable=False)
    idx: Mapped[int] = mapped_column(BigInt, nullable=False)
