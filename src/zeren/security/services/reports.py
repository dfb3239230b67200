"""Reports to the authority: the first report (basic facts), supplements and the summary,
each filled from the incident and the reporter's answers in the fields the rules list
(``data/incidents.toml``), refused while a field is empty or when it is late without a
recorded reason, kept as submitted (with its SHA-256) and appended to the ledger."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput
from zeren.ledger import outbox
from zeren.platforms.models import Platform
from zeren.security import domain as d
from zeren.security.errors import ReportIncomplete, out_of_scale
from zeren.security.models import Incident, Report, System
from zeren.security.schemas import ReportIn
from zeren.security.services.incidents import event, get_incident
from zeren.security.services.systems import READ

REPORT = "security.report"
REPORT_CLASS = "incident-reports"


def facts_of(session: Session, inc: Incident) -> dict[str, Any]:
    """The incident's attributes as report sources (``incident.x``, ``system.x``, …)."""
    r = d.rules()
    out: dict[str, Any] = {}
    bj = d.BEIJING
    for k in ("category", "impact", "measures", "cause"):
        out[f"incident.{k}"] = getattr(inc, k)
    out["incident.grade"] = f"{r.grades[inc.grade].zh} ({inc.grade})"
    out["incident.occurred_at"] = f"{inc.occurred_at.astimezone(bj):%Y-%m-%d %H:%M:%S} +08:00"
    out["incident.detected_at"] = f"{inc.detected_at.astimezone(bj):%Y-%m-%d %H:%M:%S} +08:00"
    out["incident.criteria"] = "; ".join(
        f"{r.criteria[k].zh}: {v:,}" for k, v in inc.criteria.items() if k in r.criteria)
    p = session.get(Platform, inc.platform_id)
    out["platform.legal_entity"] = p.legal_entity if p else ""
    sysm = session.get(System, inc.system_id) if inc.system_id else None
    out["system.name"] = sysm.name if sysm else ""
    out["system.mlps_level"] = r.mlps_levels.get(sysm.mlps_level, "") if sysm else ""
    return out


def _due(inc: Incident, kind: str) -> datetime | None:
    return {"first": inc.first_report_due, "summary": inc.summary_due}.get(kind)


def draft(*, session: Session, actor: Actor, platform_id: str, incident_id: str, kind: str,
          answers: dict[str, str] | None = None) -> tuple[Incident, list[d.FilledField],
                                                          list[str]]:
    """The report as it would be submitted now, and the fields still missing."""
    inc = get_incident(session=session, actor=actor, platform_id=platform_id,
                       incident_id=incident_id)
    if kind not in d.rules().reports:
        raise InvalidInput("kind must be first, supplement or summary", field="kind")
    try:
        fields, missing = d.fill_report(kind, facts=facts_of(session, inc), answers=answers or {})
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from exc
    return inc, fields, missing


def submit(*, session: Session, actor: Actor, platform_id: str, incident_id: str,
           data: ReportIn, now: datetime | None = None) -> Report:
    """Record a report as submitted to the authority."""
    actor.require(REPORT, platform_id)
    now = now or utcnow()
    inc, fields, missing = draft(session=session, actor=actor, platform_id=platform_id,
                                 incident_id=incident_id, kind=data.kind, answers=data.answers)
    r = d.rules()
    if not inc.reportable:
        raise Conflict(f"a {r.grades[inc.grade].zh} incident is not reported to the authority; "
                       "regrade it first if it must be", details={"field": "kind"})
    if data.kind == "first" and inc.first_reported_at is not None:
        raise Conflict("the first report was already submitted; send a supplement",
                       details={"field": "kind"})
    if data.kind == "supplement" and inc.first_reported_at is None:
        raise Conflict("submit the first report before a supplement", details={"field": "kind"})
    if data.kind == "summary":
        if inc.handled_at is None:
            raise Conflict("mark the incident handled before the summary report",
                           details={"field": "kind"})
        if inc.summary_reported_at is not None:
            raise Conflict("the summary report was already submitted", details={"field": "kind"})
    if missing:
        raise ReportIncomplete(
            f"the {r.reports[data.kind].zh} lacks: {', '.join(missing)}",
            details={"field": f"answers.{missing[0]}", "missing": missing})
    at = data.submitted_at or now
    if at > now:
        raise InvalidInput("submitted_at is in the future", field="submitted_at")
    if at < inc.detected_at:
        raise InvalidInput("submitted_at is before the incident was found", field="submitted_at")
    due = _due(inc, data.kind)
    late = due is not None and at > due
    if late and not data.delay_reason.strip():
        assert due is not None
        over = d.format_left(int((at - due).total_seconds()))
        raise InvalidInput(
            f"this report is {over} after its deadline "
            f"({due.astimezone(d.BEIJING):%Y-%m-%d %H:%M} Beijing time); record the reason for "
            "the delay in delay_reason", field="delay_reason")
    content = [{"key": f.key, "zh": f.zh, "en": f.en, "value": f.value} for f in fields]
    recipient = data.recipient or r.parties[inc.reporting_party].report_to
    digest = hashlib.sha256(json.dumps(
        {"incident": inc.number, "kind": data.kind, "fields": content}, ensure_ascii=False,
        sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    rep = Report(incident_id=inc.id, platform_id=platform_id, kind=data.kind, submitted_at=at,
                 due_at=due, late=late, delay_reason=data.delay_reason, recipient=recipient,
                 channel=data.channel, fields=content, sha256=digest, rules_version=r.version,
                 submitted_by=actor.username)
    session.add(rep)
    before = row_dict(inc)
    if data.kind == "first":
        inc.first_reported_at = at
    elif data.kind == "summary":
        inc.summary_reported_at = at
        inc.status = "closed"
    session.flush()
    label = r.reports[data.kind].zh
    event(session, inc, kind=f"report_{data.kind}", by=actor.username, at=now,
          text=f"{label}{' (逾期: ' + data.delay_reason + ')' if late else ''}",
          data={"report_id": rep.id, "late": late, "sha256": digest})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=REPORT_CLASS, at=now, subject=f"incident:{platform_id}:{inc.id}",
        record={"report_id": rep.id, "incident": inc.number, "platform_id": platform_id,
                "kind": data.kind, "submitted_at": at.isoformat(),
                "due_at": due.isoformat() if due else None, "late": late,
                "delay_reason": data.delay_reason, "sha256": digest}))
    record(session=session, actor=actor, action="security.report.submit", target_type="report",
           target_id=rep.id, platform_id=platform_id, before=before, after=row_dict(inc),
           summary={"incident": inc.number, "kind": data.kind, "late": late})
    return rep


def reports(*, session: Session, actor: Actor, incident: Incident) -> list[Report]:
    actor.require(READ, incident.platform_id)
    return list(session.scalars(select(Report).where(Report.incident_id == incident.id)
                                .order_by(Report.submitted_at)))


def get_report(*, session: Session, actor: Actor, platform_id: str, report_id: str) -> Report:
    actor.require(READ, platform_id)
    rep = session.get(Report, report_id)
    if rep is None or rep.platform_id != platform_id:
        from zeren.errors import NotFound

        raise NotFound(f"no report {report_id} on this platform", details={"field": "report_id"})
    return rep


def export(*, session: Session, actor: Actor, platform_id: str, report_id: str
           ) -> tuple[Report, Incident, str]:
    """A submitted report, its incident and the report as text."""
    rep = get_report(session=session, actor=actor, platform_id=platform_id, report_id=report_id)
    inc = session.get(Incident, rep.incident_id)
    assert inc is not None
    return rep, inc, export_text(rep, inc)


def export_text(rep: Report, inc: Incident) -> str:
    """A report as plain text, for the authority's form or e-mail."""
    r = d.rules()
    bj = d.BEIJING
    lines = [f"网络安全事件{r.reports[rep.kind].zh}", f"事件编号：{inc.number}",
             f"报送时间：{rep.submitted_at.astimezone(bj):%Y-%m-%d %H:%M:%S} 北京时间",
             f"报送对象：{rep.recipient}", ""]
    lines += [f"{f['zh']}：{f['value']}" for f in rep.fields]
    if rep.late:
        lines += ["", f"逾期说明：{rep.delay_reason}"]
    lines += ["", f"SHA-256：{rep.sha256}", f"依据：{r.reports[rep.kind].source}"]
    return "\n".join(lines) + "\n"
