"""Webhook routes: subscribe, list, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require_on_record
from zeren.moderation.api.common import Admin, P, Read, pid
from zeren.moderation.schemas import WebhookCreated, WebhookIn, WebhookRead
from zeren.moderation.services import delivery

router = APIRouter()


@router.post(P + "/webhooks", response_model=WebhookCreated, status_code=201)
def add_webhook(platform_id: str, body: WebhookIn, session: SessionDep, actor: Admin
                ) -> WebhookCreated:
    """Subscribe a URL to measure changes; the signing secret is shown once."""
    h = delivery.create_webhook(session=session, actor=actor,
                                platform_id=pid(session, platform_id), url=str(body.url))
    return WebhookCreated(id=h.id, url=h.url, active=h.active, created_at=h.created_at,
                          secret=h.secret)


@router.get(P + "/webhooks", response_model=list[WebhookRead])
def webhooks(platform_id: str, session: SessionDep, actor: Read) -> list[WebhookRead]:
    return [WebhookRead.model_validate(h) for h in delivery.list_webhooks(
        session=session, actor=actor, platform_id=pid(session, platform_id))]


@router.post("/moderation/webhooks/{webhook_id}/deactivation", response_model=WebhookRead)
def deactivate(webhook_id: str, session: SessionDep,
               actor: Annotated[Actor, Depends(require_on_record("moderation.admin"))]
               ) -> WebhookRead:
    """Stop delivering to a webhook (moderation.admin on the webhook's platform)."""
    return WebhookRead.model_validate(delivery.deactivate_webhook(
        session=session, actor=actor, webhook_id=webhook_id))
