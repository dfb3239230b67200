"""HTTP routes for the guideline as data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from zeren.auth.policy import Actor
from zeren.deps import require
from zeren.errors import NotFound
from zeren.guideline.domain import Article, Obligation, load_guideline, load_tier_rules
from zeren.pagination import Page, PageDep, paginate

router = APIRouter(prefix="/guideline", tags=["guideline"])
Reader = Annotated[Actor, Depends(require("guideline.read"))]


@router.get("/articles", response_model=Page[Article])
def list_articles(_actor: Reader, page: PageDep) -> Page[Article]:
    """All 35 articles with items, scope and capabilities."""
    return paginate(list(load_guideline().articles), page)


@router.get("/articles/{number}", response_model=Article)
def get_article(number: int, _actor: Reader) -> Article:
    art = load_guideline().article(number)
    if art is None:
        raise NotFound(f"no article {number}; the guideline has articles 1 to 35",
                       details={"field": "number"})
    return art


@router.get("/obligations", response_model=Page[Obligation])
def list_obligations(_actor: Reader, page: PageDep, article: int | None = None
                     ) -> Page[Obligation]:
    """The obligations (each duty an article states, the unit of the posture), optionally of
    one article."""
    g = load_guideline()
    if article is not None and g.article(article) is None:
        raise NotFound(f"no article {article}; the guideline has articles 1 to 35",
                       details={"field": "article"})
    found = g.obligations if article is None else g.obligations_of(article)
    return paginate(list(found), page)


@router.get("/meta")
def guideline_meta(_actor: Reader) -> dict[str, Any]:
    """Source, definitions, exemption grounds, capabilities and the tier thresholds."""
    g = load_guideline()
    return {
        "source": g.source.model_dump(mode="json"),
        "definitions": [d.model_dump() for d in g.definitions],
        "exemption_grounds": [x.model_dump() for x in g.exemption_grounds],
        "capabilities": [c.model_dump() for c in g.capabilities],
        "tier_rules": load_tier_rules().model_dump(),
    }
