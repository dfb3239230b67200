"""Security incidents (指南 第二十五条; 国家网络安全事件报告管理办法 [2nd]): recorded with a
grade that the measured criteria may not contradict, the reporting party that sets the
first-report deadline, a timeline, the running clocks, and escalation before the deadline
through the platform's notification channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.config import Settings
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.security import domain as d
from zeren.security.errors import out_of_scale
from zeren.security.models import Incident, IncidentEvent
from zeren.security.schemas import HandledIn, IncidentIn, IncidentUpdateIn, RegradeIn
from zeren.security.services.systems import READ, WRITE, system_by_code

CREATE = "security.incident.create"


def event(session: Session, inc: Incident, *, kind: str, by: str, text: str = "",
          data: dict[str, Any] | None = None, at: datetime | None = None) -> IncidentEvent:
    ev = IncidentEvent(incident_id=inc.id, platform_id=inc.platform_id, at=at or utcnow(),
                       kind=kind, text=text, data=data or {}, by=by)
    session.add(ev)
    return ev


def _grade(r: d.Rules, grade: str, criteria: dict[str, int], rationale: str
           ) -> tuple[d.Grade, d.Grade, list[str]]:
    """The chosen grade and the criteria's; a chosen grade below the criteria's needs a
    rationale (the figures may be estimates the reporter can explain)."""
    try:
        chosen = r.grade(grade)
        forced, why = d.grade_by_criteria(criteria, r)
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from exc
    if chosen.rank < forced.rank and not rationale.strip():
        raise InvalidInput(
            f"grade {chosen.zh} is below what the figures show ({forced.zh}: {'; '.join(why)}); "
            "raise the grade or give grade_rationale", field="grade")
    return chosen, forced, why


def _number(session: Session, platform_id: str, at: datetime) -> str:
    year = at.astimezone(d.BEIJING).year
    n = session.scalar(select(func.count()).select_from(Incident)
                       .where(Incident.platform_id == platform_id,
                              Incident.number.like(f"INC-{year}-%"))) or 0
    return f"INC-{year}-{n + 1:04d}"


def open_incident(*, session: Session, actor: Actor, platform_id: str, data: IncidentIn,
                  now: datetime | None = None) -> Incident:
    """Record an incident; its first-report clock starts at ``detected_at``."""
    actor.require(CREATE, platform_id)
    now = now or utcnow()
    r = d.rules()
    chosen, forced, why = _grade(r, data.grade, data.criteria, data.grade_rationale)
    try:
        party = r.party(data.reporting_party)
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from exc
    if data.detected_at < data.occurred_at:
        raise InvalidInput("detected_at is before occurred_at", field="detected_at")
    if data.detected_at > now:
        raise InvalidInput("detected_at is in the future", field="detected_at")
    system_id = None
    if data.system_code:
        system_id = system_by_code(session=session, platform_id=platform_id,
                                   code=data.system_code, field="system_code").id
    due = d.first_report_due(detected_at=data.detected_at, party=party) \
        if chosen.reportable else None
    inc = Incident(
        platform_id=platform_id, number=_number(session, platform_id, data.detected_at),
        title=data.title, system_id=system_id, category=data.category, grade=chosen.code,
        grade_rationale=data.grade_rationale, criteria=dict(data.criteria),
        criteria_grade=forced.code, reporting_party=party.code, reportable=chosen.reportable,
        occurred_at=data.occurred_at, detected_at=data.detected_at, first_report_due=due,
        impact=data.impact, measures=data.measures, cause=data.cause, status="open",
        rules_version=r.version, created_by=actor.username)
    session.add(inc)
    session.flush()
    event(session, inc, kind="opened", by=actor.username, at=now,
          text=f"{chosen.zh} · {party.zh}",
          data={"grade": chosen.code, "criteria_grade": forced.code, "why": why,
                "first_report_due": due.isoformat() if due else None})
    record(session=session, actor=actor, action="security.incident.open",
           target_type="incident", target_id=inc.id, platform_id=platform_id,
           after=row_dict(inc), summary={"number": inc.number, "grade": chosen.code})
    return inc


def get_incident(*, session: Session, actor: Actor, platform_id: str, incident_id: str
                 ) -> Incident:
    actor.require(READ, platform_id)
    inc = session.get(Incident, incident_id)
    if inc is None or inc.platform_id != platform_id:
        inc = session.scalar(select(Incident).where(Incident.platform_id == platform_id,
                                                    Incident.number == incident_id))
    if inc is None:
        raise NotFound(f"no incident {incident_id} on this platform",
                       details={"field": "incident_id"})
    return inc


def list_incidents(*, session: Session, actor: Actor, platform_id: str,
                   status: str | None = None, offset: int = 0, limit: int = 100
                   ) -> tuple[list[Incident], int]:
    """A page of the platform's incidents, newest found first, and how many there are."""
    actor.require(READ, platform_id)
    q = select(Incident).where(Incident.platform_id == platform_id)
    if status:
        q = q.where(Incident.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = list(session.scalars(q.order_by(Incident.detected_at.desc(), Incident.id)
                                .offset(offset).limit(limit)))
    return rows, total


def timeline(*, session: Session, actor: Actor, incident: Incident) -> list[IncidentEvent]:
    actor.require(READ, incident.platform_id)
    return list(session.scalars(select(IncidentEvent).where(
        IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.at, IncidentEvent.id)))


def clocks(inc: Incident, now: datetime | None = None) -> dict[str, d.Clock]:
    """The first-report and summary clocks of an incident at ``now``."""
    now = now or utcnow()
    return {"first_report": d.Clock(inc.first_report_due, inc.first_reported_at, now),
            "summary": d.Clock(inc.summary_due, inc.summary_reported_at, now)}


def regrade(*, session: Session, actor: Actor, platform_id: str, incident_id: str,
            data: RegradeIn, now: datetime | None = None) -> Incident:
    """Change the grade (with a rationale). Becoming reportable starts the first-report clock
    from the detection, as the law counts it; a report then late needs its reason."""
    inc = get_incident(session=session, actor=actor, platform_id=platform_id,
                       incident_id=incident_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    r = d.rules()
    criteria = data.criteria if data.criteria is not None else inc.criteria
    chosen, forced, why = _grade(r, data.grade, criteria, data.grade_rationale)
    before = row_dict(inc)
    old = inc.grade
    inc.grade, inc.criteria, inc.criteria_grade = chosen.code, dict(criteria), forced.code
    inc.grade_rationale = data.grade_rationale
    inc.reportable = chosen.reportable or inc.first_reported_at is not None
    if chosen.reportable and inc.first_report_due is None:
        inc.first_report_due = d.first_report_due(detected_at=inc.detected_at,
                                                  party=r.parties[inc.reporting_party])
    if inc.reportable and inc.handled_at is not None and inc.summary_due is None:
        inc.summary_due = d.summary_due(handled_at=inc.handled_at, r=r)
    session.flush()
    event(session, inc, kind="regraded", by=actor.username, at=now,
          text=f"{r.grades[old].zh} → {chosen.zh}: {data.grade_rationale}",
          data={"from": old, "to": chosen.code, "criteria_grade": forced.code, "why": why})
    record(session=session, actor=actor, action="security.incident.regrade",
           target_type="incident", target_id=inc.id, platform_id=platform_id, before=before,
           after=row_dict(inc), summary={"from": old, "to": chosen.code})
    return inc


def update_facts(*, session: Session, actor: Actor, platform_id: str, incident_id: str,
                 data: IncidentUpdateIn, now: datetime | None = None) -> Incident:
    inc = get_incident(session=session, actor=actor, platform_id=platform_id,
                       incident_id=incident_id)
    actor.require(WRITE, platform_id)
    before = row_dict(inc)
    changed = {k: v for k, v in data.model_dump(exclude={"note"}).items()
               if v is not None and v != getattr(inc, k)}
    if not changed and not data.note:
        raise InvalidInput("nothing to record: give impact, measures, cause or a note",
                           field="note")
    for k, v in changed.items():
        setattr(inc, k, v)
    session.flush()
    event(session, inc, kind="updated" if changed else "note", by=actor.username, at=now,
          text=data.note, data={"changed": sorted(changed)})
    record(session=session, actor=actor, action="security.incident.update",
           target_type="incident", target_id=inc.id, platform_id=platform_id, before=before,
           after=row_dict(inc), summary={"changed": sorted(changed)})
    return inc


def mark_handled(*, session: Session, actor: Actor, platform_id: str, incident_id: str,
                 data: HandledIn, now: datetime | None = None) -> Incident:
    """Handling has ended: the 30-day summary clock starts (reportable incidents)."""
    inc = get_incident(session=session, actor=actor, platform_id=platform_id,
                       incident_id=incident_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    if inc.handled_at is not None:
        raise Conflict(f"incident {inc.number} was marked handled at {inc.handled_at}",
                       details={"field": "handled_at"})
    at = data.handled_at or now
    if at > now or at < inc.detected_at:
        raise InvalidInput("handled_at must lie between detection and now", field="handled_at")
    before = row_dict(inc)
    inc.handled_at, inc.status = at, "handled"
    if inc.reportable:
        inc.summary_due = d.summary_due(handled_at=at)
    session.flush()
    event(session, inc, kind="handled", by=actor.username, at=now, text=data.note,
          data={"summary_due": inc.summary_due.isoformat() if inc.summary_due else None})
    record(session=session, actor=actor, action="security.incident.handled",
           target_type="incident", target_id=inc.id, platform_id=platform_id, before=before,
           after=row_dict(inc), summary={"handled_at": at.isoformat()})
    return inc


def escalate_due(*, session: Session, now: datetime | None = None,
                 settings: Settings | None = None) -> dict[str, int]:
    """For every outstanding report clock, send the reminders whose time has come (once per
    stage: the timeline keeps which were sent). Run by the job runner every minute, with the
    runner's settings (the SMTP server); the CLI passes its own."""
    from zeren.notify.service import notify

    now = now or utcnow()
    sent = stages = 0
    q = select(Incident).where(Incident.reportable.is_(True), (
        Incident.first_reported_at.is_(None)
        | (Incident.summary_due.is_not(None) & Incident.summary_reported_at.is_(None))))
    for inc in session.scalars(q):
        done = set(session.scalars(select(IncidentEvent.data["stage"].as_string()).where(
            IncidentEvent.incident_id == inc.id, IncidentEvent.kind == "escalated")))
        for clock, start, due, reported in (
                ("first", inc.detected_at, inc.first_report_due, inc.first_reported_at),
                ("summary", inc.handled_at, inc.summary_due, inc.summary_reported_at)):
            if start is None or due is None:
                continue
            for stage in d.due_escalations(start=start, due=due, now=now,
                                           done=reported is not None):
                key = f"{clock}:{stage}"
                if key in done:
                    continue
                left = d.format_left(int((due - now).total_seconds()))
                label = "首报" if clock == "first" else "总结报告"
                n = notify(
                    session=session, platform_id=inc.platform_id,
                    event=f"security.incident.{clock}_report_due",
                    key=f"incident:{inc.id}:{key}",
                    subject_zh=f"【{d.rules().grades[inc.grade].zh}】{inc.number} {label}"
                               f"截止 {due.astimezone(d.BEIJING):%Y-%m-%d %H:%M} 北京时间，剩余 {left}",
                    subject_en=f"{inc.number}: {clock} report due "
                               f"{due.astimezone(d.BEIJING):%Y-%m-%d %H:%M} Beijing time, {left} left",
                    body={"incident": inc.number, "title": inc.title, "grade": inc.grade,
                          "stage": stage, "due": due.isoformat(), "time_left": left,
                          "due_beijing": f"{due.astimezone(d.BEIJING):%Y-%m-%d %H:%M:%S} +08:00"},
                    settings=settings, now=now)
                event(session, inc, kind="escalated", by="system:jobs", at=now,
                      text=f"{label} {stage}: {left}", data={"stage": key, "sent": n})
                sent += n
                stages += 1
    return {"stages": stages, "messages": sent}
