"""Console pages of the merchant registry: the list with its filters and counts, a merchant
(identity, licences with their countdown, verifications, listings, disclosure checks,
sanctions from the public board, orders summary, history), the due-work queue and the tax
reports. Pages read through the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl
from zeren.merchants import domain as d
from zeren.merchants.services import disclosure, listings, registry, reports, verification
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.timepolicy import beijing_today, format_beijing

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)
PAGE = 50


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 5 else None


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


@router.get("/platforms/{ref}/merchants", response_class=HTMLResponse)
def merchants_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    """The registry with filters (status, kind, verification, due, licence expiring, search)
    and its counts."""
    p = get_platform(session=s, platform_ref=ref)
    q = request.query_params
    f = registry.ListFilters(status=q.get("status") or None, kind=q.get("kind") or None,
                             verification=q.get("verification") or None,
                             due_within_days=_int(request, "due"),
                             licence_within_days=_int(request, "licence"),
                             q=(q.get("q") or "")[:200] or None)
    offset = _offset(request)
    rows, total, _next = registry.list_merchants(session=s, actor=actor, platform_id=p.id,
                                                 filters=f,
                                                 params=PageParams(offset=offset, limit=PAGE))
    return render(request, "mer_list.html", p=p, rows=rows, total=total or 0, offset=offset,
                  page=PAGE, q=q, reg=d.registry(), today=beijing_today(),
                  counts=registry.counts(session=s, actor=actor, platform_id=p.id))


@router.get("/platforms/{ref}/merchants/due", response_class=HTMLResponse)
def due_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    """The due-work queue: verifications, re-verifications, licence expiries, lapses."""
    p = get_platform(session=s, platform_ref=ref)
    kind = request.query_params.get("kind") or None
    offset = _offset(request)
    rows, total = verification.due_tasks(session=s, actor=actor, platform_id=p.id,
                                         params=PageParams(offset=offset, limit=PAGE),
                                         kind=kind)
    return render(request, "mer_due.html", p=p, rows=rows, total=total, offset=offset,
                  page=PAGE, kind=kind or "", kinds=verification.TASK_KINDS,
                  today=beijing_today())


@router.get("/platforms/{ref}/merchants/reports", response_class=HTMLResponse)
def reports_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    """The tax reports by quarter and version, and the figures of the last ended quarter."""
    p = get_platform(session=s, platform_ref=ref)
    quarter = request.query_params.get("quarter") or d.last_ended_quarter(
        beijing_today()).label
    preview = reports.preview_tax(session=s, actor=actor, platform_id=p.id, quarter=quarter)
    return render(request, "mer_reports.html", p=p, preview=preview,
                  heads=dict(preview.columns),
                  rows=reports.reports(session=s, actor=actor, platform_id=p.id))


@router.get("/platforms/{ref}/merchants/{merchant}", response_class=HTMLResponse)
def merchant_page(request: Request, ref: str, merchant: str, s: SessionDep,
                  actor: ConsoleActor) -> Response:
    """One merchant: identity, licences with days left, verifications, listings, disclosure
    checks, sanctions, orders, history."""
    p = get_platform(session=s, platform_ref=ref)
    v = registry.merchant_view(session=s, actor=actor, platform_id=p.id, merchant=merchant)
    m = v.merchant
    lst, lst_total = listings.list_listings(
        session=s, actor=actor, platform_id=p.id,
        filters=listings.ListingFilters(merchant_id=m.id), params=PageParams(offset=0, limit=20))
    return render(request, "mer_merchant.html", p=p, v=v, m=m, reg=d.registry(),
                  verifications=verification.verifications(session=s, actor=actor, merchant=m),
                  listings=lst, listings_total=lst_total,
                  disclosures=disclosure.disclosures(session=s, actor=actor, merchant=m)[:10],
                  sanctions=registry.sanctions(session=s, actor=actor, merchant=m),
                  orders=reports.orders_summary(session=s, actor=actor, merchant=m),
                  history=registry.history(session=s, actor=actor, merchant=m))


def yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates",
                         filters={"beijing": format_beijing, "yuan": yuan})]
