"""The integrator: the one writer of a log. It takes entries in batches, gives them indexes,
stores entries, the tiles that became full and a signed checkpoint, and commits all of that
in ONE transaction before anyone is told their index.

Unlike Zeren's services, the integrator commits, by design: a caller's index is a promise
that the entry is durable and covered by a signed checkpoint, which is only true after the
commit. It therefore works on its own connection, never on the caller's session; what a
caller logs stays logged even if the caller's own unit of work later rolls back (the log
records what was attempted, which is the honest reading).

Durable before it is given out: the connection's other transactions may run with SQLite's
``synchronous=NORMAL`` (a power loss can roll back the last commits), but a ledger batch is
committed with ``synchronous=FULL`` on SQLite and ``synchronous_commit = on`` on PostgreSQL
(even where the server default is lower), so an index or a signed checkpoint is on disk before
anyone sees it (ADR 0009).

One integrator at a time per log, across processes: on PostgreSQL the transaction takes
``pg_advisory_xact_lock(LOCK_NS, log_id)``; on SQLite it begins with ``BEGIN IMMEDIATE``,
which takes the database's write lock up front. The in-memory right edge of each tree is
checked against the newest checkpoint under that lock and reloaded if another process moved
the log on.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import models as m
from zeren.ledger.keys import LogKeys
from zeren.ledger.personal import SealedPersonal, origin_prefix
from zeren.ledger.tree import FullTile, TreeState
from zeren.ledger.verify import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    Note,
    VerificationError,
    decode_bundle,
    raw_public_key,
    sign_note_text,
)

LOCK_NS = 0x5A52  # "ZR": advisory-lock namespace of the ledger
MOVED_ON = "40001"  # serialization_failure, raised by ledger_expect_size (PostgreSQL)
LOG_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}(/[A-Za-z0-9_.-]{1,20})?$")


@dataclass(frozen=True)
class LogInfo:
    id: int
    name: str
    record_class: str
    period: str
    origin: str
    public_key: bytes


@dataclass(frozen=True)
class Erasure:
    """Destroy the key of sealed personal data, in the same transaction as its tombstone."""

    pd_id: str
    by: str
    legal_basis: str


@dataclass(frozen=True)
class PendingEntry:
    data: bytes
    subject: str | None = None
    personal: SealedPersonal | None = None
    erase: Erasure | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """An entry's place: committed, and covered by the checkpoint of ``checkpoint_size``."""

    log: str
    index: int
    checkpoint_size: int


@dataclass(frozen=True, slots=True)
class Batch:
    """A committed batch: entries ``first … first+count-1``, covered by the checkpoint of
    ``checkpoint_size`` (one object per batch, so bulk loads do not pay per entry)."""

    log: str
    first: int
    count: int
    checkpoint_size: int

    @property
    def indexes(self) -> range:
        return range(self.first, self.first + self.count)

    def receipts(self) -> list[Receipt]:
        return [Receipt(self.log, i, self.checkpoint_size) for i in self.indexes]


def _max_len(column: Any) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


_SUBJECT_MAX = _max_len(m.SUBJECTS.c.subject)
_CLASS_MAX = _max_len(m.PERSONAL.c.record_class)
_SOURCE_MAX = _max_len(m.PERSONAL.c.retention_source)


def check_entry(item: PendingEntry) -> None:
    """Refuse, before it joins a batch, an entry the database would refuse inside one: a batch
    is one transaction, so one bad entry there would fail every other caller's entry too."""
    if len(item.data) > MAX_ENTRY_SIZE:
        raise InvalidInput("entry longer than 65535 bytes", field="data")
    if item.subject is not None and len(item.subject) > _SUBJECT_MAX:
        raise InvalidInput(f"subject longer than {_SUBJECT_MAX} characters", field="subject")
    p = item.personal
    if p is None:
        return
    if p.retain_until is not None and p.retain_until.utcoffset() is None:
        raise InvalidInput("retain_until has no time zone (naive datetime)", field="retain_until")
    for field, value, limit in (("record_class", p.record_class, _CLASS_MAX),
                                ("retention_source", p.retention_source, _SOURCE_MAX)):
        if len(value) > limit:
            raise InvalidInput(f"{field} longer than {limit} characters", field=field)


def check_log_name(name: str) -> tuple[str, str]:
    """Split ``<record class>[/<period>]``; raises InvalidInput on a bad name."""
    if not LOG_NAME.match(name):
        raise InvalidInput(
            f"log name {name!r} must be <class>[/<period>] in lowercase letters, digits, _.-",
            field="log",
        )
    cls, _, period = name.partition("/")
    return cls, period


def find_log(conn: Connection, name: str) -> LogInfo | None:
    t = m.LOGS
    row = conn.execute(select(t).where(t.c.name == name)).mappings().first()
    if row is None:
        return None
    return LogInfo(
        row["id"], row["name"], row["record_class"], row["period"], row["origin"],
        bytes(row["public_key"]),
    )


def bundle_rows(
    conn: Connection | Session, log_id: int, bundle: int, width: int
) -> list[tuple[int, int, bytes]]:
    """(width, count, data) of the rows that make up the first ``width`` entries of a bundle,
    in order; raises VerificationError when a row is missing."""
    rows = conn.execute(_BUNDLE_Q, {"lid": log_id, "idx": bundle, "lo": 0, "hi": width}).all()
    out = [(int(w), int(c), bytes(d)) for w, c, d in rows]
    done = 0
    for w, c, _ in out:
        if w - c != done:
            raise VerificationError(f"entry bundle {bundle}: entries {done}…{w - c - 1} missing")
        done = w
    if done != width:
        # The last row may run past ``width`` (a later batch's row is not cut to size).
        nxt = conn.execute(_BUNDLE_Q, {"lid": log_id, "idx": bundle, "lo": width,
                                       "hi": TILE_WIDTH}).first()
        if nxt is None or int(nxt[0]) - int(nxt[1]) != done:
            raise VerificationError(f"entry bundle {bundle}: holds {done} of {width} entries")
        out.append((int(nxt[0]), int(nxt[1]), bytes(nxt[2])))
    return out


def bundle_entries(
    conn: Connection | Session, log_id: int, bundle: int, width: int
) -> list[bytes]:
    """The first ``width`` entries of entry bundle ``bundle``."""
    out: list[bytes] = []
    for _w, c, data in bundle_rows(conn, log_id, bundle, width):
        out += decode_bundle(data, expect=c, where=f"entry bundle {bundle}")
    return out[:width]


def load_state(conn: Connection, log_id: int, size: int) -> TreeState:
    """Rebuild a log's right edge from its partial bundle and the stored full tiles."""
    t = m.TILES
    sha = hashlib.sha256
    partials: list[list[bytes]] = [[
        sha(b"\x00" + e).digest()
        for e in bundle_entries(conn, log_id, size // TILE_WIDTH, size % TILE_WIDTH)
    ] if size % TILE_WIDTH else []]
    level = 1
    while size >> (TILE_HEIGHT * level):
        n = size >> (TILE_HEIGHT * level)
        w = n % TILE_WIDTH
        partials.append([bytes(h) for (h,) in conn.execute(
            select(t.c.root)
            .where(t.c.log_id == log_id, t.c.level == level - 1, t.c.idx >= n - w, t.c.idx < n)
            .order_by(t.c.idx)
        )])
        level += 1
    return TreeState.from_partials(size, partials)


# Statements run once per batch, built once (SQLAlchemy then only looks up its compiled form).
_C = m.CHECKPOINTS
_SIZE_Q = (select(_C.c.size).where(_C.c.log_id == bindparam("lid"))
           .order_by(_C.c.size.desc()).limit(1))
_INSERT_CP = insert(_C)
_CREATED_AT = _C.c.created_at.type
_B = m.BUNDLES
_BUNDLE_Q = (
    select(_B.c.width, _B.c.count, _B.c.data)
    .where(_B.c.log_id == bindparam("lid"), _B.c.idx == bindparam("idx"),
           _B.c.width > bindparam("lo"), _B.c.width <= bindparam("hi"))
    .order_by(_B.c.width)
)


def bundle_runs(first: int, entries: Sequence[bytes]) -> list[tuple[int, int, int, bytes]]:
    """Rows for ``entries`` appended at index ``first``: (bundle, width, count, data), one per
    entry bundle the batch touches; data is the C2SP bundle encoding of the row's entries."""
    out = []
    pos, n = 0, len(entries)
    while pos < n:
        at = first + pos
        bundle, off = divmod(at, TILE_WIDTH)
        take = min(TILE_WIDTH - off, n - pos)
        run = entries[pos : pos + take]
        out.append((bundle, off + take, take,
                    b"".join([len(e).to_bytes(2, "big") + e for e in run])))
        pos += take
    return out


SYNC_COMMIT_ON = "SET LOCAL synchronous_commit TO on"


@contextlib.contextmanager
def durable_commit(conn: Connection) -> Iterator[None]:
    """On SQLite, commit what runs inside with ``synchronous=FULL`` (the WAL is synced at that
    commit) and put the connection's own setting back afterwards; other transactions keep the
    engine's ``NORMAL``. PostgreSQL callers send ``SYNC_COMMIT_ON`` inside the transaction
    (``SET LOCAL`` ends with it), which overrides a lower server or role default."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw: Any = conn.connection.driver_connection
    # The driver's own execute: no SQLAlchemy transaction is opened, and a PRAGMA does not
    # start an SQLite one, so the setting is changed outside the batch's transaction.
    prev = int(raw.execute("PRAGMA synchronous").fetchone()[0])
    raw.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # keep the original error, if any
            raw.execute(f"PRAGMA synchronous={prev:d}")


def current_size(conn: Connection, log_id: int) -> int:
    return int(conn.execute(_SIZE_Q, {"lid": log_id}).scalar_one())


class Integrator:
    """Appends to logs in batches; see the module docstring for the guarantees."""

    def __init__(
        self,
        engine: Engine,
        *,
        keys: LogKeys | None = None,
        batch_size: int | None = None,
        batch_ms: int | None = None,
    ) -> None:
        if batch_size is None or batch_ms is None:
            from zeren.config import get_settings

            s = get_settings()
            batch_size = s.ledger_batch_size if batch_size is None else batch_size
            batch_ms = s.ledger_batch_ms if batch_ms is None else batch_ms
        self.engine = engine
        self.keys = keys if keys is not None else LogKeys()
        self.batch_size = max(1, batch_size)
        self.batch_ms = max(0, batch_ms)
        self._logs: dict[str, LogInfo] = {}
        self._states: dict[int, TreeState] = {}
        self._write = threading.Lock()
        self._queue: queue.Queue[tuple[str, PendingEntry, Future[Receipt]] | None] = (
            queue.Queue()
        )
        self._worker: threading.Thread | None = None
        self._pending_sync = False

    # ----------------------------------------------------------------- logs

    def log(self, name: str, *, create: bool = True) -> LogInfo:
        """The log called ``name``; created (with its key and empty checkpoint) on first use."""
        if name in self._logs:
            return self._logs[name]
        cls, period = check_log_name(name)
        with self.engine.connect() as conn:
            info = find_log(conn, name)
        if info is None:
            if not create:
                raise NotFound(f"unknown log {name}", details={"log": name})
            info = self._create_log(name, cls, period)
        key = self.keys.signing_key(name, create=False, public_key=info.public_key)
        if raw_public_key(key.public_key()) != info.public_key:
            raise Conflict(
                f"the signing key file of log {name} is not the key the log was created with",
                details={"log": name, "path": str(self.keys.path(name))},
            )
        self._logs[name] = info
        return info

    def _create_log(self, name: str, cls: str, period: str) -> LogInfo:
        key = self.keys.signing_key(name, create=True)
        origin = f"{origin_prefix()}/{name}"
        now = datetime.now(UTC)
        try:
            with self.engine.connect() as conn, durable_commit(conn), conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(SYNC_COMMIT_ON)
                res = conn.execute(insert(m.LOGS).values(
                    name=name, record_class=cls, period=period, origin=origin,
                    public_key=raw_public_key(key.public_key()), created_at=now,
                ))
                log_id = int(res.inserted_primary_key[0])  # type: ignore[index]
                cp = Checkpoint(origin, 0, TreeState().root())
                self._insert_checkpoint(conn, log_id, cp, name, origin, now)
        except IntegrityError:
            pass  # created meanwhile by another process
        with self.engine.connect() as conn:
            info = find_log(conn, name)
        assert info is not None
        return info

    def _insert_checkpoint(
        self, conn: Connection, log_id: int, cp: Checkpoint, name: str, origin: str,
        now: datetime,
    ) -> None:
        text = cp.text()
        sig = sign_note_text(text, name=origin, private_key=self.keys.signing_key(name))
        conn.execute(_INSERT_CP, {
            "log_id": log_id, "size": cp.size, "root_hash": cp.root_hash,
            "note": Note(text, [sig]).encode().decode(), "created_at": now,
        })

    # ----------------------------------------------------------------- writing

    def _lock(self, conn: Connection, log_id: int) -> None:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, log_id))
        else:
            # Take SQLite's write lock now, not at the first INSERT, so that reading the
            # tree's size and writing the batch happen under one lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def append_batch(
        self, name: str, items: Sequence[PendingEntry], *, conn: Connection | None = None
    ) -> Batch:
        """Append ``items`` (at least one) as one batch in one transaction (on ``conn`` when
        given: bulk loads keep one connection instead of checking one out per batch)."""
        if not items:
            raise InvalidInput("nothing to append", field="items")
        for it in items:
            check_entry(it)
        info = self.log(name)
        with self._write:
            for attempt in (1, 2):
                try:
                    if conn is not None:
                        return self._append_locked(info, items, conn)
                    with self.engine.connect() as own:
                        return self._append_locked(info, items, own)
                except BaseException as exc:
                    self._states.pop(info.id, None)  # the edge may be half-updated: reload
                    if conn is not None:
                        with contextlib.suppress(Exception):  # keep the original error
                            conn.rollback()
                    orig = getattr(exc, "orig", exc)  # SQLAlchemy wraps, the driver does not
                    if attempt == 2 or getattr(orig, "sqlstate", None) != MOVED_ON:
                        raise
                    # another process appended meanwhile: once more, reading the size first
            raise AssertionError("unreachable")

    def _append_locked(
        self, info: LogInfo, items: Sequence[PendingEntry], conn: Connection
    ) -> Batch:
        with durable_commit(conn):
            return self._append_durable(info, items, conn)

    def _append_durable(
        self, info: LogInfo, items: Sequence[PendingEntry], conn: Connection
    ) -> Batch:
        now = datetime.now(UTC)
        lid = info.id
        conn.begin()  # so that conn.commit() commits even when only the driver was used
        pg = conn.dialect.name == "postgresql"
        if pg:
            # SET LOCAL lasts until this transaction ends; sent in the batch's first pipeline.
            self._pending_sync = True
        state = self._states.get(lid)
        guard = pg and state is not None and not any(it.erase for it in items)
        if guard:
            assert state is not None
            size = state.size  # checked under the lock, in the same round trip as the writes
        elif pg:
            size = self._lock_and_size_pg(conn, lid)
        else:
            self._lock(conn, lid)
            size = current_size(conn, lid)
        if state is None or state.size != size:
            state = load_state(conn, lid, size)
            self._states[lid] = state
        datas = [it.data for it in items]
        sha = hashlib.sha256
        tiles = state.extend([sha(b"\x00" + d).digest() for d in datas])  # = leaf_hash
        bundles = [(lid, *run) for run in bundle_runs(size, datas)]
        cp = Checkpoint(info.origin, state.size, state.root())
        if pg:
            self._write_pg(conn, lid, bundles, tiles, cp, self._signed(info, cp), now,
                           expect=size if guard else None)
            self._side_rows(conn, lid, size, items, now)
        else:
            self._side_rows(conn, lid, size, items, now)
            self._write_sqlite(conn, lid, bundles, tiles, cp, self._signed(info, cp), now)
        conn.commit()
        return Batch(info.name, size, len(items), state.size)

    def _signed(self, info: LogInfo, cp: Checkpoint) -> str:
        text = cp.text()
        sig = sign_note_text(text, name=info.origin, private_key=self.keys.signing_key(info.name))
        return Note(text, [sig]).encode().decode()

    def _write_sqlite(
        self, conn: Connection, lid: int, bundles: list[tuple[int, int, int, int, bytes]],
        tiles: list[FullTile], cp: Checkpoint, note: str, now: datetime,
    ) -> None:
        # The hot path: the driver's own cursor, no per-row SQLAlchemy parameter handling.
        when = _CREATED_AT.bind_processor(conn.dialect)
        cur = conn.connection.cursor()
        try:
            cur.executemany(
                "INSERT INTO ledger_bundles (log_id, idx, width, count, data) "
                "VALUES (?, ?, ?, ?, ?)", bundles,
            )
            if tiles:
                cur.executemany(
                    "INSERT INTO ledger_tiles (log_id, level, idx, hashes, root) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(lid, t.level, t.index, t.hashes, t.root) for t in tiles],
                )
            cur.execute(
                "INSERT INTO ledger_checkpoints (log_id, size, root_hash, note, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (lid, cp.size, cp.root_hash, note, when(now) if when else now),
            )
        finally:
            cur.close()

    # PostgreSQL: psycopg's pipeline mode sends statements without waiting for each answer,
    # so a batch costs three round trips (lock + size, the writes, COMMIT) instead of one
    # per statement. Each statement still runs, and takes its snapshot, after the one before
    # it, so the size is read under the advisory lock.

    def _lock_and_size_pg(self, conn: Connection, lid: int) -> int:
        drv: Any = conn.connection.driver_connection
        with drv.pipeline(), drv.cursor() as lock, drv.cursor() as cur:
            self._sync_on(lock)
            lock.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, lid))
            cur.execute(
                "SELECT size FROM ledger_checkpoints WHERE log_id = %s "
                "ORDER BY size DESC LIMIT 1", (lid,),
            )
            row = cur.fetchone()
        assert row is not None, "every log has its size-0 checkpoint"
        return int(row[0])

    def _sync_on(self, cur: Any) -> None:
        """Once per PostgreSQL batch: this transaction commits with synchronous_commit on."""
        if self._pending_sync:
            cur.execute(SYNC_COMMIT_ON)
            self._pending_sync = False

    def _write_pg(
        self, conn: Connection, lid: int, bundles: list[tuple[int, int, int, int, bytes]],
        tiles: list[FullTile], cp: Checkpoint, note: str, now: datetime, expect: int | None,
    ) -> None:
        drv: Any = conn.connection.driver_connection
        with drv.pipeline(), drv.cursor() as cur:
            self._sync_on(cur)
            if expect is not None:
                # Optimistic: we believe the log has ``expect`` entries. Take the lock, then
                # let the database refuse the whole batch if another writer moved the log on
                # (ledger_expect_size raises serialization_failure; we reload and retry).
                cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, lid))
                cur.execute("SELECT ledger_expect_size(%s, %s)", (lid, expect))
            cur.executemany(
                "INSERT INTO ledger_bundles (log_id, idx, width, count, data) "
                "VALUES (%s, %s, %s, %s, %s)", bundles,
            )
            if tiles:
                cur.executemany(
                    "INSERT INTO ledger_tiles (log_id, level, idx, hashes, root) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(lid, t.level, t.index, t.hashes, t.root) for t in tiles],
                )
            cur.execute(
                "INSERT INTO ledger_checkpoints (log_id, size, root_hash, note, created_at) "
                "VALUES (%s, %s, %s, %s, %s)", (lid, cp.size, cp.root_hash, note, now),
            )

    def _side_rows(
        self, conn: Connection, lid: int, size: int, items: Sequence[PendingEntry],
        now: datetime,
    ) -> None:
        subjects = [
            {"log_id": lid, "idx": size + i, "subject": it.subject}
            for i, it in enumerate(items) if it.subject
        ]
        if subjects:
            conn.execute(insert(m.SUBJECTS), subjects)
        # entries of one outbox batch share one sealed record: stored once
        sealed = list({it.personal.id: it.personal for it in items
                       if it.personal is not None}.values())
        if sealed:
            conn.execute(insert(m.PERSONAL), [
                {"id": p.id, "record_class": p.record_class, "nonce": p.nonce,
                 "ciphertext": p.ciphertext, "retain_until": p.retain_until,
                 "retention_source": p.retention_source, "created_at": now} for p in sealed
            ])
            conn.execute(insert(m.PD_KEYS),
                         [{"pd_id": p.id, "key": p.key} for p in sealed])
        k = m.PD_KEYS
        for it in items:
            if it.erase is None:
                continue
            res = conn.execute(
                update(k).where(k.c.pd_id == it.erase.pd_id, k.c.key.is_not(None))
                .values(key=None, destroyed_at=now, destroyed_by=it.erase.by,
                        legal_basis=it.erase.legal_basis)
            )
            if res.rowcount != 1:
                raise Conflict("personal data already erased or unknown",
                               details={"pd_id": it.erase.pd_id})

    def append(self, name: str, items: Sequence[PendingEntry]) -> list[Batch]:
        """Append many entries, ``batch_size`` at a time (bulk loads)."""
        with self.engine.connect() as conn:
            return [
                self.append_batch(name, items[i : i + self.batch_size], conn=conn)
                for i in range(0, len(items), self.batch_size)
            ]

    # ----------------------------------------------------------------- batching queue

    def submit(self, name: str, item: PendingEntry) -> Future[Receipt]:
        """Queue one entry; the future resolves once its batch has committed. An entry that
        cannot be stored fails its own future here and is never queued."""
        fut: Future[Receipt] = Future()
        try:
            check_log_name(name)
            check_entry(item)
        except InvalidInput as exc:
            fut.set_exception(exc)
            return fut
        with self._write:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="zeren-ledger-integrator", daemon=True
                )
                self._worker.start()
        self._queue.put((name, item, fut))
        return fut

    def _run(self) -> None:
        q = self._queue
        while True:
            first = q.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.batch_ms / 1000
            stop = False
            while len(batch) < self.batch_size:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    nxt = q.get(timeout=left)
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._flush(batch)
            if stop:
                return

    def _flush(self, batch: list[tuple[str, PendingEntry, Future[Receipt]]]) -> None:
        by_log: dict[str, list[tuple[PendingEntry, Future[Receipt]]]] = {}
        for name, item, fut in batch:
            by_log.setdefault(name, []).append((item, fut))
        for name, pairs in by_log.items():
            try:
                receipts = self.append_batch(name, [p for p, _ in pairs]).receipts()
            except BaseException as exc:
                for _, fut in pairs:
                    fut.set_exception(exc)
            else:
                for (_, fut), r in zip(pairs, receipts, strict=True):
                    fut.set_result(r)

    def close(self) -> None:
        """Flush what is queued and stop the worker."""
        w = self._worker
        if w is not None and w.is_alive():
            self._queue.put(None)
            w.join()
        self._worker = None
