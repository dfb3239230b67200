"""Console pages of platforms: the group overview and a platform's page (tier test, figures,
applicable articles, the exemptions and the organisation registry where the role may read
them)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.exemptions.service import list_exemptions
from zeren.guideline.domain import load_guideline
from zeren.hookspecs import hookimpl
from zeren.org import service as org_service
from zeren.platforms import service as platforms
from zeren.posture import service as posture

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    rows = []
    for p in platforms.list_platforms(session=s, actor=actor):
        counts = None
        if actor.can("posture.read", p.id):
            counts = posture.evaluate(session=s, actor=actor, platform=p, store=False).counts()
        rows.append({"p": p, "ta": platforms.current_tier(session=s, platform_id=p.id),
                     "articles": platforms.applicable(session=s, platform_id=p.id),
                     "counts": counts})
    return render(request, "overview.html", rows=rows)


@router.get("/platforms/{ref}", response_class=HTMLResponse)
def platform_page(request: Request, s: SessionDep, actor: ConsoleActor, ref: str) -> Response:
    p = platforms.platform_for(session=s, actor=actor, platform_ref=ref,
                               permission="platform.read")
    return render(request, "platform.html", p=p,
                  ta=platforms.current_tier(session=s, platform_id=p.id),
                  history=platforms.tier_history(session=s, platform_id=p.id),
                  fig=platforms.latest_figures(session=s, platform_id=p.id),
                  articles=platforms.applicable(session=s, platform_id=p.id),
                  exemptions=(list_exemptions(session=s, platform_id=p.id)
                              if actor.can("exemption.read", p.id) else None),
                  org=({"departments": org_service.departments(session=s, platform_id=p.id),
                        "people": org_service.people(session=s, platform_id=p.id),
                        "duties": org_service.duties(session=s, platform_id=p.id)}
                       if actor.can("org.read", p.id) else None),
                  can_request=actor.can("exemption.request", p.id),
                  can_decide=actor.can("exemption.decide", p.id),
                  default_ends_on=(utcnow() + timedelta(days=90)).date().isoformat(),
                  saved=request.query_params.get("saved"), guideline=load_guideline())


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router)]
