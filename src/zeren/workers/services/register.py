"""The register of gig workers (指南 第三十条): each worker with the kind of work and the
city whose minimum wage applies; who they are (name, phone, id number) is sealed in the
ledger's personal-data store through the shared outbox, with the retention in data, so it
can be erased without touching any proof. A batch is written all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.db.bulk import bulk_insert
from zeren.errors import InvalidInput
from zeren.ledger import outbox
from zeren.pagination import PageParams
from zeren.workers import domain as d
from zeren.workers.errors import rejected
from zeren.workers.models import Worker
from zeren.workers.schemas import WorkerIn

READ = "workers.read"
WRITE = "workers.write"
LEDGER_CLASS = "workers"
WORKERS = cast(Table, Worker.__table__)


def register_workers(*, session: Session, actor: Actor, platform_id: str,
                     workers: Sequence[WorkerIn], now: datetime | None = None) -> int:
    """Register workers not yet known (a known worker_id is refused, naming its row)."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    seen: set[str] = set()
    for i, w in enumerate(workers):
        try:
            d.one_of(w.kind, d.kinds(), f"workers.{i}.kind")
            d.minimum_wage(w.city, field=f"workers.{i}.city")
        except d.Rejected as exc:
            raise rejected(exc) from None
        if w.worker_id in seen:
            raise InvalidInput(f"worker {w.worker_id!r} twice in the batch",
                               field=f"workers.{i}.worker_id")
        seen.add(w.worker_id)
    known = set(session.scalars(select(Worker.worker_ref).where(
        Worker.platform_id == platform_id, Worker.worker_ref.in_(seen)))) if seen else set()
    for i, w in enumerate(workers):
        if w.worker_id in known:
            raise InvalidInput(f"worker {w.worker_id!r} is already registered",
                               field=f"workers.{i}.worker_id")
    ret = d.data()["retention"]
    items = [outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=f"worker:{platform_id}:{w.worker_id}",
        record={"event": "worker_registered", "platform_id": platform_id,
                "worker_ref": w.worker_id, "kind": w.kind, "city": w.city},
        personal=w.personal.model_dump(exclude_none=True) if w.personal else None,
        retain_until=now + timedelta(days=366 * int(ret["years"])) if w.personal else None,
        retention_source=str(ret["source"]) if w.personal else "") for w in workers]
    refs = outbox.enqueue_many(session=session, items=items)
    rows: list[dict[str, Any]] = [
        {"platform_id": platform_id, "worker_ref": w.worker_id, "kind": w.kind, "city": w.city,
         "personal_ref": ref, "registered_by": actor.username, "created_at": now}
        for w, ref in zip(workers, refs, strict=True)]
    bulk_insert(session, WORKERS, rows)
    record(session=session, actor=actor, action="workers.register", target_type="workers",
           target_id=workers[0].worker_id if workers else "", platform_id=platform_id,
           summary={"count": len(rows)})
    return len(rows)


def list_workers(*, session: Session, actor: Actor, platform_id: str, params: PageParams
                 ) -> tuple[list[Worker], int]:
    actor.require(READ, platform_id)
    from sqlalchemy import func

    q = select(Worker).where(Worker.platform_id == platform_id)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(Worker.worker_ref).offset(params.offset)
                                .limit(params.limit)))
    return rows, int(total)


def ids_by_ref(session: Session, platform_id: str, refs: set[str]) -> dict[str, int]:
    """Worker row ids of the platform's workers named by their refs (those known)."""
    out: dict[str, int] = {}
    items = sorted(refs)
    for lo in range(0, len(items), 5000):
        for ref, wid in session.execute(select(Worker.worker_ref, Worker.id).where(
                Worker.platform_id == platform_id, Worker.worker_ref.in_(items[lo:lo + 5000]))):
            out[ref] = wid
    return out
