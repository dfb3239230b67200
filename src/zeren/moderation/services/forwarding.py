"""Forwarding to the parties of an IP notice or a complaint (电子商务法 Art 42-43; 指南
Art 28): what the platform passes on — the notice to the merchant, the merchant's declaration
and its evidence to the rights holder with the statement that it may complain or sue before
the 15 days end, the rights holder's complaint or lawsuit back to the merchant, a complaint to
the merchant and its answer to the consumer. Each forwarding is a kept record with its time
and channels: the party's own link (a merchant's inbox notice; the rights holder's and the
consumer's link pages show theirs), the API, and the platform's webhooks, which the platform
relays to the party."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.moderation import domain as d
from zeren.moderation.models import Forwarding, Notice, Subject
from zeren.moderation.services.common import ensure_inbox, publish
from zeren.timepolicy import format_beijing


def forward(*, session: Session, platform_id: str, kind: str, content: dict[str, Any],
            now: datetime, ip_notice_id: str | None = None, complaint_id: str | None = None,
            merchant: Subject | None = None, deadline: datetime | None = None,
            measure_id: str | None = None, notice_kind: str | None = None) -> Forwarding:
    """Forward ``content`` to the party ``kind`` names, through every channel it has, and
    keep the record."""
    spec = d.forwarding_kinds()[kind]
    when = format_beijing(deadline) if deadline is not None else ""
    statement = {"zh": spec.statement_zh.format(deadline=when),
                 "en": spec.statement_en.format(deadline=when), "source": spec.source}
    body = {**content, "statement": statement,
            "deadline": deadline.isoformat() if deadline is not None else None}
    channels = ["api"]
    if spec.to == d.Party.MERCHANT:
        if merchant is not None:
            ensure_inbox(merchant)
            session.add(Notice(platform_id=platform_id, account_id=merchant.id,
                               kind=notice_kind or kind, title_zh=spec.title_zh,
                               title_en=spec.title_en, measure_id=measure_id, body=body))
            channels.append("inbox")
    else:
        channels.append("inbox")  # the rights holder's or consumer's link page shows it
    event = "ip.forwarded" if ip_notice_id else "complaint.forwarded"
    if publish(session=session, platform_id=platform_id, event=event,
               payload={"kind": kind, "to": str(spec.to), "ip_notice_id": ip_notice_id,
                        "complaint_id": complaint_id, "content": body,
                        "at": now.isoformat()}, now=now):
        channels.append("webhook")
    f = Forwarding(platform_id=platform_id, ip_notice_id=ip_notice_id,
                   complaint_id=complaint_id, kind=kind, to_party=str(spec.to), content=body,
                   channels=channels, created_at=now)
    session.add(f)
    session.flush()
    return f


def forwardings_of(*, session: Session, ip_notice_id: str | None = None,
                   complaint_id: str | None = None, to: str | None = None
                   ) -> list[Forwarding]:
    q = select(Forwarding)
    q = (q.where(Forwarding.ip_notice_id == ip_notice_id) if ip_notice_id
         else q.where(Forwarding.complaint_id == complaint_id))
    if to:
        q = q.where(Forwarding.to_party == to)
    return list(session.scalars(q.order_by(Forwarding.created_at, Forwarding.id)))


def forwardings_for_notices(*, session: Session, notice_ids: Sequence[str]
                            ) -> dict[str, list[Forwarding]]:
    """The forwardings of several notices in one query."""
    out: dict[str, list[Forwarding]] = {n: [] for n in notice_ids}
    if notice_ids:
        for f in session.scalars(select(Forwarding).where(
                Forwarding.ip_notice_id.in_(notice_ids))
                .order_by(Forwarding.created_at, Forwarding.id)):
            if f.ip_notice_id is not None:
                out[f.ip_notice_id].append(f)
    return out
