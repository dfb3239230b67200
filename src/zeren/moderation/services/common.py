"""Small writes every seam shares: one event in a case's history, a webhook message for each
active subscription, a record for the ledger (appended after commit, see
``delivery.flush_ledger``), an account's inbox token, and reading one measure."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.errors import NotFound
from zeren.moderation.models import CaseEvent, LedgerOutbox, Measure, OutboxMessage, Subject, Webhook

LEDGER_MEASURES = "moderation.measures"
LEDGER_STATEMENTS = "moderation.statements"
LEDGER_APPEALS = "moderation.appeals"

# Who acts when the public form or a notice inbox is used: no grants, attributed by name.
PUBLIC_ACTOR = Actor(user_id="public", username="public", grants=(), via="public")


def case_event(*, session: Session, case_id: str, kind: str, actor: str,
               data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one event to a case's history."""
    ev = CaseEvent(case_id=case_id, kind=kind, actor=actor, data=data or {})
    if at is not None:
        ev.created_at = at
    session.add(ev)


def publish(*, session: Session, platform_id: str, event: str, payload: dict[str, Any],
            now: datetime) -> int:
    """Queue a webhook message for every active subscription of the platform."""
    hooks = session.scalars(select(Webhook).where(Webhook.platform_id == platform_id,
                                                  Webhook.active.is_(True))).all()
    for h in hooks:
        session.add(OutboxMessage(platform_id=platform_id, webhook_id=h.id, event=event,
                                  payload=payload, next_attempt_at=now))
    return len(hooks)


def to_ledger(*, session: Session, record_class: str, record: dict[str, Any],
              subject: str | None) -> None:
    """Queue a record for the ledger; it is appended once this transaction has committed."""
    session.add(LedgerOutbox(record_class=record_class, record=record, subject=subject))


def ensure_inbox(account: Subject) -> str:
    """The account's inbox token (created the first time it is needed)."""
    if not account.inbox_token:
        account.inbox_token = secrets.token_urlsafe(24)
    return account.inbox_token


def new_link_secret() -> tuple[str, str]:
    """A secret for a party's link and the SHA-256 Zeren keeps of it (the secret itself is
    shown once)."""
    token = secrets.token_urlsafe(24)
    return token, link_hash(token)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def party_actor(party: str, name: str) -> Actor:
    """Who acts through a party's secret link: no grants, attributed by party and name."""
    return Actor(user_id=f"public:{party}", username=f"{party}:{name}"[:100], grants=(),
                 via="link")


def get_measure(*, session: Session, measure_id: str) -> Measure:
    m = session.get(Measure, measure_id)
    if m is None:
        raise NotFound(f"no measure {measure_id}", details={"field": "measure_id"})
    return m
