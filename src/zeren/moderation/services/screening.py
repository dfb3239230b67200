"""Pre-publication screening (指南 Art 13): a subject's text is screened with the review
lexicon (``zeren.lexicon``); a hit that asks for review or a block opens a case through
intake. One subject is screened while the caller waits; a batch is marked pending and
screened after the answer (``screen_pending``, also run by the clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.moderation import domain as d
from zeren.moderation.models import Subject
from zeren.moderation.schemas import ReportIn, SubjectIn
from zeren.moderation.services.intake import submit_reports
from zeren.moderation.services.subjects import get_subject, upsert_subjects

PENDING = "pending"  # a subject's verdict while it waits for asynchronous screening


@dataclass(frozen=True)
class Verdict:
    subject: Subject
    decision: str
    hits: list[dict[str, Any]]
    lexicon_version: int | None
    case_id: str | None


def screen_subjects(*, session: Session, platform_id: str, subjects: Sequence[Subject],
                    now: datetime, actor_name: str) -> list[Verdict]:
    """Screen subjects' text with the review lexicon (zeren.lexicon) and open a case for every
    hit that asks for review or a block; the verdict is kept on the subject."""
    from zeren.lexicon.formats import Document
    from zeren.lexicon.service import DEFAULT_LEXICON, screen_documents

    # each item as its content kind (the lexicon's kinds are moderation's item kinds);
    # an account's text is its profile
    docs = [Document(id=s.id, text=s.text,
                     kind="profile" if s.kind in d.ACCOUNT_KINDS else s.kind) for s in subjects]
    matcher, results = screen_documents(session=session, name=DEFAULT_LEXICON, documents=docs,
                                        platform_id=platform_id)
    out: list[Verdict] = []
    reports: list[ReportIn] = []
    flagged: list[int] = []
    for i, (s, res) in enumerate(zip(subjects, results, strict=True)):
        s.verdict = str(res.decision)
        s.updated_at = now
        hits = [h.to_dict() for h in res.hits]
        if str(res.decision) != "pass":
            worst = max(res.hits, key=lambda h: ({"low": 1, "medium": 2, "high": 3}
                                                 .get(h.severity, 0)))
            cat = d.category(worst.category) or d.categories()["other"]
            reports.append(ReportIn(
                subject=SubjectIn(kind=d.SubjectKind(s.kind), external_ref=s.external_ref),
                category=cat.code, source=d.Source.SCREENING,
                description="; ".join(f"{h.term}@{h.start}-{h.end} ({h.category})"
                                      for h in res.hits)[:5000],
                reporter_ref=f"lexicon:{DEFAULT_LEXICON}@v{matcher.version}"))
            flagged.append(i)
        out.append(Verdict(s, str(res.decision), hits, matcher.version, None))
    if reports:
        receipts = submit_reports(session=session, platform_id=platform_id, items=reports,
                                  received_by=actor_name, now=now)
        for i, r in zip(flagged, receipts, strict=True):
            v = out[i]
            out[i] = Verdict(v.subject, v.decision, v.hits, v.lexicon_version, r.case_id)
    return out


def screen_pending(*, session: Session, now: datetime, limit: int = 500) -> int:
    """Screen subjects submitted in batches and not screened yet (asynchronous path)."""
    rows = session.scalars(select(Subject).where(Subject.verdict == PENDING)
                           .order_by(Subject.created_at).limit(limit)).all()
    by_platform: dict[str, list[Subject]] = {}
    for s in rows:
        by_platform.setdefault(s.platform_id, []).append(s)
    for pid, subs in by_platform.items():
        screen_subjects(session=session, platform_id=pid, subjects=subs, now=now,
                        actor_name="system:screening")
    return len(rows)


def submit_subject(*, session: Session, actor: Actor, platform_id: str, item: SubjectIn
                   ) -> Verdict:
    """Take one item in and screen it now (moderation.write): the pre-publication verdict."""
    actor.require("moderation.write", platform_id)
    now = utcnow()
    sid = upsert_subjects(session=session, platform_id=platform_id, items=[item], now=now)[0]
    s = get_subject(session=session, subject_id=sid)
    v = screen_subjects(session=session, platform_id=platform_id, subjects=[s], now=now,
                        actor_name=actor.username)[0]
    record(session=session, actor=actor, action="moderation.subject.screen",
           target_type="subject", target_id=sid, platform_id=platform_id,
           summary={"decision": v.decision, "case_id": v.case_id})
    return v


def submit_subjects(*, session: Session, actor: Actor, platform_id: str,
                    items: Sequence[SubjectIn]) -> list[str]:
    """Take items in a batch (moderation.write) and queue them for screening (also when
    known); ``screen_pending`` screens them after the answer."""
    actor.require("moderation.write", platform_id)
    ids = upsert_subjects(session=session, platform_id=platform_id, items=items, now=utcnow())
    for i in range(0, len(ids), 400):
        for s in session.scalars(select(Subject).where(Subject.id.in_(ids[i:i + 400]))):
            s.verdict = PENDING if s.text else "pass"
    record(session=session, actor=actor, action="moderation.subject.batch",
           target_type="platform", target_id=platform_id, platform_id=platform_id,
           summary={"items": len(ids)})
    return ids
