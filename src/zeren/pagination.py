"""Pagination shared by every list endpoint: ``?offset=&limit=`` in, ``{items, total, offset,
limit}`` out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

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


def paginate(items: list[T], params: PageParams) -> Page[T]:
    """Slice an in-memory list (for lists that are small by nature)."""
    return Page[T](items=items[params.offset : params.offset + params.limit], total=len(items),
                   offset=params.offset, limit=params.limit)
