"""The exclusivity scan (指南 第十六条; 二选一): rule versions and the contract clauses a platform
uploads are screened with the lexicon's engine against the shipped patterns
(``data/exclusivity.toml``); each hit is a finding that stays open until someone decides on
it (not exclusive, removed, or justified), with the reason."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.pagination import PageParams, fetch_page
from zeren.rules import domain as d
from zeren.rules.errors import WrongStage
from zeren.rules.models import RuleClause, RuleFinding
from zeren.rules.schemas import ClauseIn, FindingDecisionIn

READ = "rules.read"
WRITE = "rules.write"
DECIDE = "rules.decide"
RESOLUTIONS = ("not_exclusive", "removed", "justified")


def scan_source(*, session: Session, platform_id: str, source_kind: str, source_id: str,
                text: str, now: datetime) -> list[RuleFinding]:
    """Screen one text; record each hit not recorded before (same source, offset, term)."""
    have = {(s, t) for s, t in session.execute(select(RuleFinding.start, RuleFinding.term)
                                               .where(RuleFinding.source_id == source_id))}
    out = []
    for m in d.scan_exclusivity(text):
        if (m.start, m.term) in have:
            continue
        f = RuleFinding(platform_id=platform_id, source_kind=source_kind, source_id=source_id,
                        term=m.term, matched=m.matched[:200], start=m.start, end=m.end,
                        excerpt=m.excerpt, severity=m.severity, confidence=m.confidence,
                        found_at=now, status="open", note="")
        session.add(f)
        out.append(f)
    session.flush()
    return out


def open_findings(*, session: Session, source_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(RuleFinding).where(
        RuleFinding.source_id == source_id, RuleFinding.status == "open")) or 0)


def upload_clause(*, session: Session, actor: Actor, platform_id: str, data: ClauseIn,
                  now: datetime | None = None) -> tuple[RuleClause, list[RuleFinding]]:
    """Keep a contract clause and screen it."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    c = RuleClause(platform_id=platform_id, title=data.title, text=data.text,
                   sha256=hashlib.sha256(data.text.encode("utf-8")).hexdigest(),
                   uploaded_by=actor.username, uploaded_at=now)
    session.add(c)
    session.flush()
    found = scan_source(session=session, platform_id=platform_id, source_kind="clause",
                        source_id=c.id, text=data.text, now=now)
    record(session=session, actor=actor, action="rules.clause.upload", target_type="rule_clause",
           target_id=c.id, platform_id=platform_id,
           summary={"title": data.title, "findings": len(found)})
    return c, found


def list_findings(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                  status: str | None = None, source_id: str | None = None
                  ) -> tuple[list[RuleFinding], int]:
    actor.require(READ, platform_id)
    q = select(RuleFinding).where(RuleFinding.platform_id == platform_id)
    if status:
        if status not in ("open", "resolved"):
            raise InvalidInput("status is open or resolved", field="status")
        q = q.where(RuleFinding.status == status)
    if source_id:
        q = q.where(RuleFinding.source_id == source_id)
    return fetch_page(session, q.order_by(RuleFinding.found_at.desc(), RuleFinding.id), params)


def decide_finding(*, session: Session, actor: Actor, platform_id: str, finding_id: str,
                   data: FindingDecisionIn, now: datetime | None = None) -> RuleFinding:
    """Close a finding with its resolution and reason (once)."""
    actor.require(DECIDE, platform_id)
    f = session.get(RuleFinding, finding_id)
    if f is None or f.platform_id != platform_id:
        raise NotFound(f"no finding {finding_id!r} on this platform",
                       details={"field": "finding_id"})
    if f.status != "open":
        raise WrongStage("this finding has been decided", details={"field": "status"})
    f.status, f.resolution, f.note = "resolved", data.resolution, data.note
    f.decided_at, f.decided_by = now or utcnow(), actor.username
    record(session=session, actor=actor, action="rules.finding.decide",
           target_type="rule_finding", target_id=f.id, platform_id=platform_id,
           summary={"resolution": data.resolution, "term": f.term})
    return f
