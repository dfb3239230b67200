"""Console pages of credit evaluation: a merchant's credit page — the latest score, each
component with what it counted, and the published formula version it was computed under."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.credit import service as svc
from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.hookspecs import hookimpl
from zeren.platforms.service import get_platform

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


@router.get("/credit/merchants/{merchant_ref}", response_class=HTMLResponse)
def merchant_page(request: Request, merchant_ref: str, actor: ConsoleActor, s: SessionDep
                  ) -> Response:
    """A merchant's credit score with its explanation (``?platform=code``)."""
    ref = request.query_params.get("platform", "")
    if not ref:
        raise InvalidInput("name the platform (?platform=code)", field="platform")
    p = get_platform(session=s, platform_ref=ref)
    sc, batch = svc.latest_score(session=s, actor=actor, platform_id=p.id,
                                 merchant_ref=merchant_ref)
    return render(request, "credit_merchant.html", p=p, sc=sc, batch=batch)


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates")]
