"""Pagination shared by every list endpoint: ``?offset=&limit=`` in, ``{items, total, offset,
limit}`` out. A list read from the database is paged in SQL (``fetch_page``: the rows asked
for and the total the query matches, two statements whatever the size); ``paginate`` slices
only lists that live in memory by nature (the guideline's 35 articles)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class PageParams(BaseModel):
    offset: int
    limit: int


def page_params(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=10**6, description="Rows to return (capped by settings).")]
    = 50,
) -> PageParams:
    cap: int = request.app.state.settings.page_size_max
    return PageParams(offset=offset, limit=min(limit, cap))


PageDep = Annotated[PageParams, Depends(page_params)]


def fetch_page(session: Session, query: Select[Any], params: PageParams
               ) -> tuple[list[Any], int]:
    """The rows of ``query`` from ``params.offset`` (at most ``params.limit``) and the total
    the query matches, both computed by the database."""
    total = session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.offset(params.offset).limit(params.limit)))
    return rows, int(total)


def page_of(items: list[T], total: int, params: PageParams) -> Page[T]:
    return Page[T](items=items, total=total, offset=params.offset, limit=params.limit)


def paginate(items: list[T], params: PageParams) -> Page[T]:
    """Slice an in-memory list (only for lists that live in memory by nature)."""
    return Page[T](items=items[params.offset : params.offset + params.limit], total=len(items),
                   offset=params.offset, limit=params.limit)
