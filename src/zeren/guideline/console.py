"""Console pages of the guideline: the 35 articles, and one article with its items."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.errors import NotFound
from zeren.guideline.domain import load_guideline
from zeren.hookspecs import hookimpl
from zeren.plugins import registered_modules

router = APIRouter(include_in_schema=False)


@router.get("/guideline", response_class=HTMLResponse)
def guideline_index(request: Request, _actor: ConsoleActor) -> Response:
    return render(request, "guideline.html", g=load_guideline(), article=None)


@router.get("/guideline/{number}", response_class=HTMLResponse)
def guideline_article(request: Request, _actor: ConsoleActor, number: int) -> Response:
    g = load_guideline()
    art = g.article(number)
    if art is None:
        raise NotFound(f"no article {number}", details={"field": "number"})
    caps = {c.key: c for c in g.capabilities}
    status = g.capability_status(registered_modules())
    return render(request, "guideline.html", g=g, article=art,
                  obligations=g.obligations_of(number),
                  capabilities=[(caps[k], status[k]) for k in art.capabilities])


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router)]
