"""Concentrations (指南 第十六条: 实施经营者集中前依法申报，获批前不得实施): the deal register
with the parties' turnovers, the notification thresholds of 2024 applied from data, and the
steps filed → cleared → closed, where closing a deal that must be notified is refused until a
filing and a clearance are recorded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.governance import domain as d
from zeren.governance.errors import rejected
from zeren.governance.models import Deal, DealEvent
from zeren.governance.schemas import AssessIn, ClearanceIn, ClosingIn, DealIn, FilingIn
from zeren.pagination import PageParams, fetch_page
from zeren.timepolicy import beijing_today

READ = "governance.read"
WRITE = "governance.write"


class FilingRequired(Conflict):
    """Closing a deal that must be notified before a filing (and a clearance) is recorded."""

    code = "filing_required"


def _turnovers(data: AssessIn) -> list[d.Turnover]:
    out = []
    for i, p in enumerate(data.parties):
        try:
            d.check_unit(p.unit, f"parties.{i}.unit")
        except d.Rejected as exc:
            raise rejected(exc) from None
        out.append(d.Turnover(p.name, p.global_turnover, p.china_turnover))
    return out


def assess(*, actor: Actor, platform_id: str, data: AssessIn) -> d.ThresholdResult:
    """Apply the thresholds to the parties' turnovers without recording anything."""
    actor.require(READ, platform_id)
    return d.assess_concentration(_turnovers(data))


def _event(session: Session, deal: Deal, kind: str, day: date, actor: Actor,
           details: dict[str, Any]) -> None:
    session.add(DealEvent(deal_id=deal.id, platform_id=deal.platform_id, kind=kind, day=day,
                          details=details, recorded_by=actor.username))


def register_deal(*, session: Session, actor: Actor, platform_id: str, data: DealIn,
                  now: datetime | None = None) -> Deal:
    """Record a planned concentration; the thresholds in data say whether it must be
    notified, and the answer (rule, version, figures) is kept with it."""
    actor.require(WRITE, platform_id)
    try:
        d.one_of(data.kind, d.thresholds().kinds, "kind")
    except d.Rejected as exc:
        raise rejected(exc) from None
    parties = _turnovers(data)
    if session.scalar(select(Deal.id).where(Deal.platform_id == platform_id,
                                            Deal.code == data.code)):
        raise Conflict(f"deal {data.code!r} exists", details={"field": "code"})
    res = d.assess_concentration(parties)
    deal = Deal(platform_id=platform_id, code=data.code, title=data.title, kind=data.kind,
                financial_year=data.financial_year,
                parties=[{"name": p.name, "global_turnover": p.global_turnover,
                          "china_turnover": p.china_turnover} for p in parties],
                unit=d.thresholds().unit, notifiable=res.notifiable, rule_id=res.rule_id,
                thresholds_version=res.version, figures=res.figures, status="planned",
                recorded_by=actor.username)
    session.add(deal)
    session.flush()
    _event(session, deal, "registered", beijing_today(now or utcnow()), actor,
           {"notifiable": res.notifiable, "rule_id": res.rule_id, "version": res.version})
    record(session=session, actor=actor, action="governance.deal.register", target_type="deal",
           target_id=deal.id, platform_id=platform_id, after=row_dict(deal),
           summary={"code": data.code, "notifiable": res.notifiable, "rule_id": res.rule_id})
    return deal


def get_deal(*, session: Session, actor: Actor, platform_id: str, code: str) -> Deal:
    actor.require(READ, platform_id)
    deal = session.scalar(select(Deal).where(Deal.platform_id == platform_id, Deal.code == code))
    if deal is None:
        raise NotFound(f"no deal {code!r} on this platform", details={"field": "code"})
    return deal


def _move(session: Session, deal: Deal, frm: tuple[str, ...], **values: Any) -> None:
    """Change a deal's step only from the step it was read in (a second writer loses)."""
    done = session.execute(update(Deal).where(Deal.id == deal.id, Deal.status.in_(frm))
                           .values(**values).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise Conflict(f"the deal is {deal.status}; this step needs it "
                       + " or ".join(frm), details={"status": deal.status})
    session.refresh(deal)


def record_filing(*, session: Session, actor: Actor, platform_id: str, code: str,
                  data: FilingIn, now: datetime | None = None) -> Deal:
    """Record the notification filed with the authority (any deal may be filed)."""
    deal = get_deal(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    if data.filed_on > beijing_today(now or utcnow()):
        raise InvalidInput("filed_on is in the future", field="filed_on")
    before = row_dict(deal)
    _move(session, deal, ("planned",), status="filed", filed_on=data.filed_on,
          filing_reference=data.reference, authority=data.authority)
    _event(session, deal, "filed", data.filed_on, actor,
           {"reference": data.reference, "authority": data.authority})
    record(session=session, actor=actor, action="governance.deal.file", target_type="deal",
           target_id=deal.id, platform_id=platform_id, before=before, after=row_dict(deal),
           summary={"reference": data.reference})
    return deal


def record_clearance(*, session: Session, actor: Actor, platform_id: str, code: str,
                     data: ClearanceIn, now: datetime | None = None) -> Deal:
    """Record the authority's decision on a filed deal."""
    deal = get_deal(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    try:
        d.one_of(data.decision, d.thresholds().clearances, "decision")
    except d.Rejected as exc:
        raise rejected(exc) from None
    if data.cleared_on > beijing_today(now or utcnow()):
        raise InvalidInput("cleared_on is in the future", field="cleared_on")
    if deal.filed_on is not None and data.cleared_on < deal.filed_on:
        raise InvalidInput(f"cleared_on is before the filing ({deal.filed_on})",
                           field="cleared_on")
    before = row_dict(deal)
    status = "prohibited" if data.decision == "prohibited" else "cleared"
    _move(session, deal, ("filed",), status=status, cleared_on=data.cleared_on,
          clearance=data.decision)
    _event(session, deal, status, data.cleared_on, actor, {"decision": data.decision})
    record(session=session, actor=actor, action="governance.deal.clearance", target_type="deal",
           target_id=deal.id, platform_id=platform_id, before=before, after=row_dict(deal),
           summary={"decision": data.decision})
    return deal


def close_deal(*, session: Session, actor: Actor, platform_id: str, code: str,
               data: ClosingIn, now: datetime | None = None) -> Deal:
    """Record the concentration carried out. A deal that must be notified closes only after
    a recorded filing and a clearance on or before the closing day (指南 第十六条: 获批前不得
    实施集中); a prohibited deal never closes."""
    deal = get_deal(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    if data.closed_on > beijing_today(now or utcnow()):
        raise InvalidInput("closed_on is in the future", field="closed_on")
    if deal.status == "prohibited":
        raise Conflict("the authority prohibited this concentration; it cannot close",
                       details={"status": deal.status})
    if deal.notifiable:
        if deal.filed_on is None:
            raise FilingRequired(
                f"this deal meets {deal.rule_id} of {deal.thresholds_version} and must be "
                "notified: record the filing and the clearance before closing",
                details={"rule_id": deal.rule_id, "missing": "filing"})
        if deal.cleared_on is None:
            raise FilingRequired("filed, but no clearance is recorded: the concentration may "
                                 "not be carried out before the authority clears it",
                                 details={"rule_id": deal.rule_id, "missing": "clearance"})
        if data.closed_on < deal.cleared_on:
            raise InvalidInput(f"closed_on is before the clearance ({deal.cleared_on})",
                               field="closed_on")
    before = row_dict(deal)
    _move(session, deal, ("planned", "filed", "cleared"), status="closed",
          closed_on=data.closed_on)
    _event(session, deal, "closed", data.closed_on, actor, {})
    record(session=session, actor=actor, action="governance.deal.close", target_type="deal",
           target_id=deal.id, platform_id=platform_id, before=before, after=row_dict(deal),
           summary={"closed_on": data.closed_on.isoformat()})
    return deal


def list_deals(*, session: Session, actor: Actor, platform_id: str, params: PageParams
               ) -> tuple[list[Deal], int]:
    actor.require(READ, platform_id)
    q = select(Deal).where(Deal.platform_id == platform_id)
    return fetch_page(session, q.order_by(Deal.created_at.desc(), Deal.id), params)


def deal_history(*, session: Session, actor: Actor, platform_id: str, code: str
                 ) -> list[DealEvent]:
    deal = get_deal(session=session, actor=actor, platform_id=platform_id, code=code)
    return list(session.scalars(select(DealEvent).where(DealEvent.deal_id == deal.id)
                                .order_by(DealEvent.created_at, DealEvent.id)))
