"""Reading the ledger: logs, checkpoints, entries, proofs served from stored tiles, exports in
the C2SP tlog-tiles layout, and a full self-check of a stored log. Read-only; never commits.

Proofs are read, not recomputed from entries: a node of height ``h`` lives in the tile at
level ``h // 8``; full tiles come from ``ledger_tiles`` and only the right-edge partial tiles
are assembled from entry leaf hashes (level 0) or the roots of full tiles below. Tiles are
immutable once full (and a partial tile is fixed by its width), so expanded tiles are cached
per process.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from zeren.errors import InvalidInput, NotFound
from zeren.ledger import models as m
from zeren.ledger.integrator import LogInfo, bundle_entries, check_log_name
from zeren.ledger.tree import TreeState, consistency_proof, expand_tile, inclusion_proof
from zeren.ledger.verify import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    VerificationError,
    Verifier,
    bundle_path,
    decode_bundle,
    encode_bundle,
    leaf_hash,
    make_verifier,
    open_checkpoint,
    tile_path,
    tile_widths,
)

INT64_MAX = 2**63 - 1  # sizes and indexes are BIGINT columns


def check_range(value: int, field: str) -> None:
    """Refuse a size or index no log can have (and no database column can hold)."""
    if not 0 <= value <= INT64_MAX:
        raise InvalidInput(f"{field} {value} is out of range (0 … 2^63-1)", field=field)


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str
    created_at: datetime


@dataclass(frozen=True)
class InclusionProof:
    log: str
    index: int
    size: int
    entry: bytes
    proof: list[bytes]
    checkpoint: str

    def to_json(self) -> dict[str, Any]:
        """The JSON shape ``zeren-verify inclusion`` reads."""
        return {
            "log": self.log,
            "index": self.index,
            "size": self.size,
            "entry": base64.b64encode(self.entry).decode(),
            "leaf_hash": base64.b64encode(leaf_hash(self.entry)).decode(),
            "proof": [base64.b64encode(p).decode() for p in self.proof],
            "checkpoint": self.checkpoint,
        }


@dataclass(frozen=True)
class ConsistencyProof:
    log: str
    size1: int
    size2: int
    proof: list[bytes]
    old_checkpoint: str
    new_checkpoint: str

    def to_json(self) -> dict[str, Any]:
        """The JSON shape ``zeren-verify consistency`` reads."""
        return {
            "log": self.log,
            "from": self.size1,
            "to": self.size2,
            "proof": [base64.b64encode(p).decode() for p in self.proof],
            "old_checkpoint": self.old_checkpoint,
            "new_checkpoint": self.new_checkpoint,
        }


# ----------------------------------------------------------------------- logs and checkpoints


def _info(row: Any) -> LogInfo:
    return LogInfo(
        row.id, row.name, row.record_class, row.period, row.origin, bytes(row.public_key)
    )


def get_log(*, session: Session, name: str) -> LogInfo:
    """The log called ``name``; NotFound when there is none."""
    check_log_name(name)
    row = session.execute(select(m.LOGS).where(m.LOGS.c.name == name)).first()
    if row is None:
        raise NotFound(f"unknown log {name}", details={"log": name})
    return _info(row)


def list_logs(*, session: Session) -> list[tuple[LogInfo, StoredCheckpoint]]:
    """Every log with its newest checkpoint."""
    rows = session.execute(select(m.LOGS).order_by(m.LOGS.c.name)).all()
    return [(_info(r), latest_checkpoint(session=session, log=_info(r))) for r in rows]


def logs_with_checkpoints(*, session: Session, ids: Collection[int]
                          ) -> list[tuple[LogInfo, StoredCheckpoint]]:
    """The logs of ``ids`` with their newest checkpoints, by name (what ``list_logs``
    gives, for only the logs asked about)."""
    if not ids:
        return []
    rows = session.execute(select(m.LOGS).where(m.LOGS.c.id.in_(sorted(ids)))
                           .order_by(m.LOGS.c.name)).all()
    return [(_info(r), latest_checkpoint(session=session, log=_info(r))) for r in rows]


def verifier(log: LogInfo) -> Verifier:
    """The log's verifier key (what ``zeren ledger key`` prints)."""
    return make_verifier(log.origin, log.public_key)


def _cp(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(row.size), bytes(row.root_hash), row.note, row.created_at)


def latest_checkpoint(*, session: Session, log: LogInfo) -> StoredCheckpoint:
    row = session.execute(_LATEST_Q, {"lid": log.id}).first()
    assert row is not None, "every log has its size-0 checkpoint"
    return _cp(row)


def checkpoint_at(
    *, session: Session, log: LogInfo, size: int, field: str = "size"
) -> StoredCheckpoint:
    check_range(size, field)
    c = m.CHECKPOINTS
    row = session.execute(select(c).where(c.c.log_id == log.id, c.c.size == size)).first()
    if row is None:
        raise InvalidInput(f"log {log.name} has no checkpoint of size {size}", field=field)
    return _cp(row)


def checkpoint_as_of(*, session: Session, log: LogInfo, at: datetime) -> StoredCheckpoint | None:
    """The newest checkpoint the log had signed at ``at`` (None: the log did not exist yet)."""
    c = m.CHECKPOINTS
    row = session.execute(
        select(c).where(c.c.log_id == log.id, c.c.created_at <= at)
        .order_by(c.c.size.desc()).limit(1)
    ).first()
    return None if row is None else _cp(row)


def checkpoints_signed(*, session: Session, log: LogInfo, start: datetime, end: datetime) -> int:
    """How many checkpoints the log signed in (start, end]."""
    c = m.CHECKPOINTS
    return int(session.execute(
        select(func.count()).select_from(c)
        .where(c.c.log_id == log.id, c.c.created_at > start, c.c.created_at <= end)
    ).scalar_one())


def checkpoint_covering(*, session: Session, log: LogInfo, index: int) -> StoredCheckpoint | None:
    """The first checkpoint whose tree includes entry ``index``, if one exists yet."""
    check_range(index, "index")
    c = m.CHECKPOINTS
    row = session.execute(
        select(c).where(c.c.log_id == log.id, c.c.size > index).order_by(c.c.size).limit(1)
    ).first()
    return None if row is None else _cp(row)


def wait_for_checkpoint(
    *, engine: Engine, log_name: str, index: int, timeout_s: float = 5.0
) -> StoredCheckpoint:
    """Wait until a checkpoint covers entry ``index`` (for callers in other processes)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with Session(engine) as s:
            cp = checkpoint_covering(session=s, log=get_log(session=s, name=log_name), index=index)
        if cp is not None:
            return cp
        if time.monotonic() >= deadline:
            raise NotFound(f"no checkpoint covers entry {index} of {log_name} yet",
                           details={"log": log_name, "index": index})
        time.sleep(0.02)


def get_entry(*, session: Session, log: LogInfo, index: int) -> bytes:
    size = latest_checkpoint(session=session, log=log).size
    if not 0 <= index < size:
        raise InvalidInput(
            f"index {index} is out of range: log {log.name} has {size} entries", field="index"
        )
    return _entry(session, log, index, size)


class BundleCache:
    """A bounded LRU (by bytes) of the entries of full bundles, keyed by (log public key,
    bundle): a full bundle never changes, and reading one entry otherwise means fetching its
    whole bundle row (≈ 50 KB for 200-byte entries) from the database."""

    def __init__(self, max_bytes: int = 32 << 20) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._d: OrderedDict[tuple[bytes, int], tuple[list[bytes], int]] = OrderedDict()

    def get(self, key: tuple[bytes, int]) -> list[bytes] | None:
        v = self._d.get(key)
        if v is None:
            return None
        self._d.move_to_end(key)
        return v[0]

    def put(self, key: tuple[bytes, int], entries: list[bytes]) -> None:
        n = sum(map(len, entries))
        if key in self._d or n > self.max_bytes:
            return
        self._d[key] = (entries, n)
        self.used += n
        while self.used > self.max_bytes:
            self.used -= self._d.popitem(last=False)[1][1]


BUNDLE_CACHE = BundleCache()


def _entry(session: Session, log: LogInfo, index: int, size: int) -> bytes:
    """Entry ``index`` of a tree of ``size``: from the cached full bundle, or read from the
    one bundle row that holds it."""
    bundle, off = divmod(index, TILE_WIDTH)
    if bundle < size // TILE_WIDTH:
        key = (log.public_key, bundle)
        entries = BUNDLE_CACHE.get(key)
        if entries is None:
            entries = bundle_entries(session, log.id, bundle, TILE_WIDTH)
            BUNDLE_CACHE.put(key, entries)
        return entries[off]
    row = session.execute(_ENTRY_Q, {"lid": log.id, "idx": bundle, "off": off}).first()
    if row is None:
        raise VerificationError(f"entry {index} is missing")
    width, count, data = int(row[0]), int(row[1]), bytes(row[2])
    skip = off - (width - count)
    pos = 0
    for _ in range(skip):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    n = int.from_bytes(data[pos : pos + 2], "big")
    if skip < 0 or pos + 2 + n > len(data):
        raise VerificationError(f"entry {index}: its bundle row is damaged")
    return data[pos + 2 : pos + 2 + n]


def find_subject(*, session: Session, subject: str) -> list[tuple[LogInfo, int]]:
    """Every (log, index) whose entry is about ``subject``, in log then index order."""
    s, lg = m.SUBJECTS, m.LOGS
    rows = session.execute(
        select(lg, s.c.idx).join(s, s.c.log_id == lg.c.id)
        .where(s.c.subject == subject).order_by(lg.c.name, s.c.idx)
    ).all()
    return [(_info(r), int(r.idx)) for r in rows]


# ----------------------------------------------------------------------- tiles and proofs


class TileCache:
    """A bounded LRU of expanded tiles (all node levels inside one tile), keyed by
    (log public key, level, index, width)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._d: OrderedDict[tuple[bytes, int, int, int], list[list[bytes]]] = OrderedDict()

    def get(self, key: tuple[bytes, int, int, int]) -> list[list[bytes]] | None:
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def put(self, key: tuple[bytes, int, int, int], value: list[list[bytes]]) -> None:
        self._d[key] = value
        if len(self._d) > self.capacity:
            self._d.popitem(last=False)


TILE_CACHE = TileCache()


def _split(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


class StoredTree:
    """A node source over the stored tiles of one log at one tree size."""

    def __init__(
        self, session: Session, log: LogInfo, size: int, cache: TileCache | None = None
    ) -> None:
        self.session = session
        self.log_id = log.id
        # Cache entries are keyed by the log's public key, not its row id: one process may
        # read several databases (tests, tools), and ids repeat across them; keys do not.
        self.log_key = log.public_key
        self.size = size
        self.cache = cache if cache is not None else TILE_CACHE  # looked up now, not at import

    def tile_hashes(self, level: int, index: int) -> list[bytes]:
        """The hashes of tile (level, index) as of this tree size (full or partial)."""
        width = min(TILE_WIDTH, (self.size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)
        if width <= 0:
            raise VerificationError(f"tile {level}/{index} is beyond tree size {self.size}")
        lid, s = self.log_id, self.session
        if width == TILE_WIDTH:
            blob = s.execute(_TILE_Q, {"lid": lid, "level": level, "idx": index}).scalar_one()
            return _split(bytes(blob))
        if level == 0:
            sha = hashlib.sha256
            return [sha(b"\x00" + e).digest()
                    for e in bundle_entries(s, lid, index, width)]
        lo, hi = index * TILE_WIDTH, index * TILE_WIDTH + width
        t = m.TILES
        q = select(t.c.root).where(
            t.c.log_id == lid, t.c.level == level - 1, t.c.idx >= lo, t.c.idx < hi)
        rows = s.execute(q.order_by(t.c.idx)).scalars().all()
        out = [bytes(r) for r in rows]
        if len(out) != width:
            raise VerificationError(f"tile {level}/{index}: found {len(out)} of {width} hashes")
        return out

    def _expanded(self, level: int, index: int) -> list[list[bytes]]:
        width = min(TILE_WIDTH, (self.size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)
        key = (self.log_key, level, index, width)
        got = self.cache.get(key)
        if got is None:
            got = expand_tile(self.tile_hashes(level, index))
            self.cache.put(key, got)
        return got

    def node(self, height: int, index: int) -> bytes:
        level, r = divmod(height, TILE_HEIGHT)
        first = index << r
        tile = first >> TILE_HEIGHT
        return self._expanded(level, tile)[r][(first & (TILE_WIDTH - 1)) >> r]


_B = m.BUNDLES
_ENTRY_Q = (
    select(_B.c.width, _B.c.count, _B.c.data)
    .where(_B.c.log_id == bindparam("lid"), _B.c.idx == bindparam("idx"),
           _B.c.width > bindparam("off"))
    .order_by(_B.c.width).limit(1)
)
_LATEST_Q = (select(m.CHECKPOINTS).where(m.CHECKPOINTS.c.log_id == bindparam("lid"))
             .order_by(m.CHECKPOINTS.c.size.desc()).limit(1))
_TILE_Q = select(m.TILES.c.hashes).where(
    m.TILES.c.log_id == bindparam("lid"), m.TILES.c.level == bindparam("level"),
    m.TILES.c.idx == bindparam("idx"))


def inclusion(
    *, session: Session, log: LogInfo, index: int, size: int | None = None
) -> InclusionProof:
    """Entry ``index`` with its inclusion proof in the checkpoint of ``size`` (default: newest)."""
    cp = (latest_checkpoint(session=session, log=log) if size is None
          else checkpoint_at(session=session, log=log, size=size))
    if not 0 <= index < cp.size:
        raise InvalidInput(
            f"index {index} is out of range: log {log.name} has {cp.size} entries at that "
            "checkpoint", field="index",
        )
    entry = _entry(session, log, index, cp.size)
    proof = inclusion_proof(StoredTree(session, log, cp.size), index=index, size=cp.size)
    return InclusionProof(log.name, index, cp.size, entry, proof, cp.note)


def consistency(*, session: Session, log: LogInfo, size1: int, size2: int) -> ConsistencyProof:
    """A consistency proof between two of the log's checkpoints."""
    if size1 > size2:
        raise InvalidInput(f"--from {size1} is larger than --to {size2}", field="from")
    old = checkpoint_at(session=session, log=log, size=size1, field="from")
    new = checkpoint_at(session=session, log=log, size=size2, field="to")
    proof = consistency_proof(StoredTree(session, log, size2), size1=size1, size2=size2)
    return ConsistencyProof(log.name, size1, size2, proof, old.note, new.note)


# ----------------------------------------------------------------------- export and self-check


@dataclass(frozen=True)
class ExportReport:
    log: str
    size: int
    tiles: int
    bundles: int
    directory: Path


def _bundle_runs(
    session: Session, log_id: int, size: int
) -> Iterator[tuple[int, int, list[bytes], bytes]]:
    """Every entry bundle of a tree of ``size``, in order: (bundle, width, entries, bytes),
    ``bytes`` being the C2SP bundle encoding of the entries."""
    b = m.BUNDLES
    n_bundles = -(-size // TILE_WIDTH)
    step = 64
    for lo in range(0, n_bundles, step):
        hi = min(n_bundles, lo + step)
        q = (select(b.c.idx, b.c.width, b.c.count, b.c.data)
             .where(b.c.log_id == log_id, b.c.idx >= lo, b.c.idx < hi)
             .order_by(b.c.idx, b.c.width))
        cur, done = lo, 0
        entries: list[bytes] = []
        blobs: list[bytes] = []
        want = min(TILE_WIDTH, size - cur * TILE_WIDTH)
        for idx, width, count, data in session.execute(q):
            idx, width, count = int(idx), int(width), int(count)
            if idx != cur or done >= want:
                if idx == cur:
                    continue  # rows past the checkpoint's size
                raise VerificationError(
                    f"entry bundle {cur} holds {done} of {want} entries")
            if width - count != done:
                raise VerificationError(
                    f"entry bundle {idx}: entries {done}…{width - count - 1} are missing")
            blob = bytes(data)
            got = decode_bundle(blob, expect=count, where=f"entry bundle {idx}")
            if width > want:  # a later batch's row: keep only what the tree holds
                got = got[: want - done]
                blob = encode_bundle(got)
            entries += got
            blobs.append(blob)
            done += len(got)
            if done == want:
                yield cur, want, entries, b"".join(blobs)
                cur, done, entries, blobs = cur + 1, 0, [], []
                want = min(TILE_WIDTH, size - cur * TILE_WIDTH)
        if cur != hi:
            raise VerificationError(f"entry bundle {cur} holds {done} of {want} entries")


def bundle_bytes(*, session: Session, log: LogInfo, index: int, width: int) -> bytes:
    """``tile/entries/<index>[.p/<width>]`` as of the newest checkpoint."""
    size = latest_checkpoint(session=session, log=log).size
    have = min(TILE_WIDTH, size - index * TILE_WIDTH)
    if index < 0 or not 0 < width <= have:
        raise NotFound(f"log {log.name} has no entry bundle {bundle_path(max(index, 0), width)}",
                       details={"log": log.name, "size": size})
    return encode_bundle(bundle_entries(session, log.id, index, width))


def tile_bytes(*, session: Session, log: LogInfo, level: int, index: int, width: int) -> bytes:
    """``tile/<level>/<index>[.p/<width>]`` as of the newest checkpoint."""
    size = latest_checkpoint(session=session, log=log).size
    have = min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)
    if level < 0 or index < 0 or not 0 < width <= have:
        raise NotFound(f"log {log.name} has no tile {tile_path(max(level, 0), max(index, 0), width)}",
                       details={"log": log.name, "size": size})
    return b"".join(StoredTree(session, log, size)._expanded(level, index)[0][:width])


def export(
    *, session: Session, log: LogInfo, out: Path, size: int | None = None
) -> ExportReport:
    """Write the log in the C2SP tlog-tiles layout under ``out`` (checkpoint, tiles, bundles)."""
    cp = (latest_checkpoint(session=session, log=log) if size is None
          else checkpoint_at(session=session, log=log, size=size))
    out.mkdir(parents=True, exist_ok=True)
    tiles = 0
    tree = StoredTree(session, log, cp.size, cache=TileCache(64))
    bundles = 0
    sha = hashlib.sha256
    for idx, width, entries, blob in _bundle_runs(session, log.id, cp.size):
        p = out / bundle_path(idx, width)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(blob)
        bundles += 1
        if width < TILE_WIDTH:  # the partial level-0 tile: from the entries we hold already
            p = out / tile_path(0, idx, width)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"".join(sha(b"\x00" + e).digest() for e in entries))
            tiles += 1
    for level, idx, width in tile_widths(cp.size):
        if level == 0 and width < TILE_WIDTH:
            continue
        p = out / tile_path(level, idx, width)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"".join(tree.tile_hashes(level, idx)))
        tiles += 1
    (out / "checkpoint").write_text(cp.note, encoding="utf-8")
    return ExportReport(log.name, cp.size, tiles, bundles, out)


def self_check(*, session: Session, log: LogInfo) -> int:
    """Re-hash every stored entry of a log and check full tiles and the newest checkpoint
    (signature and root). Returns the size checked; raises VerificationError."""
    cp = latest_checkpoint(session=session, log=log)
    body = open_checkpoint(cp.note, [verifier(log)])
    if body.size != cp.size or body.root_hash != cp.root_hash:
        raise VerificationError(f"checkpoint row of size {cp.size} disagrees with its note")
    state = TreeState()
    t = m.TILES
    stored = {
        (int(r.level), int(r.idx)): (bytes(r.hashes), bytes(r.root))
        for r in session.execute(select(t.c.level, t.c.idx, t.c.hashes, t.c.root)
                                 .where(t.c.log_id == log.id))
    }
    sha = hashlib.sha256
    seen = 0
    for _idx, _width, entries, _blob in _bundle_runs(session, log.id, cp.size):
        for ft in state.extend([sha(b"\x00" + e).digest() for e in entries]):
            if stored.get((ft.level, ft.index)) != (ft.hashes, ft.root):
                raise VerificationError(f"tile {ft.level}/{ft.index} does not match the entries")
        seen += len(entries)
    if seen != cp.size:
        raise VerificationError(f"log holds {seen} entries, checkpoint says {cp.size}")
    if state.root() != cp.root_hash:
        raise VerificationError(f"entries do not hash to the root of checkpoint {cp.size}")
    b = m.BUNDLES
    last, w = divmod(cp.size, TILE_WIDTH)
    n_extra = session.execute(select(func.count()).select_from(b).where(
        b.c.log_id == log.id,
        (b.c.idx > last) | ((b.c.idx == last) & (b.c.width > w)))).scalar_one()
    if n_extra:
        raise VerificationError(f"{n_extra} bundle rows lie beyond the newest checkpoint")
    return cp.size
