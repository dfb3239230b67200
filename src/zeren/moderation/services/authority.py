"""Reports to authorities (指南 Art 11, 12, 13): a record of each serious case reported (who,
when, what, reference) and the periodic report for a platform and period — counts by
category, source, measure and automation, median and 90th-percentile handling times, SLA
breaches, appeals and reversals — as JSON, CSV or an HTML page."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput
from zeren.moderation import domain as d
from zeren.moderation.models import (
    Appeal,
    AuthorityReport,
    Case,
    Complaint,
    IPNotice,
    Measure,
    Report,
)
from zeren.moderation.services.cases import get_case
from zeren.moderation.services.common import case_event

# Clocks differ a little; a report cannot have been made later than now.
FUTURE_SKEW = timedelta(minutes=5)


def report_case(*, session: Session, actor: Actor, case_id: str, authority: str,
                reference: str, summary: str, reported_at: datetime | None = None
                ) -> AuthorityReport:
    """Record that a case was reported to an authority (reports.write)."""
    c = get_case(session=session, case_id=case_id)
    actor.require("reports.write", c.platform_id)
    now = utcnow()
    at = reported_at or now
    if at.tzinfo is None:  # a time without a zone is read as UTC
        at = at.replace(tzinfo=UTC)
    if at > now + FUTURE_SKEW:
        raise InvalidInput("reported_at lies in the future", field="reported_at",
                           details={"field": "reported_at", "value": at.isoformat()})
    r = AuthorityReport(platform_id=c.platform_id, case_id=c.id, authority=authority,
                        reference=reference, summary=summary, reported_at=at,
                        reported_by=actor.username)
    session.add(r)
    session.flush()
    case_event(session=session, case_id=c.id, kind="reported_to_authority",
                  actor=actor.username, data={"authority": authority, "reference": reference,
                                              "report_id": r.id})
    record(session=session, actor=actor, action="moderation.authority.report",
           target_type="case", target_id=c.id, platform_id=c.platform_id,
           summary={"authority": authority, "reference": reference})
    return r


def list_reports(*, session: Session, actor: Actor, platform_id: str, limit: int = 500
                 ) -> list[AuthorityReport]:
    """Serious cases reported to authorities, newest first (reports.read)."""
    actor.require("reports.read", platform_id)
    return list(session.scalars(select(AuthorityReport).where(
        AuthorityReport.platform_id == platform_id)
        .order_by(AuthorityReport.reported_at.desc()).limit(limit)))


def _hours(a: datetime, b: datetime) -> float:
    return round((b - a).total_seconds() / 3600, 3)


def periodic_report(*, session: Session, actor: Actor, platform_id: str, start: datetime,
                    end: datetime) -> dict[str, Any]:
    """Figures for the cases opened in [start, end) (reports.read)."""
    actor.require("reports.read", platform_id)
    if end <= start:
        raise InvalidInput("the period ends after it starts", field="to")
    now = utcnow()
    in_period = (Case.platform_id == platform_id, Case.created_at >= start,
                 Case.created_at < end)
    cases = session.execute(select(Case.category, Case.status, Case.decision, Case.created_at,
                                   Case.decided_at, Case.sla_due_at, Case.escalations)
                            .where(*in_period)).all()
    by_category = Counter(c.category for c in cases)
    decided = [c for c in cases if c.decided_at is not None]
    handling = [_hours(c.created_at, c.decided_at) for c in decided]
    # Breached: decided after the deadline, or still undecided with the deadline gone.
    breaches = sum(1 for c in cases if (c.decided_at or now) > c.sla_due_at)
    rep_src = session.execute(select(Report.source, func.count()).where(
        Report.platform_id == platform_id, Report.created_at >= start, Report.created_at < end)
        .group_by(Report.source)).all()
    meas = session.execute(select(Measure.code, Measure.automation, Measure.status).where(
        Measure.platform_id == platform_id, Measure.created_at >= start,
        Measure.created_at < end)).all()
    appeals = session.execute(select(Appeal.status, Appeal.created_at, Appeal.decided_at).where(
        Appeal.platform_id == platform_id, Appeal.created_at >= start,
        Appeal.created_at < end)).all()
    overturned = sum(1 for a in appeals if a.status == d.AppealStatus.OVERTURNED)
    decided_appeals = sum(1 for a in appeals if a.status != d.AppealStatus.OPEN)
    auth = session.scalar(select(func.count()).select_from(AuthorityReport).where(
        AuthorityReport.platform_id == platform_id, AuthorityReport.reported_at >= start,
        AuthorityReport.reported_at < end)) or 0
    ipn = session.execute(select(IPNotice.status, IPNotice.clock_ends_at).where(
        IPNotice.platform_id == platform_id, IPNotice.created_at >= start,
        IPNotice.created_at < end)).all()
    comp = session.execute(select(Complaint.status, Complaint.created_at,
                                  Complaint.resolved_at).where(
        Complaint.platform_id == platform_id, Complaint.created_at >= start,
        Complaint.created_at < end)).all()
    comp_hours = [_hours(c.created_at, c.resolved_at) for c in comp if c.resolved_at]
    return {
        "platform_id": platform_id,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "generated_at": now.isoformat(),
        "cases": {
            "opened": len(cases), "decided": len(decided),
            "action": sum(1 for c in decided if c.decision == d.Decision.ACTION),
            "no_action": sum(1 for c in decided if c.decision == d.Decision.NO_ACTION),
            "open": len(cases) - len(decided),
            "escalated": sum(1 for c in cases if c.escalations > 0),
            "sla_breaches": breaches,
            "by_category": dict(sorted(by_category.items())),
        },
        "reports": {"by_source": {s: n for s, n in sorted(rep_src)},
                    "total": sum(n for _, n in rep_src)},
        "handling_hours": {"median": d.median(handling), "p90": d.percentile(handling, 90),
                           "count": len(handling)},
        "measures": {"by_measure": dict(sorted(Counter(m.code for m in meas).items())),
                     "by_automation": dict(sorted(Counter(m.automation for m in meas).items())),
                     "total": len(meas)},
        "appeals": {"filed": len(appeals), "decided": decided_appeals,
                    "upheld": sum(1 for a in appeals if a.status == d.AppealStatus.UPHELD),
                    "overturned": overturned,
                    "reversal_rate": round(overturned / decided_appeals, 4)
                    if decided_appeals else None},
        "authority_reports": auth,
        "ip_notices": d.ip_outcomes([(n.status, n.clock_ends_at) for n in ipn], now=now),
        "complaints": {**d.complaint_outcomes([(c.status, c.created_at, c.resolved_at)
                                               for c in comp], now=now),
                       "median_hours_to_close": d.median(comp_hours)},
    }


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.extend(flatten(v, key + "."))
        else:
            out.append((key, v))
    return out


def to_csv(data: dict[str, Any]) -> str:
    """The report as two-column CSV (figure, value), one row per figure."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["figure", "value"])
    for k, v in flatten(data):
        w.writerow([k, "" if v is None else v])
    return buf.getvalue()
