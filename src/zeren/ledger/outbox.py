"""The ledger outbox: how a domain logs records that belong to its own transaction.

A service writes its change and, in the same transaction, one ``ledger_outbox`` row per
record (``enqueue``). After commit a flusher claims pending rows, appends them to the ledger
through the integrator in large batches, and writes back each row's log and index (the
pattern of ADR 0300, shared here so that every domain uses one outbox). So nothing is logged
that did not commit, nothing committed is lost if the process stops, and a request never
waits for a signed checkpoint.

Personal data is sealed when the row is written (AES-256-GCM, ``personal.seal``): the row
holds the ciphertext and its key only until the flusher has handed both to the ledger's
personal-data store, then both are cleared here, so erasure in the ledger is the only key
left. The reference (``pd_id``) is known at once, so a domain row can point at it.

A batch (``enqueue_batch``) is one row holding many records: they are appended as consecutive
entries in one ledger transaction (all or none) and share one sealed personal-data record,
so that a batch of 5,000 reviews costs one sealing and one outbox row, not 5,000 (issue 12).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Engine,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from zeren.db.base import Base, UTCDateTime, utcnow
from zeren.db.bulk import bulk_insert
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput, NotFound
from zeren.ledger import models as lm
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.interfaces import build_entry, log_name
from zeren.ledger.personal import SealedPersonal, canonical_json, seal, unseal
from zeren.ledger.verify import MAX_ENTRY_SIZE

log = logging.getLogger("zeren.ledger.outbox")

BigInt = BigInteger().with_variant(Integer, "sqlite")


class OutboxRow(Base):
    """A record waiting to be appended to the ledger after its transaction committed."""

    __tablename__ = "ledger_outbox"
    __table_args__ = (Index("ix_ledger_outbox_pending", "logged_at", "seq"),)

    seq: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    record_class: Mapped[str] = mapped_column(String(40), nullable=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False,
                                         comment="The record's time; names the log's year.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    pd_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    pd_key: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True,
                                                 comment="Cleared once the ledger holds it.")
    pd_nonce: Mapped[bytes | None] = mapped_column(LargeBinary(12), nullable=True)
    pd_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    pd_commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retention_source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    claim: Mapped[str | None] = mapped_column(String(36), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    log: Mapped[str | None] = mapped_column(String(100), nullable=True)
    log_index: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    entries: Mapped[int | None] = mapped_column(
        Integer, nullable=True, comment="A batch row: how many records 'record' holds (its "
        "'records' and 'subjects'); NULL: the row is one record.")


T = cast(Table, OutboxRow.__table__)


@dataclass(frozen=True)
class Queued:
    """What ``enqueue`` promises: the outbox row and the personal-data reference, if any."""

    seq: int
    pd_id: str | None


@dataclass(frozen=True)
class Item:
    record_class: str
    record: dict[str, Any]
    subject: str | None = None
    personal: Any = None
    retain_until: datetime | None = None
    retention_source: str = ""
    at: datetime | None = None


def _row(item: Item, now: datetime) -> tuple[dict[str, Any], str | None]:
    if item.at is not None and item.at.utcoffset() is None:
        raise InvalidInput("'at' has no time zone (naive datetime)", field="at")
    if item.subject is not None and len(item.subject) > 200:
        raise InvalidInput("subject longer than 200 characters", field="subject")
    sealed: SealedPersonal | None = None
    if item.personal is not None:
        sealed = seal(record_class=item.record_class, data=item.personal,
                      retain_until=item.retain_until, retention_source=item.retention_source)
    # Checked now, not at flush time: a record the ledger would refuse fails its own caller.
    build_entry(record_class=item.record_class, record={"outbox_seq": 0, **item.record},
                sealed=sealed)
    row: dict[str, Any] = {
        "record_class": item.record_class, "record": item.record, "subject": item.subject,
        "at": item.at or now, "created_at": now, "retention_source": item.retention_source,
        "retain_until": item.retain_until, "pd_id": None, "pd_key": None, "pd_nonce": None,
        "pd_ciphertext": None, "pd_commitment": None,
    }
    if sealed is not None:
        row.update(pd_id=sealed.id, pd_key=sealed.key, pd_nonce=sealed.nonce,
                   pd_ciphertext=sealed.ciphertext, pd_commitment=sealed.commitment)
    return row, sealed.id if sealed else None


def enqueue(*, session: Session, item: Item) -> Queued:
    """Write one record to the outbox in the caller's transaction."""
    row, pd_id = _row(item, utcnow())
    seq = session.execute(insert(T).values(**row).returning(T.c.seq)).scalar_one()
    return Queued(int(seq), pd_id)


def enqueue_many(*, session: Session, items: Sequence[Item]) -> list[str | None]:
    """Write many records in one statement (the gate's batches); their personal-data refs."""
    now = utcnow()
    rows, refs = [], []
    for it in items:
        r, ref = _row(it, now)
        rows.append(r)
        refs.append(ref)
    if rows:
        bulk_insert(session, T, rows)  # the driver's executemany: no dict per row in SQLAlchemy
    return refs


@dataclass(frozen=True)
class BatchItem:
    """Many records of one class logged together: ``subjects[i]`` is the subject of
    ``records[i]``; ``personal`` (if any) is sealed once for the whole batch and every entry
    carries its reference and commitment (so erasure, allowed after ``retain_until``, takes
    the batch's personal data together: give the latest retention date of the batch)."""

    record_class: str
    records: Sequence[dict[str, Any]]
    subjects: Sequence[str | None]
    personal: Any = None
    retain_until: datetime | None = None
    retention_source: str = ""
    at: datetime | None = None


_ENVELOPE = len(canonical_json({"class": "", "outbox_seq": 10**18, "outbox_entry": 10**6,
                                "personal": {"ref": "0" * 36, "commitment": "0" * 64}}))


def _bound(v: Any) -> int:
    """An upper bound of the bytes of ``v`` in canonical JSON (a character is at most six
    bytes: ``\\u001f``), without encoding it."""
    t = type(v)
    if t is str:
        return 6 * len(v) + 2
    if t is dict:
        n = 1
        for k, x in v.items():  # flat records cost no call per field
            n += 6 * len(k) + 4 + (6 * len(x) + 2 if type(x) is str else _bound(x))
        return n
    if t is list or t is tuple:
        return 2 + sum(_bound(x) + 1 for x in v)
    if v is None or t is bool:
        return 5
    if t is int:
        return len(str(v))
    if t is float:
        return 24  # the longest repr: -2.2250738585072014e-308
    return MAX_ENTRY_SIZE + 1  # anything else: encoding it decides (and refuses)


def _fits(record_class: str, record: dict[str, Any]) -> bool:
    """Whether ``record`` stays within the ledger's entry size once enveloped: by the bound
    when it suffices (records of bounded fields, such as reviews, never need encoding here),
    else by encoding it (the length of canonical JSON does not depend on key order)."""
    room = MAX_ENTRY_SIZE - len(record_class.encode()) - _ENVELOPE
    if _bound(record) <= room:
        return True
    body = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
    return len(body) <= room


def enqueue_batch(*, session: Session, batch: BatchItem) -> Queued:
    """Write a batch of records as one outbox row (personal data sealed once); the queued
    row and the batch's personal-data reference. Each record is checked as ``enqueue``
    checks one: a record the ledger would refuse fails the caller, naming ``records.<i>``."""
    if len(batch.records) != len(batch.subjects):
        raise InvalidInput("one subject per record", field="subjects")
    if not batch.records:
        raise InvalidInput("nothing to enqueue", field="records")
    for i, (rec, sub) in enumerate(zip(batch.records, batch.subjects, strict=True)):
        if "personal" in rec or "class" in rec or "outbox_seq" in rec or "outbox_entry" in rec:
            raise InvalidInput("record must not carry 'personal', 'class' or 'outbox_*' keys",
                               field=f"records.{i}")
        if sub is not None and len(sub) > 200:
            raise InvalidInput("subject longer than 200 characters", field=f"subjects.{i}")
        if not _fits(batch.record_class, rec):
            raise InvalidInput("record is longer than 65535 bytes once encoded",
                               field=f"records.{i}")
    head = Item(record_class=batch.record_class, record={}, personal=batch.personal,
                retain_until=batch.retain_until, retention_source=batch.retention_source,
                at=batch.at)
    row, pd_id = _row(head, utcnow())
    row["record"] = {"records": list(batch.records), "subjects": list(batch.subjects)}
    row["entries"] = len(batch.records)
    seq = session.execute(insert(T).values(**row).returning(T.c.seq)).scalar_one()
    return Queued(int(seq), pd_id)


def pending(*, session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(T)
                              .where(T.c.logged_at.is_(None))) or 0)


def open_personal(*, session: Session, pd_id: str) -> Any:
    """The personal data behind ``pd_id``: from the ledger's store once logged, from the
    outbox before; None once erased."""
    k, p = lm.PD_KEYS, lm.PERSONAL
    row = session.execute(
        select(k.c.key, p.c.nonce, p.c.ciphertext).join(p, p.c.id == k.c.pd_id)
        .where(k.c.pd_id == pd_id)).first()
    if row is None:
        row = session.execute(select(T.c.pd_key, T.c.pd_nonce, T.c.pd_ciphertext)
                              .where(T.c.pd_id == pd_id)).first()
        if row is None or row[0] is None:
            raise NotFound("personal data not found", details={"ref": pd_id})
    if row[0] is None:
        return None
    data, _ = unseal(pd_id=pd_id, key=bytes(row[0]), nonce=bytes(row[1]),
                     ciphertext=bytes(row[2]))
    return data


# ----------------------------------------------------------------------- flushing

LEASE = timedelta(minutes=10)
CHUNK = 2048


def _claim(engine: Engine, limit: int, now: datetime) -> str:
    from zeren.db.base import new_id

    token = new_id()
    free = or_(T.c.claimed_until.is_(None), T.c.claimed_until < now)
    with unit_of_work(engine) as s:
        q = (select(T.c.seq, T.c.entries).where(T.c.logged_at.is_(None), free)
             .order_by(T.c.seq).limit(limit))
        if engine.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        seqs: list[int] = []
        weight = 0
        for seq, entries in s.execute(q):  # about ``limit`` records, batch rows counted whole
            weight += entries or 1
            if seqs and weight > limit:
                break
            seqs.append(seq)
        if seqs:
            s.execute(update(T).where(T.c.seq.in_(seqs), T.c.logged_at.is_(None), free)
                      .values(claim=token, claimed_until=now + LEASE))
    return token


def _sealed(r: Any) -> SealedPersonal | None:
    if r.pd_id is None:
        return None
    return SealedPersonal(r.pd_id, r.record_class, bytes(r.pd_key), bytes(r.pd_nonce),
                          bytes(r.pd_ciphertext), r.pd_commitment, r.retain_until,
                          r.retention_source)


def _entry(r: Any) -> PendingEntry:
    sealed = _sealed(r)
    data = build_entry(record_class=r.record_class,
                       record={"outbox_seq": int(r.seq), **r.record}, sealed=sealed)
    return PendingEntry(data, subject=r.subject, personal=sealed)


def _batch_entries(r: Any) -> list[PendingEntry]:
    """The entries of a batch row, in order; all share the row's sealed personal data."""
    sealed = _sealed(r)
    seq = int(r.seq)
    return [PendingEntry(build_entry(record_class=r.record_class, record={
        "outbox_seq": seq, "outbox_entry": i, **rec}, sealed=sealed), subject=sub,
        personal=sealed) for i, (rec, sub) in enumerate(zip(
            r.record["records"], r.record["subjects"], strict=True))]


def flush(*, engine: Engine, integrator: Integrator, limit: int = 8192) -> int:
    """Append about ``limit`` pending records (a batch row's records are never split; one
    batch row larger than ``limit`` is taken alone); returns how many records (entries) were
    logged. Rows are claimed first (concurrent flushers never append one row twice); a failed
    batch leaves its rows pending for the next run."""
    now = utcnow()
    token = _claim(engine, limit, now)
    with engine.connect() as conn:
        rows = conn.execute(select(T).where(T.c.claim == token).order_by(T.c.seq)).all()
    if not rows:
        return 0
    by_log: dict[str, list[Any]] = {}
    done: list[dict[str, Any]] = []
    entries = 0
    for r in rows:
        name = log_name(r.record_class, r.at)
        if r.entries is None:
            by_log.setdefault(name, []).append(r)
            continue
        try:  # a batch row: all its entries in one ledger transaction
            first = integrator.append_batch(name, _batch_entries(r)).indexes[0]
        except Exception:
            log.exception("ledger append of outbox batch %s (%d records) to %s failed",
                          r.seq, r.entries, name)
            continue
        done.append({"s": r.seq, "t": token, "lg": name, "ix": first,
                     "b_at": datetime.now(UTC)})
        entries += r.entries
    for name, group in by_log.items():
        for i in range(0, len(group), CHUNK):
            chunk = group[i:i + CHUNK]
            try:
                batch = integrator.append_batch(name, [_entry(r) for r in chunk])
            except Exception:
                log.exception("ledger append of %d outbox rows to %s failed", len(chunk), name)
                continue
            at = datetime.now(UTC)
            done += [{"s": r.seq, "t": token, "lg": name, "ix": idx, "b_at": at}
                     for r, idx in zip(chunk, batch.indexes, strict=True)]
            entries += len(chunk)
    with unit_of_work(engine) as s:
        if done:
            s.execute(update(T).where(T.c.seq == bindparam("s"), T.c.claim == bindparam("t"))
                      .values(logged_at=bindparam("b_at"), log=bindparam("lg"),
                              log_index=bindparam("ix"), claim=None, claimed_until=None,
                              pd_key=None, pd_ciphertext=None), done)
        # Rows whose batch failed: free them at once rather than after the lease.
        s.execute(update(T).where(T.c.claim == token).values(claim=None, claimed_until=None))
    return entries


def flush_all(*, engine: Engine, integrator: Integrator, limit: int = 8192) -> int:
    """Flush until nothing pending is left (or a pass logs nothing); how many records were
    logged."""
    total = 0
    while True:
        n = flush(engine=engine, integrator=integrator, limit=limit)
        total += n
        if n == 0:
            return total


class Flusher:
    """A background thread per process and database that flushes the outbox when kicked
    (after a commit), and once more ``idle_s`` seconds after the last kick. After a kick it
    lingers ``linger_s`` before flushing, and kicks while it lingers or works coalesce: a
    stream of single gate calls becomes a few ledger batches a second instead of one batch
    (and one durable ledger commit) per call, which took the write lock and the CPU from the
    next call (issue 15's measurements)."""

    def __init__(self, engine: Engine, integrator: Integrator, *, idle_s: float = 2.0,
                 linger_s: float = 0.2) -> None:
        self.engine = engine
        self.integrator = integrator
        self.idle_s = idle_s
        self.linger_s = linger_s
        self._event = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="zeren-ledger-outbox")
                self._thread.start()
        self._event.set()

    def _run(self) -> None:
        # The thread lives while there is work: after a quiet interval with nothing to flush
        # it ends, and the next kick starts another (no thread polls an idle database).
        while not self._stop.is_set():
            kicked = self._event.wait(self.idle_s)
            if kicked and self.linger_s > 0:
                self._stop.wait(self.linger_s)
            self._event.clear()
            try:
                n = flush_all(engine=self.engine, integrator=self.integrator)
            except Exception:  # the thread must outlive any one failure
                log.exception("ledger outbox flush failed")
                n = 0
            if not kicked and n == 0:
                with self._lock:
                    if not self._event.is_set():
                        self._thread = None
                        return

    def stop(self) -> None:
        self._stop.set()
        self._event.set()
        t = self._thread
        if t is not None:
            t.join(timeout=30)


@lru_cache(maxsize=8)
def flusher_for(engine: Engine, data_dir: Path | None = None) -> Flusher:
    from zeren.ledger.service import integrator_for

    return Flusher(engine, integrator_for(engine, data_dir))


def logged(*, session: Session, seqs: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Where each of ``seqs`` went in the ledger (only those already logged); for a batch
    row, its first record's entry (the others follow it in order)."""
    ids = list(seqs)
    if not ids:
        return {}
    rows = session.execute(select(T.c.seq, T.c.log, T.c.log_index)
                           .where(T.c.seq.in_(ids), T.c.logged_at.is_not(None)))
    return {int(s): (str(lg), int(ix)) for s, lg, ix in rows}
