"""Console pages of network security: the incident list, the incident room (the first-report
clock in large type, counting down in the page; the timeline; the reports, the next report's
draft and the form to record it) and the breach notices. Pages read and write through the
same services as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, CsrfForm, redirect, render
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl
from zeren.ledger.outbox import flusher_for
from zeren.platforms.service import get_platform
from zeren.security import domain as d
from zeren.security.schemas import HandledIn, ReportIn
from zeren.security.services import breaches, incidents, reports
from zeren.timepolicy import format_beijing

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


@router.get("/platforms/{ref}/security/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    rows, total = incidents.list_incidents(session=s, actor=actor, platform_id=p.id, limit=200)
    return render(request, "sec_incidents.html", p=p, rows=rows, total=total,
                  clocks={i.id: incidents.clocks(i) for i in rows}, rules=d.rules())


def _next_kind(inc: Any) -> str | None:
    """The report the incident needs next, if any."""
    if not inc.reportable:
        return None
    if inc.first_reported_at is None:
        return "first"
    if inc.handled_at is not None and inc.summary_reported_at is None:
        return "summary"
    return None if inc.summary_reported_at else "supplement"


@router.get("/platforms/{ref}/security/incidents/{incident_id}", response_class=HTMLResponse)
def incident_room(request: Request, ref: str, incident_id: str, s: SessionDep,
                  actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    inc = incidents.get_incident(session=s, actor=actor, platform_id=p.id,
                                 incident_id=incident_id)
    kind = _next_kind(inc)
    draft = reports.draft(session=s, actor=actor, platform_id=p.id, incident_id=inc.id,
                          kind=kind) if kind else None
    return render(request, "sec_incident.html", p=p, inc=inc, clocks=incidents.clocks(inc),
                  timeline=incidents.timeline(session=s, actor=actor, incident=inc),
                  reports=reports.reports(session=s, actor=actor, incident=inc), kind=kind,
                  draft=draft, rules=d.rules(), saved=request.query_params.get("saved"),
                  can_report=actor.can("security.report", p.id),
                  can_write=actor.can("security.write", p.id))


@router.post("/platforms/{ref}/security/incidents/{incident_id}/reports")
def submit_report(request: Request, ref: str, incident_id: str, s: SessionDep,
                  actor: ConsoleActor, form: CsrfForm, tasks: BackgroundTasks) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    answers = {k[7:]: str(v).strip() for k, v in form.items()
               if k.startswith("answer_") and str(v).strip()}
    inc = incidents.get_incident(session=s, actor=actor, platform_id=p.id,
                                 incident_id=incident_id)
    reports.submit(session=s, actor=actor, platform_id=p.id, incident_id=inc.id,
                   data=ReportIn(kind=str(form.get("kind") or ""), answers=answers,
                                 channel=str(form.get("channel") or "")[:100],
                                 delay_reason=str(form.get("delay_reason") or "")[:4000]))
    tasks.add_task(flusher_for(request.app.state.engine, request.app.state.settings.data_dir).kick)
    return redirect(f"/platforms/{ref}/security/incidents/{inc.id}?saved=report")


@router.post("/platforms/{ref}/security/incidents/{incident_id}/handled")
def mark_handled(ref: str, incident_id: str, s: SessionDep, actor: ConsoleActor,
                 form: CsrfForm) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    inc = incidents.mark_handled(session=s, actor=actor, platform_id=p.id,
                                 incident_id=incident_id,
                                 data=HandledIn(note=str(form.get("note") or "")[:4000]))
    return redirect(f"/platforms/{ref}/security/incidents/{inc.id}?saved=handled")


@router.get("/platforms/{ref}/security/breaches", response_class=HTMLResponse)
def breaches_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    rows, total = breaches.board(session=s, actor=actor, platform_id=p.id, limit=100)
    return render(request, "sec_breaches.html", p=p, rows=rows, total=total,
                  clocks={v.incident.id: incidents.clocks(v.incident) for v in rows},
                  contents=d.notice_contents(), rules=d.rules())


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates", locale=HERE / "locale",
                         filters={"beijing": format_beijing, "sec_left": d.format_left})]
