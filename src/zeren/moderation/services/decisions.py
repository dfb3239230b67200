"""Decisions (指南 Art 11, 29): a moderator decides a case they hold, with measures, their
ground and the facts, or no action; a moderation admin applies one decision to exactly the
cases a bulk preview showed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput
from zeren.moderation import domain as d
from zeren.moderation.models import Case, Measure
from zeren.moderation.schemas import DecisionIn
from zeren.moderation.services import measures as ms
from zeren.moderation.services.cases import bulk_confirm, claim_case, get_case
from zeren.moderation.services.common import case_event
from zeren.moderation.services.statements import keep_judged_content
from zeren.moderation.services.subjects import get_subject
from zeren.rules.services.documents import cite as cite_rule


def decide_case(*, session: Session, actor: Actor, case_id: str, body: DecisionIn,
                now: datetime | None = None) -> Case:
    """Decide a claimed case (moderation.decide; only its holder): apply the measures (each
    with its statement of reasons and notice), count the strike and climb the ladder; or
    close it with no action."""
    now = now or utcnow()
    c = get_case(session=session, case_id=case_id)
    actor.require("moderation.decide", c.platform_id)
    subject = get_subject(session=session, subject_id=c.subject_id)
    ground: dict[str, Any] = {}
    if body.decision == d.Decision.ACTION:
        if not body.measures:
            raise InvalidInput("a decision to act names at least one measure", field="measures")
        ms.check_measure_codes([m.code for m in body.measures], subject=subject)
        ground = ms.check_ground(body.ground.model_dump() if body.ground else None)
        if ground["kind"] == "platform_rule":
            ground.update(cite_rule(session=session, platform_id=c.platform_id,
                                    rule_version=ground["rule_version"], at=now))
        if not body.facts.strip():
            raise InvalidInput("say what was found (the facts of the statement of reasons)",
                               field="facts")
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.CLAIMED,
        Case.claimed_by == actor.username)
        .values(status=d.CaseStatus.DECIDED, open_key=None, decision=str(body.decision),
                decided_by=actor.username, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"decided_by": c.decided_by, "decision": c.decision})
        raise Conflict("claim the case before deciding it" if c.claimed_by is None else
                       f"the case is claimed by {c.claimed_by}", code="not_claimed",
                       details={"claimed_by": c.claimed_by})
    # Keep what is being judged: the platform may update the subject's text later.
    content = keep_judged_content(session=session, subject=subject, case_id=c.id)
    case_event(session=session, case_id=c.id, kind="decision", actor=actor.username,
                  data={"decision": str(body.decision), "measures": [m.model_dump()
                                                                     for m in body.measures],
                        "ground": ground, "facts": body.facts,
                        "automation": str(body.automation),
                        "content_sha256": content.sha256}, at=now)
    applied: list[Measure] = []
    if body.decision == d.Decision.ACTION:
        cat = d.category(c.category)
        first_source = c.sources.split(",")[0] if c.sources else "platform"
        source = d.Source.AUTHORITY if "authority" in c.sources else first_source
        for m in body.measures:
            applied.append(ms.apply_measure(
                session=session, platform_id=c.platform_id, subject=subject, code=m.code,
                days=m.days, decided_by=actor.username, automation=str(body.automation),
                ground=ground, facts=body.facts, source=source, cat=cat, now=now, case=c,
                content=content))
        ladder = ms.strike_and_climb(session=session, case=c, subject=subject, now=now,
                                     content=content)
        if ladder is not None:
            applied.append(ladder)
    record(session=session, actor=actor, action="moderation.case.decide", target_type="case",
           target_id=c.id, platform_id=c.platform_id,
           summary={"decision": str(body.decision), "measures": [m.code for m in applied]})
    return c


def bulk_decide(*, session: Session, actor: Actor, cases: Sequence[Case], body: DecisionIn,
                now: datetime | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Claim and decide each case in turn; a case held by someone else is skipped."""
    now = now or utcnow()
    done: list[str] = []
    skipped: list[dict[str, str]] = []
    for c in cases:
        try:
            with session.begin_nested():
                if c.claimed_by != actor.username:
                    claim_case(session=session, actor=actor, case_id=c.id, now=now)
                decide_case(session=session, actor=actor, case_id=c.id, body=body, now=now)
            done.append(c.id)
        except Conflict as exc:
            skipped.append({"case_id": c.id, "reason": exc.message})
    return done, skipped


def bulk_apply(*, session: Session, actor: Actor, platform_id: str, case_ids: Sequence[str],
               body: DecisionIn) -> tuple[list[str], list[dict[str, str]]]:
    """Apply one decision to exactly the previewed ``case_ids`` (moderation.admin, which
    only a group-wide grant carries); the filter is not run again. An id that is not an
    undecided case of this platform is refused (nothing decided); cases held by someone
    else are skipped."""
    actor.require("moderation.admin", platform_id)
    cases = bulk_confirm(session=session, platform_id=platform_id, case_ids=case_ids)
    return bulk_decide(session=session, actor=actor, cases=cases, body=body)
