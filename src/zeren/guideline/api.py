"""HTTP routes for the guideline as data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from zeren.auth.policy import Actor
from zeren.deps import require
from zeren.errors import NotFound
from zeren.guideline.domain import Article, Obligation, load_guideline, load_tier_rules
from zeren.pagination import Page, PageDep, paginate
from zeren.plugins import registered_modules

router = APIRouter(prefix="/guideline", tags=["guideline"])
Reader = Annotated[Actor, Depends(require("guideline.read"))]


class ArticleRead(Article):
    """An article with its obligations, and its capabilities split by status: only
    ``available`` ones (their module runs in this installation) carry the article today;
    ``planned`` ones belong to modules not built or not registered yet."""

    obligations: tuple[Obligation, ...] = ()
    available_capabilities: tuple[str, ...] = ()
    planned_capabilities: tuple[str, ...] = ()


def _read(art: Article) -> ArticleRead:
    g = load_guideline()
    status = g.capability_status(registered_modules())
    return ArticleRead(**art.model_dump(), obligations=g.obligations_of(art.number),
                       available_capabilities=tuple(c for c in art.capabilities
                                                    if status[c] == "available"),
                       planned_capabilities=tuple(c for c in art.capabilities
                                                  if status[c] == "planned"))


@router.get("/articles", response_model=Page[ArticleRead])
def list_articles(_actor: Reader, page: PageDep) -> Page[ArticleRead]:
    """All 35 articles with items, scope, obligations and capabilities (available/planned)."""
    return paginate([_read(a) for a in load_guideline().articles], page)


@router.get("/articles/{number}", response_model=ArticleRead)
def get_article(number: Annotated[int, Path(ge=1, le=1000)], _actor: Reader) -> ArticleRead:
    art = load_guideline().article(number)
    if art is None:
        raise NotFound(f"no article {number}; the guideline has articles 1 to 35",
                       details={"field": "number"})
    return _read(art)


@router.get("/obligations", response_model=Page[Obligation])
def list_obligations(_actor: Reader, page: PageDep,
                     article: Annotated[int | None, Query(ge=1, le=1000)] = None
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
    """Source, definitions, exemption grounds, capabilities (each with its status:
    ``available`` when its module runs here, else ``planned``) and the tier thresholds."""
    g = load_guideline()
    status = g.capability_status(registered_modules())
    return {
        "source": g.source.model_dump(mode="json"),
        "definitions": [d.model_dump() for d in g.definitions],
        "exemption_grounds": [x.model_dump() for x in g.exemption_grounds],
        "capabilities": [{**c.model_dump(), "status": status[c.key]} for c in g.capabilities],
        "tier_rules": load_tier_rules().model_dump(),
    }
