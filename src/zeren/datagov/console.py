"""Console pages of data governance: the inventory with its filters and the count per level,
and the merge gate's decision log. Pages read through the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.datagov import domain as d
from zeren.datagov.services import consent, inventory
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl
from zeren.platforms.service import get_platform, list_platforms
from zeren.timepolicy import format_beijing, parse_instant

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)
PAGE = 50


def _flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


@router.get("/datagov", response_class=HTMLResponse)
def index(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    """The platforms whose inventory the user may read."""
    ids = actor.platforms_for("datagov.read")
    rows = [p for p in list_platforms(session=s, actor=actor) if ids is None or p.id in ids]
    return render(request, "dg_index.html", platforms=rows)


@router.get("/platforms/{ref}/datagov/assets", response_class=HTMLResponse)
def assets_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    q = request.query_params
    f = inventory.AssetFilter(level=q.get("level") or None, system=q.get("system") or None,
                              personal_info=_flag(q.get("pi")),
                              sensitive_personal_info=_flag(q.get("spi")),
                              review_overdue=_flag(q.get("overdue")),
                              officer_missing=_flag(q.get("no_officer")),
                              q=(q.get("q") or "")[:100] or None)
    offset = _offset(request)
    rows, total, counts = inventory.list_assets(session=s, actor=actor, platform_id=p.id,
                                                filters=f, offset=offset, limit=PAGE)
    return render(request, "dg_assets.html", p=p, rows=rows, total=total, counts=counts,
                  offset=offset, page=PAGE, q=q, scheme=d.scheme(),
                  systems=inventory.systems(session=s, actor=actor, platform_id=p.id))


@router.get("/platforms/{ref}/datagov/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=ref)
    q = request.query_params
    offset = _offset(request)
    outcome = q.get("outcome") or None
    since = parse_instant(q["since"], "since") if q.get("since") else None
    rows, total = consent.decision_log(session=s, actor=actor, platform_id=p.id, offset=offset,
                                       limit=PAGE, outcome=outcome, since=since)
    return render(request, "dg_decisions.html", p=p, rows=rows, total=total, offset=offset,
                  page=PAGE, q=q, reasons=d.REASON_TEXT)


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates", locale=HERE / "locale",
                         filters={"beijing": format_beijing})]
