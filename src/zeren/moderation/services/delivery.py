"""What leaves Zeren after a commit: webhook messages (signed with HMAC-SHA256, retried with
back-off until delivered or spent) and records for the tamper-evident ledger (appended
through the ledger's ``RecordLog`` interface). Both read outboxes written in the same
transaction as the change, so nothing is announced that did not happen, and nothing that
happened is lost if the process stops: the next run picks it up."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.db.session import unit_of_work
from zeren.errors import NotFound
from zeren.ledger.interfaces import RecordLog
from zeren.moderation import domain as d
from zeren.moderation.models import LedgerOutbox, OutboxMessage, Webhook

log = logging.getLogger("zeren.moderation")

Poster = Callable[[str, bytes, dict[str, str]], int]


def create_webhook(*, session: Session, actor: Actor, platform_id: str, url: str) -> Webhook:
    """Subscribe ``url`` to the platform's measure changes (moderation.admin); the secret is
    returned once."""
    actor.require("moderation.admin", platform_id)
    h = Webhook(platform_id=platform_id, url=url, secret=secrets.token_urlsafe(32),
                created_by=actor.username)
    session.add(h)
    session.flush()
    record(session=session, actor=actor, action="moderation.webhook.create",
           target_type="webhook", target_id=h.id, platform_id=platform_id,
           summary={"url": url})
    return h


def deactivate_webhook(*, session: Session, actor: Actor, webhook_id: str) -> Webhook:
    """Stop sending to a webhook (moderation.admin); its messages stay on record."""
    h = session.get(Webhook, webhook_id)
    if h is None:
        raise NotFound(f"no webhook {webhook_id}", details={"field": "webhook_id"})
    actor.require("moderation.admin", h.platform_id)
    h.active = False
    record(session=session, actor=actor, action="moderation.webhook.deactivate",
           target_type="webhook", target_id=h.id, platform_id=h.platform_id)
    return h


def list_webhooks(*, session: Session, actor: Actor, platform_id: str) -> list[Webhook]:
    """Webhooks of a platform (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return list(session.scalars(select(Webhook).where(Webhook.platform_id == platform_id)
                                .order_by(Webhook.created_at)))


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with a short timeout; the status code, or 0 when the network failed."""
    try:
        return httpx.post(url, content=body, headers=headers, timeout=5.0).status_code
    except httpx.HTTPError:
        return 0


Outbox = type[OutboxMessage] | type[LedgerOutbox]


def _claim(*, engine: Engine, table: Outbox, where: Sequence[ColumnElement[bool]],
           order: InstrumentedAttribute[datetime], limit: int, now: datetime,
           lease: timedelta) -> str:
    """Claim up to ``limit`` free rows for this run, in a transaction of its own; the token.

    The conditional UPDATE (``… WHERE id IN (…) AND the row is still free``) is what makes a
    row one run's: of two runs, the second matches 0 rows for a row the first took. On
    PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so concurrent runs pick
    different rows instead of queueing behind each other; SQLite has one writer at a time.
    A run that dies leaves its rows to the next run once the lease has passed."""
    token = new_id()
    free = or_(table.claimed_until.is_(None), table.claimed_until < now)
    with unit_of_work(engine) as s:
        q = select(table.id).where(*where, free).order_by(order).limit(limit)
        if engine.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list(s.scalars(q))
        if ids:
            s.execute(update(table).where(table.id.in_(ids), *where, free)
                      .values(claim=token, claimed_until=now + lease)
                      .execution_options(synchronize_session=False))
    return token


def deliver_due(*, engine: Engine, now: datetime | None = None, post: Poster = http_post,
                limit: int = 200) -> dict[str, int]:
    """Send every due webhook message once; failures are retried later with back-off. Rows
    are claimed first, so concurrent runs never send one message twice."""
    now = now or utcnow()
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    token = _claim(engine=engine, table=OutboxMessage,
                   where=(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                   order=OutboxMessage.next_attempt_at, limit=limit, now=now,
                   lease=timedelta(seconds=60 + 6 * limit))
    with unit_of_work(engine) as s:
        due = s.execute(select(OutboxMessage, Webhook).join(
            Webhook, Webhook.id == OutboxMessage.webhook_id).where(OutboxMessage.claim == token)
            .order_by(OutboxMessage.next_attempt_at)).all()
        for msg, hook in due:
            body = json.dumps({"id": msg.id, "event": msg.event, "platform_id": msg.platform_id,
                               "created_at": msg.created_at.isoformat(), "data": msg.payload},
                              ensure_ascii=False, sort_keys=True).encode()
            headers = {"Content-Type": "application/json", "X-Zeren-Event": msg.event,
                       "X-Zeren-Delivery": msg.id,
                       "X-Zeren-Signature": d.sign_payload(hook.secret, int(time.time()), body)}
            status = post(hook.url, body, headers) if hook.active else 0
            msg.attempts += 1
            msg.claim, msg.claimed_until = None, None
            if 200 <= status < 300:
                msg.status, msg.delivered_at = "delivered", now
                counts["delivered"] += 1
                continue
            msg.last_error = f"HTTP {status}" if status else "network error or inactive webhook"
            nxt = d.next_attempt(msg.attempts, now)
            if nxt is None:
                msg.status = "dead"
                counts["dead"] += 1
            else:
                msg.next_attempt_at = nxt
                counts["failed"] += 1
    return counts


def flush_ledger(*, engine: Engine, record_log: RecordLog, limit: int = 500) -> int:
    """Append pending records to the ledger and note where each went. Rows are claimed
    first (concurrent flushes never append one row twice); appends run in parallel, outside
    any transaction of ours, so that they share the integrator's batches."""
    now = utcnow()
    token = _claim(engine=engine, table=LedgerOutbox, where=(LedgerOutbox.logged_at.is_(None),),
                   order=LedgerOutbox.created_at, limit=limit, now=now,
                   lease=timedelta(minutes=10))
    with unit_of_work(engine) as s:
        rows = s.scalars(select(LedgerOutbox).where(LedgerOutbox.claim == token)
                         .order_by(LedgerOutbox.created_at)).all()
    if not rows:
        return 0

    def one(r: LedgerOutbox) -> tuple[str, int]:
        rec = {"outbox_id": r.id, **r.record}
        got = record_log.append(record_class=r.record_class, record=rec, subject=r.subject,
                                at=r.created_at)
        return got.log, got.index

    done: dict[str, tuple[str, int]] = {}
    with ThreadPoolExecutor(max_workers=min(16, len(rows))) as pool:
        futures = [(r, pool.submit(one, r)) for r in rows]
        for r, f in futures:
            try:
                done[r.id] = f.result()
            except Exception:  # the row stays pending; the next flush retries it
                log.exception("ledger append failed for %s", r.id)
    with unit_of_work(engine) as s:
        for r in rows:
            values: dict[str, Any] = {"claim": None, "claimed_until": None}
            if r.id in done:
                values.update(log=done[r.id][0], log_index=done[r.id][1], logged_at=utcnow())
            s.execute(update(LedgerOutbox).where(LedgerOutbox.id == r.id,
                                                 LedgerOutbox.claim == token).values(**values)
                      .execution_options(synchronize_session=False))
    return len(done)


def after_commit(*, engine: Engine, data_dir: object) -> None:
    """What a request schedules once its transaction has committed: the ledger, then
    webhooks. Errors are logged; outbox rows stay pending for the next run."""
    from pathlib import Path

    from zeren.ledger.service import record_log_for

    try:
        flush_ledger(engine=engine, record_log=record_log_for(
            engine, Path(str(data_dir)) if data_dir is not None else None))
    except Exception:
        log.exception("ledger flush failed")
    try:
        deliver_due(engine=engine)
    except Exception:
        log.exception("webhook delivery failed")
