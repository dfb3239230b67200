"""Console page of the audit trail: newest first, fifty a page, limited to the platforms on
which the signed-in user may read it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.audit.service import list_events
from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    raw = request.query_params.get("offset", "0")
    offset = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    rows, total = list_events(session=s, actor=actor, offset=offset, limit=50)
    return render(request, "audit.html", rows=rows, total=total, offset=offset)


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router)]
