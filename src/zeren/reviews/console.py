"""Console pages of reviews: the display-audit report of a platform — each audit with what it
found (reviews missing, altered, pushed down or invented without a measure)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.hookspecs import hookimpl
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.reviews import service as svc

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


@router.get("/reviews/audits", response_class=HTMLResponse)
def audits_page(request: Request, actor: ConsoleActor, s: SessionDep) -> Response:
    """The display-audit report (``?platform=code``), newest first, with findings."""
    ref = request.query_params.get("platform", "")
    if not ref:
        raise InvalidInput("name the platform (?platform=code)", field="platform")
    p = get_platform(session=s, platform_ref=ref)
    rows, total = svc.audits(session=s, actor=actor, platform_id=p.id,
                             params=PageParams(offset=0, limit=50))
    items = [(a, svc.audit_findings(session=s, actor=actor, audit=a)[:100]) for a in rows]
    return render(request, "reviews_audits.html", p=p, items=items, total=total)


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates")]
