"""Console pages of the governance registers: the platforms the user may read, each
platform's interoperability requests (第三条) and its compliance programme — policies,
regulators' requests, training completion per duty and, for those who handle them,
integrity cases (第五条). Pages read through the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.deps import SessionDep
from zeren.governance import domain as d
from zeren.governance.services import compliance, deals, enforcement, figures, interop
from zeren.hookspecs import hookimpl
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform, list_platforms
from zeren.timepolicy import beijing_today, format_beijing

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)
PAGE = 50


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


@router.get("/governance", response_class=HTMLResponse)
def index(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    """The platforms whose governance registers the user may read."""
    ids = actor.platforms_for("governance.read")
    rows = [p for p in list_platforms(session=s, actor=actor) if ids is None or p.id in ids]
    return render(request, "gov_index.html", platforms=rows)


@router.get("/platforms/{ref}/governance/interop", response_class=HTMLResponse)
def interop_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    offset = _offset(request)
    rows, total = interop.list_requests(session=s, actor=actor, platform_id=p.id,
                                        params=PageParams(offset=offset, limit=PAGE))
    return render(request, "gov_interop.html", p=p, rows=rows, total=total, offset=offset,
                  page=PAGE, grounds=d.interop_grounds(), decisions=d.interop_decisions(),
                  today=beijing_today())


@router.get("/platforms/{ref}/governance/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor
                    ) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    everything = PageParams(offset=0, limit=200)
    policies, n_policies = compliance.list_policies(session=s, actor=actor, platform_id=p.id,
                                                    params=everything)
    requests, n_requests = compliance.list_regulator_requests(
        session=s, actor=actor, platform_id=p.id, params=everything)
    completion = compliance.completion(session=s, actor=actor, platform_id=p.id)
    cases: list[object] = []
    if actor.can("governance.integrity", p.id):
        cases = list(compliance.list_cases(session=s, actor=actor, platform_id=p.id,
                                           params=everything)[0])
    return render(request, "gov_compliance.html", p=p, policies=policies,
                  n_policies=n_policies, requests=requests, n_requests=n_requests,
                  completion=completion, threshold=d.training_threshold(), cases=cases,
                  today=beijing_today())


@router.get("/platforms/{ref}/governance/concentrations", response_class=HTMLResponse)
def deals_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    offset = _offset(request)
    rows, total = deals.list_deals(session=s, actor=actor, platform_id=p.id,
                                   params=PageParams(offset=offset, limit=PAGE))
    return render(request, "gov_deals.html", p=p, rows=rows, total=total, offset=offset,
                  page=PAGE, thresholds=d.thresholds())


@router.get("/platforms/{ref}/governance/enforcement", response_class=HTMLResponse)
def enforcement_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor
                     ) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    offset = _offset(request)
    rows, total = enforcement.list_requests(session=s, actor=actor, platform_id=p.id,
                                            params=PageParams(offset=offset, limit=PAGE))
    holds = enforcement.list_holds(session=s, actor=actor, platform_id=p.id)
    return render(request, "gov_enforcement.html", p=p, rows=rows, total=total, offset=offset,
                  page=PAGE, holds=holds, today=beijing_today())


@router.get("/platforms/{ref}/governance/figures", response_class=HTMLResponse)
def figures_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    """Innovation (第九条) and packaging (第三十二条) figures year over year."""
    p = get_platform(session=s, platform_ref=ref)
    reports = {kind: figures.report(session=s, actor=actor, platform_id=p.id, kind=kind)
               for kind in d.figure_kinds()}
    return render(request, "gov_figures.html", p=p, reports=reports, kinds=d.figure_kinds())


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates", locale=HERE / "locale",
                         filters={"beijing": format_beijing})]
