"""Bulk statements for hot paths: rows go to the driver's executemany as tuples, each value
passed once through its column's own bind processor (so stored values are exactly what the
ORM would store) and repeated values converted once. SQLAlchemy's own executemany builds a
parameter dictionary per row, which costs more than the insert itself for files of 100,000
inventory rows or a gate batch of 1,000 decisions (issue 15's measurements)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

CHUNK = 20_000


def _processors(session: Session, table: Table, keys: Sequence[str]) -> list[Any]:
    dialect = session.get_bind().dialect
    return [table.c[k].type._cached_bind_processor(dialect) for k in keys]


def _convert(rows: Sequence[dict[str, Any]], keys: Sequence[str], procs: Sequence[Any]
             ) -> list[tuple[Any, ...]]:
    memo: list[dict[Any, Any]] = [{} for _ in keys]
    out = []
    for r in rows:
        vals = []
        for i, k in enumerate(keys):
            v = r[k]
            p = procs[i]
            if p is not None and v is not None:
                if isinstance(v, dict) or (isinstance(v, list) and v
                                           and isinstance(v[0], dict | list)):
                    v = p(v)  # a JSON document: not hashable, converted each time
                else:
                    hk = tuple(v) if isinstance(v, list) else v
                    got = memo[i].get(hk, _MISSING)
                    if got is _MISSING:
                        got = p(v)
                        if len(memo[i]) < 50_000:
                            memo[i][hk] = got
                    v = got
            vals.append(v)
        out.append(tuple(vals))
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
