"""Append to and read the audit trail. Every write service in Zeren calls ``record``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.models import AuditEvent
from zeren.auth.policy import Actor
from zeren.request_context import current_request_id


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Decimal):
        return str(o)
    raise TypeError(f"cannot digest {type(o).__name__}")


def canonical_json(data: Any) -> bytes:
    """Stable JSON bytes (sorted keys, no spaces) used for digests."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default).encode("utf-8")


def digest(data: Mapping[str, Any] | None) -> str | None:
    if data is None:
        return None
    return hashlib.sha256(canonical_json(dict(data))).hexdigest()


def row_dict(obj: Any) -> dict[str, Any]:
    """The column values of an ORM row, for digests."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    platform_id: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    summary: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail (flushed with the caller's unit of work)."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        platform_id=platform_id,
        before_digest=digest(before),
        after_digest=digest(after),
        request_id=current_request_id(),
        summary=json.loads(canonical_json(dict(summary or {}))),
    )
    session.add(event)
    return event


def list_events(
    *,
    session: Session,
    actor: Actor,
    offset: int,
    limit: int,
    action: str | None = None,
) -> tuple[list[AuditEvent], int]:
    """Newest first: the events of the platforms on which ``actor`` holds audit.read, and
    group-level events (users, tokens) only for a group-wide holder."""
    actor.require("audit.read")
    platform_ids = actor.platforms_for("audit.read")
    q = select(AuditEvent)
    if platform_ids is not None:
        q = q.where(AuditEvent.platform_id.in_(platform_ids))
    if action:
        q = q.where(AuditEvent.action == action)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit)).all()
    return list(rows), total
