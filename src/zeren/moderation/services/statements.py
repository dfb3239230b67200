"""Statements of reasons, notices to the affected party and the content judged: what a
measure tells the people it affects (指南 Art 29) and keeps for auditors."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.errors import NotFound
from zeren.moderation import domain as d
from zeren.moderation.models import JudgedContent, Measure, Notice, Statement, Subject
from zeren.moderation.services.common import ensure_inbox, get_measure
from zeren.moderation.services.subjects import account_by_inbox, find_account


def statement_body(*, m: Measure, subject: Subject, account: Subject | None,
                   cat: d.Category | None, source: str, ground: dict[str, Any], facts: str,
                   automated_detection: bool, now: datetime, appeal_by: datetime,
                   content: JudgedContent | None = None) -> dict[str, Any]:
    """The statement of reasons (DSA Art 17 fields, adapted to Chinese law)."""
    mt = d.measure_types()[m.code]
    vocab = d.statement_vocab()
    src = vocab["sources"].get(source, {"zh": source, "en": source})
    days = int(d.deadlines()["appeal"]["window_days"])
    how = vocab["appeal_channel"]
    when = appeal_by.strftime("%Y-%m-%d %H:%M UTC")
    return {
        "measure": {"code": m.code, "name_zh": mt.name_zh, "name_en": mt.name_en,
                    "family": mt.family, "source": mt.source},
        "ground": ground,
        "facts": facts,
        "content_type": subject.kind,
        "subject_ref": subject.external_ref,
        # What was judged (kept in mod_judged_content), not the subject's current text.
        "content": ({"id": content.id, "sha256": content.sha256, "kind": content.kind,
                     "ref": content.external_ref} if content is not None else None),
        "account_ref": account.external_ref if account is not None else None,
        "category": ({"code": cat.code, "name_zh": cat.name_zh, "name_en": cat.name_en}
                     if cat is not None else None),
        "source_of_detection": {"code": source, "zh": src["zh"], "en": src["en"]},
        "automated_detection": automated_detection,
        "automated_decision": m.automation,
        "decided_at": now.isoformat(),
        "starts_at": m.starts_at.isoformat(),
        "ends_at": m.ends_at.isoformat() if m.ends_at else None,
        "scope": "account" if mt.target == "account" else "item",
        "territorial_scope": "platform-wide 平台全域",
        "appeal": {"deadline": appeal_by.isoformat(), "days": days,
                   "how_zh": how["zh"].format(days=days, deadline=when),
                   "how_en": how["en"].format(days=days, deadline=when)},
    }


def keep_judged_content(*, session: Session, subject: Subject, case_id: str | None = None,
                        ip_notice_id: str | None = None) -> JudgedContent:
    """Keep the subject's content as it is being judged (append-only; see JudgedContent)."""
    canon = json.dumps({"kind": subject.kind, "ref": subject.external_ref,
                        "name": subject.display_name, "text": subject.text,
                        "media": list(subject.media)}, ensure_ascii=False, sort_keys=True)
    jc = JudgedContent(case_id=case_id, ip_notice_id=ip_notice_id, subject_id=subject.id,
                       kind=subject.kind, external_ref=subject.external_ref,
                       display_name=subject.display_name, text=subject.text,
                       media=list(subject.media),
                       sha256=hashlib.sha256(canon.encode()).hexdigest())
    session.add(jc)
    session.flush()
    return jc


def judged_content_of(*, session: Session, case_id: str) -> JudgedContent | None:
    return session.scalar(select(JudgedContent).where(JudgedContent.case_id == case_id))


def statement_of(*, session: Session, measure_id: str) -> Statement:
    st = session.scalar(select(Statement).where(Statement.measure_id == measure_id))
    if st is None:
        raise NotFound(f"no statement of reasons for measure {measure_id}",
                       details={"field": "measure_id"})
    return st


def read_statement(*, session: Session, actor: Actor, measure_id: str) -> Statement:
    """The statement of reasons of a measure (moderation.read on the measure's platform)."""
    m = get_measure(session=session, measure_id=measure_id)
    actor.require("moderation.read", m.platform_id)
    return statement_of(session=session, measure_id=m.id)


def notices_of(*, session: Session, account_id: str, limit: int = 200) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.account_id == account_id)
                                .order_by(Notice.created_at.desc()).limit(limit)))


def account_notices(*, session: Session, actor: Actor, platform_id: str, account_ref: str
                    ) -> list[Notice]:
    """An account's notice inbox, read by the platform (moderation.read)."""
    actor.require("moderation.read", platform_id)
    acc = find_account(session=session, platform_id=platform_id, ref=account_ref)
    return notices_of(session=session, account_id=acc.id)


def inbox_link(*, session: Session, actor: Actor, platform_id: str, account_ref: str,
               kind: str) -> tuple[Subject, str]:
    """The secret of an account's inbox link, created the first time it is asked for, for the
    platform to hand to its merchant or user (moderation.write): through it the party reads
    its notices, appeals, declares against an IP notice and answers complaints."""
    actor.require("moderation.write", platform_id)
    acc = find_account(session=session, platform_id=platform_id, ref=account_ref, kinds=[kind])
    token = ensure_inbox(acc)
    record(session=session, actor=actor, action="moderation.inbox.link", target_type="subject",
           target_id=acc.id, platform_id=platform_id)
    return acc, token


def inbox(*, session: Session, token: str) -> tuple[Subject, list[Notice]]:
    """The affected party's own notices, behind the secret link (no login: the link is the
    key)."""
    acc = account_by_inbox(session=session, token=token)
    return acc, notices_of(session=session, account_id=acc.id)
