"""db.bulk: the one-step SQLite processor of UTC datetimes writes what SQLAlchemy's two
processors write; rows convert column by column to the same tuples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from zeren.db import bulk
from zeren.db.base import UTCDateTime
from zeren.reviews.models import REVIEWS

VALUES = [
    datetime(2026, 12, 2, 18, 40, 0, tzinfo=UTC),                       # no microseconds
    datetime(2026, 12, 2, 18, 40, 0, 5, tzinfo=UTC),
    datetime(999, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),                   # a short year
    datetime(2026, 1, 1, 7, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Shanghai")),
    datetime(1988, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")),       # summer time
    datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]


def _sqlalchemy_two_step(v: datetime) -> str:
    dialect = create_engine("sqlite://").dialect
    t = UTCDateTime()
    p = t._cached_bind_processor(dialect)
    assert p is not None
    return str(p(v))


@pytest.mark.parametrize("v", VALUES, ids=lambda v: v.isoformat())
def test_utc_sqlite_matches_sqlalchemy(v: datetime) -> None:
    assert bulk._utc_sqlite(v) == _sqlalchemy_two_step(v)


def test_utc_sqlite_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        bulk._utc_sqlite(datetime(2026, 1, 1))


def test_convert_matches_row_by_row() -> None:
    s = Session(create_engine("sqlite://"))
    now = datetime.now(UTC)
    rows = [{"id": f"id{i}", "platform_id": "p", "review_ref": f"R{i}", "order_id": f"O{i}",
             "merchant_ref": "m", "listing_ref": "L", "rating": 1 + i % 5, "text": "好",
             "images": ["a" * 64] if i % 2 else [], "fingerprint": "0" * 64,
             "reviewed_at": now - timedelta(seconds=i), "reviewer_ref": None if i % 3 else "r",
             "ingested_at": now, "ingested_by": "t"} for i in range(50)]
    keys = list(rows[0])
    procs = bulk._processors(s, REVIEWS, keys)
    dialect = s.get_bind().dialect
    slow = [REVIEWS.c[k].type._cached_bind_processor(dialect) for k in keys]
    want = [tuple(v if p is None or v is None else p(v)
                  for v, p in zip((r[k] for k in keys), slow, strict=True)) for r in rows]
    assert bulk._convert(rows, keys, procs) == want
    assert bulk._utc_sqlite in procs  # the fast path was taken for reviewed_at/ingested_at
