"""Send notifications: e-mail through the SMTP server named in the settings (``smtp_*``) and
webhooks signed like moderation's (``X-Zeren-Signature: t=<unix>,v1=<HMAC-SHA256>``). Every
message is recorded with its outcome; a failed one is tried again by ``retry_failed`` (the
job runner) up to ``MAX_ATTEMPTS`` times. Sending happens in jobs, never in a request."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import smtplib
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.config import Settings, get_settings
from zeren.db.base import utcnow
from zeren.errors import InvalidInput
from zeren.notify.models import Channel, Message

log = logging.getLogger("zeren.notify")
MAX_ATTEMPTS = 5
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def add_channel(*, session: Session, actor: Actor, platform_id: str, kind: str, target: str,
                events: list[str]) -> Channel:
    """Add an e-mail or webhook channel; a webhook's secret is returned once, on the row."""
    import re

    actor.require("notify.write", platform_id)
    if kind not in ("email", "webhook"):
        raise InvalidInput("kind must be email or webhook", field="kind")
    if kind == "email" and not re.match(EMAIL_RE, target):
        raise InvalidInput("target is not an e-mail address", field="target")
    if kind == "webhook" and not target.startswith(("https://", "http://")):
        raise InvalidInput("target must be an http(s) URL", field="target")
    if not events or any(not e.strip() for e in events):
        raise InvalidInput("name at least one event prefix, or '*'", field="events")
    ch = Channel(platform_id=platform_id, kind=kind, target=target, events=events,
                 secret=secrets.token_urlsafe(32) if kind == "webhook" else "",
                 created_by=actor.username)
    session.add(ch)
    session.flush()
    record(session=session, actor=actor, action="notify.channel.add", target_type="channel",
           target_id=ch.id, platform_id=platform_id,
           summary={"kind": kind, "target": target, "events": events})
    return ch


def channels(*, session: Session, actor: Actor, platform_id: str) -> list[Channel]:
    actor.require("notify.read", platform_id)
    return list(session.scalars(select(Channel).where(Channel.platform_id == platform_id)
                                .order_by(Channel.created_at)))


def messages(*, session: Session, actor: Actor, platform_id: str, limit: int = 200
             ) -> list[Message]:
    actor.require("notify.read", platform_id)
    return list(session.scalars(select(Message).where(Message.platform_id == platform_id)
                                .order_by(Message.created_at.desc()).limit(limit)))


def _wants(ch: Channel, event: str) -> bool:
    return any(p == "*" or event == p or event.startswith(p.rstrip("*")) for p in ch.events)


def _text(subject_zh: str, subject_en: str, body: dict[str, Any]) -> str:
    lines = [subject_zh, subject_en, ""]
    lines += [f"{k}: {v}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


def send_email(settings: Settings, to: str, subject: str, text: str) -> None:
    if not settings.smtp_host:
        raise RuntimeError("no SMTP server is set (ZEREN_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.smtp_from, to, subject
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="zeren")
    msg.set_content(text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(msg)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def send_webhook(ch: Channel, msg: Message) -> None:
    body = json.dumps({"id": msg.id, "event": msg.event, "platform_id": msg.platform_id,
                       "subject": msg.subject, "data": msg.body}, ensure_ascii=False,
                      sort_keys=True, default=str).encode()
    resp = httpx.post(ch.target, content=body, timeout=5.0, headers={
        "Content-Type": "application/json", "X-Zeren-Event": msg.event,
        "X-Zeren-Delivery": msg.id, "X-Zeren-Signature": sign(ch.secret, int(time.time()), body)})
    if not 200 <= resp.status_code < 300:
        raise RuntimeError(f"HTTP {resp.status_code}")


def _deliver(ch: Channel, msg: Message, settings: Settings, now: datetime) -> None:
    msg.attempts += 1
    try:
        if ch.kind == "email":
            send_email(settings, ch.target, msg.subject,
                       _text(msg.subject, str(msg.body.get("_subject_en", "")),
                             {k: v for k, v in msg.body.items() if not k.startswith("_")}))
        else:
            send_webhook(ch, msg)
    except Exception as exc:  # any failure is recorded and retried; nothing propagates
        log.warning("notification %s via %s failed: %s", msg.id, ch.kind, exc)
        msg.status, msg.last_error = "failed", str(exc)[:2000]
        return
    msg.status, msg.sent_at, msg.last_error = "sent", now, ""


def notify(*, session: Session, platform_id: str, event: str, key: str, subject_zh: str,
           subject_en: str, body: dict[str, Any], settings: Settings | None = None,
           now: datetime | None = None) -> int:
    """Send to every active channel of the platform that wants ``event``, once per ``key``;
    returns how many messages went out now."""
    settings = settings or get_settings()
    now = now or utcnow()
    sent = 0
    for ch in session.scalars(select(Channel).where(Channel.platform_id == platform_id,
                                                    Channel.active.is_(True))):
        if not _wants(ch, event):
            continue
        if session.scalar(select(Message.id).where(Message.channel_id == ch.id,
                                                   Message.key == key)) is not None:
            continue
        msg = Message(platform_id=platform_id, channel_id=ch.id, event=event, key=key[:200],
                      subject=subject_zh[:300], body={**body, "_subject_en": subject_en},
                      status="failed")
        session.add(msg)
        session.flush()
        _deliver(ch, msg, settings, now)
        sent += msg.status == "sent"
    return sent


def retry_failed(*, session: Session, settings: Settings | None = None,
                 now: datetime | None = None) -> int:
    settings = settings or get_settings()
    now = now or utcnow()
    n = 0
    for msg, ch in session.execute(select(Message, Channel).join(
            Channel, Channel.id == Message.channel_id).where(
            Message.status == "failed", Message.attempts < MAX_ATTEMPTS, Channel.active.is_(True))):
        _deliver(ch, msg, settings, now)
        n += msg.status == "sent"
    return n
