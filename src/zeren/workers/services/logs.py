"""Dispatch and working-time logs the platform sends (派单与在线时长记录): segments of time each
worker was logged in taking orders, imported in bulk as an API batch or a CSV file, all or
nothing. Refused with the field named, nothing written: a time without a time zone, a
segment that ends before it starts or runs past the longest in data, a state not in data,
a worker not on the register, and segments of one worker that overlap (in the batch or with
what is already stored)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.bulk import bulk_insert
from zeren.errors import InvalidInput
from zeren.workers import domain as d
from zeren.workers.errors import rejected
from zeren.workers.models import LogImport, LogSegment
from zeren.workers.schemas import SegmentIn
from zeren.workers.services.register import WRITE, ids_by_ref

SEGMENTS = cast(Table, LogSegment.__table__)
CSV_COLUMNS = ("worker_id", "starts_at", "ends_at")


def _digest(segments: Sequence[SegmentIn]) -> str:
    h = hashlib.sha256()
    for s in segments:
        h.update(json.dumps([s.worker_id, s.starts_at.isoformat(), s.ends_at.isoformat(),
                             s.state, s.orders, s.pay_fen], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def import_segments(*, session: Session, actor: Actor, platform_id: str,
                    segments: Sequence[SegmentIn], source: str = "api",
                    sha256: str | None = None) -> LogImport:
    """Store a batch of segments after every check passed; the import row is returned."""
    actor.require(WRITE, platform_id)
    if not segments:
        raise InvalidInput("no segment to import", field="segments")
    if len(segments) > int(d.data()["import"]["max_rows"]):
        raise InvalidInput(f"more than {d.data()['import']['max_rows']} segments in one "
                           "import", field="segments")
    lim = d.limits()
    states = d.states()
    try:
        for i, s in enumerate(segments):
            d.check_segment(s.starts_at, s.ends_at, lim, field=f"segments.{i}")
            d.one_of(s.state, states, f"segments.{i}.state")
    except d.Rejected as exc:
        raise rejected(exc) from None
    ids = ids_by_ref(session, platform_id, {s.worker_id for s in segments})
    for i, s in enumerate(segments):
        if s.worker_id not in ids:
            raise InvalidInput(f"worker {s.worker_id!r} is not on the register",
                               field=f"segments.{i}.worker_id")
    n = len(segments)
    wid = np.fromiter((ids[s.worker_id] for s in segments), dtype=np.int64, count=n)
    start = np.fromiter((int(s.starts_at.timestamp()) for s in segments), np.int64, count=n)
    end = np.fromiter((int(s.ends_at.timestamp()) for s in segments), np.int64, count=n)
    _refuse_overlaps(session, wid, start, end)
    imp = LogImport(platform_id=platform_id, source=source[:300],
                    sha256=sha256 or _digest(segments), rows=n, first_s=int(start.min()),
                    last_s=int(end.max()), imported_by=actor.username)
    session.add(imp)
    session.flush()
    rows: list[dict[str, Any]] = [
        {"platform_id": platform_id, "worker_id": int(w), "start_s": int(a), "end_s": int(b),
         "seconds": int(b - a), "state": s.state, "orders": s.orders, "pay_fen": s.pay_fen,
         "import_id": imp.id}
        for s, w, a, b in zip(segments, wid, start, end, strict=True)]
    bulk_insert(session, SEGMENTS, rows)
    record(session=session, actor=actor, action="workers.log.import", target_type="log_import",
           target_id=imp.id, platform_id=platform_id,
           summary={"rows": n, "source": imp.source, "sha256": imp.sha256})
    return imp


def _refuse_overlaps(session: Session, wid: np.ndarray, start: np.ndarray,
                     end: np.ndarray) -> None:
    """Segments of one worker may not overlap, in the batch or with what is stored."""
    n = len(wid)
    g = LogSegment
    old_w: list[int] = []
    old_s: list[int] = []
    old_e: list[int] = []
    workers = sorted({int(x) for x in wid})
    lo_s, hi_e = int(start.min()), int(end.max())
    for k in range(0, len(workers), 5000):
        for w, a, b in session.execute(select(g.worker_id, g.start_s, g.end_s).where(
                g.worker_id.in_(workers[k:k + 5000]), g.start_s < hi_e, g.end_s > lo_s)):
            old_w.append(w)
            old_s.append(a)
            old_e.append(b)
    all_w = np.concatenate([wid, np.asarray(old_w, dtype=np.int64)])
    all_s = np.concatenate([start, np.asarray(old_s, dtype=np.int64)])
    all_e = np.concatenate([end, np.asarray(old_e, dtype=np.int64)])
    order = np.lexsort((all_s, all_w))
    hit = d.first_overlap(all_w[order], all_s[order], all_e[order])
    if hit is None:
        return
    a, b = int(order[hit - 1]), int(order[hit])
    i, other = (b, a) if b < n else (a, b)
    with_ = f"segment {other}" if other < n else "a segment already stored"
    raise InvalidInput(f"overlaps {with_} of the same worker (shifts of one worker may not "
                       "overlap)", field=f"segments.{i}.starts_at")


def parse_csv(content: bytes) -> list[SegmentIn]:
    """Segments from a CSV file: worker_id, starts_at, ends_at (ISO 8601 with their offset),
    and optionally state, orders, pay_cny (yuan, up to two decimals)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("the CSV lacks column(s): " + ", ".join(missing),
                           field=f"file.{missing[0]}")
    out: list[SegmentIn] = []
    for i, row in enumerate(reader):
        f = f"segments.{i}"
        got: dict[str, Any] = {"worker_id": (row.get("worker_id") or "").strip()}
        for col in ("starts_at", "ends_at"):
            try:
                got[col] = datetime.fromisoformat((row.get(col) or "").strip())
            except ValueError:
                raise InvalidInput(f"{col} is not an ISO 8601 time (line {i + 2})",
                                   field=f"{f}.{col}") from None
        if (row.get("state") or "").strip():
            got["state"] = row["state"].strip()
        try:
            if (row.get("orders") or "").strip():
                got["orders"] = int(row["orders"])
            if (row.get("pay_cny") or "").strip():
                got["pay_fen"] = d.fen(row["pay_cny"], field=f"{f}.pay_cny")
        except d.Rejected as exc:
            raise rejected(exc) from None
        except ValueError:
            raise InvalidInput(f"orders is not a whole number (line {i + 2})",
                               field=f"{f}.orders") from None
        try:
            out.append(SegmentIn(**got))
        except ValueError as exc:
            raise InvalidInput(f"line {i + 2}: {exc}", field=f) from None
    if not out:
        raise InvalidInput("the CSV holds no segment", field="file")
    return out


def import_csv(*, session: Session, actor: Actor, platform_id: str, content: bytes,
               filename: str) -> LogImport:
    segments = parse_csv(content)
    return import_segments(session=session, actor=actor, platform_id=platform_id,
                           segments=segments, source=filename or "upload.csv",
                           sha256=hashlib.sha256(content).hexdigest())
