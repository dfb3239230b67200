"""Tables of the gig-worker register (指南 第三十条). A worker's identity is not here: it is
sealed in the ledger's personal-data store and the row keeps its reference. Dispatch-log
segments and their imports are kept (append-only, guarded in the database); times of
segments are whole Unix seconds so that the checks read millions of them as integers."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin

BigInt = BigInteger().with_variant(Integer, "sqlite")


class Worker(CreatedMixin, Base):
    """A gig worker (骑手, 网约车司机 …) on the platform: the platform's own id for them, the
    kind of work, the city whose minimum wage applies, and the sealed identity's reference."""

    __tablename__ = "workers_workers"
    __table_args__ = (Index("uq_workers_workers_ref", "platform_id", "worker_ref", unique=True),)

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    worker_ref: Mapped[str] = mapped_column(String(100), nullable=False,
                                            comment="The platform's own id for the worker.")
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    city: Mapped[str] = mapped_column(String(40), nullable=False,
                                      comment="City code whose minimum wage applies (data).")
    personal_ref: Mapped[str | None] = mapped_column(
        String(36), nullable=True, comment="Sealed identity in the ledger's personal-data store.")
    registered_by: Mapped[str] = mapped_column(String(100), nullable=False)


class LogImport(IdMixin, CreatedMixin, Base):
    """One batch of dispatch-log segments (a file or an API batch), all of it or none."""

    __tablename__ = "workers_log_imports"
    __table_args__ = (Index("ix_workers_log_imports_time", "platform_id", "created_at"),)

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False,
                                        comment="File name, or 'api'.")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    first_s: Mapped[int] = mapped_column(BigInt, nullable=False)
    last_s: Mapped[int] = mapped_column(BigInt, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)


class LogSegment(Base):
    """A stretch of time one worker was logged in taking orders (waiting or on an order),
    with the orders completed in it and the pay for them."""

    __tablename__ = "workers_log"
    __table_args__ = (Index("ix_workers_log_time", "platform_id", "start_s"),
                      Index("ix_workers_log_worker", "worker_id", "start_s"))

    seq: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers_workers.id"), nullable=False)
    start_s: Mapped[int] = mapped_column(BigInt, nullable=False, comment="Unix seconds (UTC).")
    end_s: Mapped[int] = mapped_column(BigInt, nullable=False, comment="Unix seconds (UTC).")
    seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False,
                                       comment="waiting or delivering (data)")
    orders: Mapped[int] = mapped_column(Integer, nullable=False)
    pay_fen: Mapped[int] = mapped_column(BigInt, nullable=False,
                                         comment="Pay for the orders completed, in fen.")
    import_id: Mapped[str] = mapped_column(ForeignKey("workers_log_imports.id"), nullable=False)
