"""From a finding to action. The detector's data names what its findings lead to:
moderation cases (brushing rings, grey-industry clusters, pyramid schemes) opened through
moderation's public intake service, with the finding's evidence digest as evidence; a
compliance task (self-preferencing, merchant-data use) with an assignee and a due date; or a
price-fraud record for the merchant (the price detectors), sent to the platform's
notification channels. Each action is kept and logged to the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.market.domain import catalogue
from zeren.market.models import Action, Finding
from zeren.market.services import ACT
from zeren.market.services.runs import get_finding
from zeren.moderation.domain import Source, SubjectKind
from zeren.moderation.schemas import Evidence, ReportIn, SubjectIn
from zeren.moderation.services import intake

ACTION_CLASS = "market-actions"
# Moderation's category for each detector whose findings become cases.
CASE_CATEGORY = {"brushing_ring": "fraud", "grey_accounts": "fraud",
                 "pyramid_scheme": "pyramid_selling"}


def _subjects(f: Finding) -> list[tuple[SubjectKind, str]]:
    """Whom the cases are about: a ring's merchants, a cluster's accounts, a scheme's top."""
    cap = int(catalogue().actions["max_reported_accounts"].value)
    if f.detector == "brushing_ring":
        return [(SubjectKind.MERCHANT, m) for m in f.facts["merchants"]][:cap]
    if f.detector == "grey_accounts":
        return [(SubjectKind.USER, a) for a in f.facts["accounts"]][:cap]
    if f.detector == "pyramid_scheme":
        return [(SubjectKind.USER, f.facts["deepest_chain"][0])]
    raise InvalidInput(f"findings of {f.detector} do not open cases", field="detector")


def _open_cases(*, session: Session, actor: Actor, f: Finding) -> list[str]:
    ev = Evidence(kind="text", ref=f"zeren market finding {f.id}", sha256=f.evidence_digest,
                  description=f.explanation_zh[:1000])
    items = [ReportIn(subject=SubjectIn(kind=kind, external_ref=ref[:200]),
                      category=CASE_CATEGORY[f.detector], source=Source.PLATFORM,
                      description=f.explanation_zh[:5000], evidence=[ev],
                      reporter_ref=f"market:{f.detector}")
             for kind, ref in _subjects(f)]
    receipts = intake.report_batch(session=session, actor=actor, platform_id=f.platform_id,
                                   items=items)
    return list(dict.fromkeys(r.case_id for r in receipts))


def actions_of(*, session: Session, actor: Actor, platform_id: str,
               finding_id: str) -> list[Action]:
    get_finding(session=session, actor=actor, platform_id=platform_id, finding_id=finding_id)
    return list(session.scalars(select(Action).where(Action.finding_id == finding_id)
                                .order_by(Action.created_at, Action.id)))


def act(*, session: Session, actor: Actor, platform_id: str, finding_id: str, note: str = "",
        assignee: str = "", due_days: int | None = None, now: datetime | None = None) -> Action:
    """Take the action the finding's detector calls for (once per finding)."""
    actor.require(ACT, platform_id)
    f = get_finding(session=session, actor=actor, platform_id=platform_id, finding_id=finding_id)
    kind = catalogue().detectors[f.detector].action
    done = session.scalar(select(Action.id).where(Action.finding_id == f.id, Action.kind == kind))
    if done is not None:
        raise Conflict(f"this finding already has its {kind} ({done})",
                       details={"field": "finding_id", "action_id": done})
    now = now or utcnow()
    row = Action(id=new_id(), platform_id=platform_id, finding_id=f.id, kind=kind,
                 note=note[:5000], acted_by=actor.username, case_ids=[], assignee="")
    if kind == "moderation_case":
        row.case_ids = _open_cases(session=session, actor=actor, f=f)
    elif kind == "compliance_task":
        if not assignee.strip():
            raise InvalidInput("assignee: a compliance task needs an owner", field="assignee")
        days = due_days if due_days is not None else int(
            catalogue().actions["task_due_days"].value)
        if days < 1:
            raise InvalidInput("due_days: at least 1", field="due_days")
        row.assignee, row.due_at = assignee.strip()[:200], now + timedelta(days=days)
    else:
        if not f.merchant_id:
            raise InvalidInput("the finding names no merchant", field="merchant_id")
        row.merchant_id = f.merchant_id
        from zeren.notify.service import notify

        notify(session=session, platform_id=platform_id, event="market.price_fraud",
               key=f"market-price-fraud:{f.id}", subject_zh=f"价格违法提示：{f.subject_id}",
               subject_en=f"Price-fraud notice: {f.subject_id}",
               body={"merchant_id": f.merchant_id, "finding_id": f.id,
                     "explanation_zh": f.explanation_zh, "explanation_en": f.explanation_en,
                     "evidence_digest": f.evidence_digest})
    session.add(row)
    session.flush()
    _log(session, row, f, now)
    record(session=session, actor=actor, action=f"market.action.{kind}", target_type="market_finding",
           target_id=f.id, platform_id=platform_id,
           summary={"action_id": row.id, "cases": row.case_ids, "assignee": row.assignee,
                    "merchant_id": row.merchant_id})
    return row


def close_task(*, session: Session, actor: Actor, platform_id: str, finding_id: str,
               resolution: str, now: datetime | None = None) -> Action:
    """Close a finding's compliance task with what was done."""
    actor.require(ACT, platform_id)
    f = get_finding(session=session, actor=actor, platform_id=platform_id, finding_id=finding_id)
    kinds = set(session.scalars(select(Action.kind).where(Action.finding_id == f.id)))
    if "compliance_task" not in kinds:
        raise NotFound("this finding has no compliance task", details={"field": "finding_id"})
    if "task_closed" in kinds:
        raise Conflict("the task is already closed", details={"field": "finding_id"})
    if not resolution.strip():
        raise InvalidInput("resolution: say what was done", field="resolution")
    now = now or utcnow()
    row = Action(id=new_id(), platform_id=platform_id, finding_id=f.id, kind="task_closed",
                 note=resolution.strip()[:5000], acted_by=actor.username, case_ids=[],
                 assignee="")
    session.add(row)
    session.flush()
    _log(session, row, f, now)
    record(session=session, actor=actor, action="market.action.task_closed",
           target_type="market_finding", target_id=f.id, platform_id=platform_id,
           summary={"action_id": row.id})
    return row


def _log(session: Session, row: Action, f: Finding, now: datetime) -> None:
    rec: dict[str, Any] = {"action_id": row.id, "finding_id": f.id, "platform_id": f.platform_id,
                           "kind": row.kind, "case_ids": row.case_ids,
                           "assignee": row.assignee, "merchant_id": row.merchant_id,
                           "due_at": row.due_at.isoformat() if row.due_at else None,
                           "by": row.acted_by, "evidence_digest": f.evidence_digest}
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=ACTION_CLASS, record=rec, at=now,
        subject=f"market:{f.platform_id}:{f.id}"))


def handled(*, session: Session, platform_id: str, finding_ids: list[str]) -> dict[str, set[str]]:
    """The action kinds taken on each finding (for lists and checks)."""
    out: dict[str, set[str]] = {i: set() for i in finding_ids}
    for i in range(0, len(finding_ids), 400):
        for fid, kind in session.execute(select(Action.finding_id, Action.kind).where(
                Action.platform_id == platform_id,
                Action.finding_id.in_(finding_ids[i:i + 400]))):
            out[fid].add(kind)
    return out
