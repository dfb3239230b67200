"""HTTP routes of network security: systems, plans and drills, incidents with their clocks
and timeline, reports (draft, submit, export) and breaches with their notices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.ledger.outbox import flusher_for
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform
from zeren.security import schemas as s
from zeren.security.services import breaches, incidents, reports, systems

router = APIRouter(prefix="/platforms/{platform_id}/security", tags=["security"])
Reader = Annotated[Actor, Depends(require("security.read"))]
Writer = Annotated[Actor, Depends(require("security.write"))]
Creator = Annotated[Actor, Depends(require("security.incident.create"))]
Reporter = Annotated[Actor, Depends(require("security.report"))]
MAX_LIST = 200 * 1024 * 1024


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)


def incident_read(inc: Any) -> s.IncidentRead:
    out = s.IncidentRead.model_validate(inc)
    out.clocks = {k: s.ClockRead(due=c.due, done_at=c.done_at, state=c.state.value,
                                 seconds_left=c.seconds_left)
                  for k, c in incidents.clocks(inc, utcnow()).items()}
    return out


@router.post("/systems", response_model=s.SystemRead, status_code=201)
def add_system(platform_id: str, body: s.SystemIn, session: SessionDep, actor: Writer
               ) -> s.SystemRead:
    return s.SystemRead.model_validate(systems.add_system(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/systems", response_model=list[s.SystemRead])
def list_systems(platform_id: str, session: SessionDep, actor: Reader) -> list[s.SystemRead]:
    return [s.SystemRead.model_validate(x) for x in systems.systems(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/plans", response_model=s.PlanRead, status_code=201)
def add_plan(platform_id: str, body: s.PlanIn, session: SessionDep, actor: Writer) -> s.PlanRead:
    return s.PlanRead.model_validate(systems.add_plan(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/plans", response_model=list[s.PlanRead])
def list_plans(platform_id: str, session: SessionDep, actor: Reader) -> list[s.PlanRead]:
    return [s.PlanRead.model_validate(x) for x in systems.plans(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/drills", response_model=s.DrillRead, status_code=201)
def record_drill(platform_id: str, body: s.DrillIn, session: SessionDep, actor: Writer
                 ) -> s.DrillRead:
    return s.DrillRead.model_validate(systems.record_drill(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/drills", response_model=list[s.DrillRead])
def list_drills(platform_id: str, session: SessionDep, actor: Reader) -> list[s.DrillRead]:
    return [s.DrillRead.model_validate(x) for x in systems.drills(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/incidents", response_model=s.IncidentRead, status_code=201)
def open_incident(platform_id: str, body: s.IncidentIn, session: SessionDep, actor: Creator
                  ) -> s.IncidentRead:
    """Record an incident; a reportable grade starts the first-report clock at detection."""
    return incident_read(incidents.open_incident(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/incidents", response_model=Page[s.IncidentRead])
def list_incidents(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                   status: Annotated[str | None, Query(pattern="^(open|handled|closed)$")] = None
                   ) -> Page[s.IncidentRead]:
    """Incidents, newest found first, each with its clocks."""
    rows, total = incidents.list_incidents(
        session=session, actor=actor, platform_id=_pid(session, platform_id), status=status,
        offset=page.offset, limit=page.limit)
    return page_of([incident_read(i) for i in rows], total, page)


@router.get("/incidents/{incident_id}", response_model=s.IncidentRead)
def get_incident(platform_id: str, incident_id: str, session: SessionDep, actor: Reader
                 ) -> s.IncidentRead:
    """An incident (by id or number) with its clocks as of now."""
    return incident_read(incidents.get_incident(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        incident_id=incident_id))


@router.get("/incidents/{incident_id}/timeline", response_model=list[s.EventRead])
def incident_timeline(platform_id: str, incident_id: str, session: SessionDep, actor: Reader
                      ) -> list[s.EventRead]:
    inc = incidents.get_incident(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id), incident_id=incident_id)
    return [s.EventRead.model_validate(e)
            for e in incidents.timeline(session=session, actor=actor, incident=inc)]


@router.post("/incidents/{incident_id}/grade", response_model=s.IncidentRead)
def regrade(platform_id: str, incident_id: str, body: s.RegradeIn, session: SessionDep,
            actor: Writer) -> s.IncidentRead:
    return incident_read(incidents.regrade(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        incident_id=incident_id, data=body))


@router.post("/incidents/{incident_id}/facts", response_model=s.IncidentRead)
def update_facts(platform_id: str, incident_id: str, body: s.IncidentUpdateIn,
                 session: SessionDep, actor: Writer) -> s.IncidentRead:
    return incident_read(incidents.update_facts(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        incident_id=incident_id, data=body))


@router.post("/incidents/{incident_id}/handled", response_model=s.IncidentRead)
def mark_handled(platform_id: str, incident_id: str, body: s.HandledIn, session: SessionDep,
                 actor: Writer) -> s.IncidentRead:
    return incident_read(incidents.mark_handled(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        incident_id=incident_id, data=body))


@router.get("/incidents/{incident_id}/reports/draft", response_model=s.DraftRead)
def report_draft(platform_id: str, incident_id: str, session: SessionDep, actor: Reader,
                 kind: Annotated[str, Query(pattern="^(first|supplement|summary)$")]
                 ) -> s.DraftRead:
    """The report filled from the incident, with the fields the reporter must still write."""
    from zeren.security.domain import rules

    inc, fields, missing = reports.draft(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id),
                                         incident_id=incident_id, kind=kind)
    due = {"first": inc.first_report_due, "summary": inc.summary_due}.get(kind)
    return s.DraftRead(kind=kind, title_zh=rules().reports[kind].zh,
                       fields=[s.FieldRead(key=f.key, zh=f.zh, en=f.en, value=f.value)
                               for f in fields], missing=missing, due=due)


@router.post("/incidents/{incident_id}/reports", response_model=s.ReportRead, status_code=201)
def submit_report(platform_id: str, incident_id: str, body: s.ReportIn, session: SessionDep,
                  actor: Reporter, request: Request, tasks: BackgroundTasks) -> s.ReportRead:
    """Record a report submitted to the authority (late ones need ``delay_reason``)."""
    rep = reports.submit(session=session, actor=actor, platform_id=_pid(session, platform_id),
                         incident_id=incident_id, data=body)
    _kick(request, tasks)
    return s.ReportRead.model_validate(rep)


@router.get("/incidents/{incident_id}/reports", response_model=list[s.ReportRead])
def list_reports(platform_id: str, incident_id: str, session: SessionDep, actor: Reader
                 ) -> list[s.ReportRead]:
    inc = incidents.get_incident(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id), incident_id=incident_id)
    return [s.ReportRead.model_validate(r)
            for r in reports.reports(session=session, actor=actor, incident=inc)]


@router.get("/reports/{report_id}/export", response_model=None)
def export_report(platform_id: str, report_id: str, session: SessionDep, actor: Reader,
                  format: Annotated[str, Query(pattern="^(json|txt)$")] = "txt"
                  ) -> Response | s.ReportRead:
    """A submitted report as text (for the authority's form) or JSON."""
    rep, inc, text = reports.export(session=session, actor=actor,
                                    platform_id=_pid(session, platform_id), report_id=report_id)
    if format == "json":
        return s.ReportRead.model_validate(rep)
    return PlainTextResponse(text, headers={
        "Content-Disposition": f'attachment; filename="{inc.number}-{rep.kind}.txt"'})


def _breach_read(b: object) -> s.BreachRead:
    out = s.BreachRead.model_validate(b)
    from zeren.security.domain import missing_contents

    out.missing_contents = missing_contents(out.model_dump())
    return out


@router.post("/breaches", response_model=s.BreachRead, status_code=201)
def record_breach(platform_id: str, body: s.BreachIn, session: SessionDep, actor: Writer
                  ) -> s.BreachRead:
    return _breach_read(breaches.record_breach(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/breaches", response_model=Page[s.BreachRead])
def list_breaches(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                  ) -> Page[s.BreachRead]:
    """Breaches, newest found first, each with the notice contents it still lacks."""
    rows, total = breaches.list_breaches(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id),
                                         offset=page.offset, limit=page.limit)
    return page_of([_breach_read(b) for b in rows], total, page)


@router.get("/breaches/{breach_id}/notices", response_model=list[s.NoticeRead])
def list_notices(platform_id: str, breach_id: str, session: SessionDep, actor: Reader
                 ) -> list[s.NoticeRead]:
    b = breaches.get_breach(session=session, actor=actor, platform_id=_pid(session, platform_id),
                            breach_id=breach_id)
    return [s.NoticeRead.model_validate(n)
            for n in breaches.notices(session=session, actor=actor, breach=b)]


@router.post("/breaches/{breach_id}/notices/authority", response_model=s.NoticeRead,
             status_code=201)
def notify_authority(platform_id: str, breach_id: str, body: s.AuthorityNoticeIn,
                     session: SessionDep, actor: Writer, request: Request,
                     tasks: BackgroundTasks) -> s.NoticeRead:
    """Generate and record the notice to the authority (个保法 第五十七条)."""
    n = breaches.notify_authority(session=session, actor=actor,
                                  platform_id=_pid(session, platform_id), breach_id=breach_id,
                                  data=body)
    _kick(request, tasks)
    return s.NoticeRead.model_validate(n)


@router.post("/breaches/{breach_id}/notices/individuals", response_model=None, status_code=201)
async def notify_individuals(platform_id: str, breach_id: str, file: UploadFile,
                             session: SessionDep, actor: Writer, request: Request,
                             tasks: BackgroundTasks, channel: str = "") -> Response:
    """Generate the individuals' notice and return the bulk notice file (CSV) for the
    platform's messaging; the notice is recorded with the file's SHA-256 and the count."""
    content = await file.read(MAX_LIST + 1)
    if len(content) > MAX_LIST:
        raise TooLarge("the recipients file is too large", details={"field": "file"})
    got = breaches.notify_individuals(session=session, actor=actor,
                                      platform_id=_pid(session, platform_id),
                                      breach_id=breach_id, recipients_csv=content,
                                      channel=channel[:100])
    _kick(request, tasks)
    return Response(got.file, status_code=201, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="breach-{breach_id[:8]}-notices.csv"',
        "X-Zeren-Notice-Id": got.notice.id, "X-Zeren-Recipients": str(got.notice.recipients)})
