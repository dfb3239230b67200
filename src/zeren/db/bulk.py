"""Bulk statements for hot paths: rows go to the driver's executemany as tuples, each value
passed once through its column's own bind processor (so stored values are exactly what the
ORM would store) and repeated values converted once. SQLAlchemy's own executemany builds a
parameter dictionary per row, which costs more than the insert itself for files of 100,000
inventory rows or a gate batch of 1,000 decisions (issue 15's measurements)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.orm import Session

from zeren.db.base import UTCDateTime

CHUNK = 20_000


def _processors(session: Session, table: Table, keys: Sequence[str]) -> list[Any]:
    dialect = session.get_bind().dialect
    out = []
    for k in keys:
        t = table.c[k].type
        fast = (isinstance(t, UTCDateTime) and dialect.name == "sqlite"
                and getattr(t.impl_instance, "_storage_format", _SQLITE_FORMAT) == _SQLITE_FORMAT)
        out.append(_utc_sqlite if fast else t._cached_bind_processor(dialect))
    return out


# SQLAlchemy's SQLite DATETIME text; isoformat(" ", "microseconds") writes the same characters
_SQLITE_FORMAT = ("%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
                  ".%(microsecond)06d")


def _utc_sqlite(v: datetime) -> str:
    """UTCDateTime then SQLite's DATETIME in one step (a tenth of the two processors' cost;
    tests/db/test_bulk.py compares both on every kind of value)."""
    if v.tzinfo is None:
        raise ValueError("naive datetime given; Zeren stores aware UTC datetimes")
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    return v.replace(tzinfo=None).isoformat(" ", "microseconds")


def _convert(rows: Sequence[dict[str, Any]], keys: Sequence[str], procs: Sequence[Any]
             ) -> list[tuple[Any, ...]]:
    # Column by column: one comprehension per column rather than a Python loop per value.
    cols = [[r[k] for r in rows] for k in keys]
    for i, p in enumerate(procs):
        if p is not None:
            cols[i] = _column(cols[i], p)
    return list(zip(*cols, strict=True))


def _column(vals: list[Any], p: Any) -> list[Any]:
    memo: dict[Any, Any] = {}
    out: list[Any] = []
    for v in vals:
        if v is None:
            out.append(None)
        elif isinstance(v, dict) or (isinstance(v, list) and v
                                     and isinstance(v[0], dict | list)):
            out.append(p(v))  # a JSON document: not hashable, converted each time
        else:
            hk = tuple(v) if isinstance(v, list) else v
            got = memo.get(hk, _MISSING)
            if got is _MISSING:
                got = p(v)
                if len(memo) < 50_000:
                    memo[hk] = got
            out.append(got)
    return out


_MISSING = object()


def _marks(session: Session, n: int) -> list[str]:
    style = session.get_bind().dialect.paramstyle
    return ["?" if style == "qmark" else "%s"] * n


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's transaction."""
    if not rows:
        return
    keys = list(rows[0])
    sql = (f"INSERT INTO {table.name} ({', '.join(keys)}) "
           f"VALUES ({', '.join(_marks(session, len(keys)))})")
    data = _convert(rows, keys, _processors(session, table, keys))
    conn = session.connection()
    for i in range(0, len(data), CHUNK):
        conn.exec_driver_sql(sql, data[i:i + CHUNK])


def bulk_update(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE ``table`` by id: each row holds ``_id`` and the columns to set."""
    if not rows:
        return
    keys = [k for k in rows[0] if k != "_id"]
    marks = _marks(session, len(keys) + 1)
    sets = ", ".join(f"{k} = {m}" for k, m in zip(keys, marks[:-1], strict=True))
    sql = f"UPDATE {table.name} SET {sets} WHERE id = {marks[-1]}"
    procs = [*_processors(session, table, keys), None]
    data = _convert([{**r, "id": r["_id"]} for r in rows], [*keys, "id"], procs)
    session.connection().exec_driver_sql(sql, data)


def raw_rows(session: Session, stmt: Executable) -> list[tuple[Any, ...]]:
    """The rows of a Core select as the driver returns them: no Row object and no result
    processing per row (a million rows of plain columns read in a fraction of the time).
    Values of processed types come raw: a UTC datetime is text on SQLite."""
    res = session.connection().execute(stmt)
    try:
        cur: Any = res.cursor
        return list(cur.fetchall())
    finally:
        res.close()
