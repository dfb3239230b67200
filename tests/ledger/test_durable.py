"""Ledger batches are committed durably (ADR 0009): ``synchronous=FULL`` around the batch on
SQLite, ``synchronous_commit`` on inside the batch's transaction on PostgreSQL even when the
session default is off. We watch the statements the driver really sends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from zeren.db.session import make_engine
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys


@pytest.fixture
def traced(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[Engine, list[str]]]:
    seen: list[str] = []
    eng = make_engine(db_url)
    if eng.dialect.name == "sqlite":
        @event.listens_for(eng, "connect")
        def trace(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.set_trace_callback(lambda sql: seen.append(sql.strip()))
    else:
        import psycopg

        @event.listens_for(eng, "connect")
        def lower(dbapi_conn: Any, _rec: Any) -> None:
            with dbapi_conn.cursor() as c:  # as a server configured for speed would be
                c.execute("SET synchronous_commit TO off")
            dbapi_conn.commit()

        for cls, name in ((psycopg.Cursor, "execute"), (psycopg.Cursor, "executemany"),
                          (psycopg.Connection, "commit")):
            orig = getattr(cls, name)

            def wrap(self: Any, *a: Any, _orig: Any = orig, _name: str = name, **kw: Any) -> Any:
                seen.append("COMMIT" if _name == "commit" else str(a[0]).strip())
                return _orig(self, *a, **kw)

            monkeypatch.setattr(cls, name, wrap)
    yield eng, seen
    eng.dispose()


def _between(seen: list[str], first: str, last: str) -> list[str]:
    i = next(n for n, s in enumerate(seen) if first in s)
    j = next(n for n in range(i, len(seen)) if seen[n].upper() == last)
    return seen[i: j + 1]


def test_a_batch_commits_durably(traced: tuple[Engine, list[str]], tmp_path: Path) -> None:
    eng, seen = traced
    integ = Integrator(eng, keys=LogKeys(tmp_path / "keys"), batch_size=8, batch_ms=5)
    integ.log("durable")
    seen.clear()
    batch = integ.append_batch("durable", [PendingEntry(b"x%d" % i) for i in range(3)])
    assert batch.checkpoint_size == 3
    if eng.dialect.name == "sqlite":
        txn = _between(seen, "PRAGMA synchronous=FULL", "COMMIT")
        assert any(s.startswith("BEGIN IMMEDIATE") for s in txn)
        assert any("INSERT INTO ledger_checkpoints" in s for s in txn)
        after = seen[seen.index(txn[-1]) + 1:]
        assert after and after[0] == "PRAGMA synchronous=1", "NORMAL is put back afterwards"
        with eng.connect() as c:
            assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # other work: NORMAL
    else:
        txn = _between(seen, "synchronous_commit TO on", "COMMIT")
        assert any("INSERT INTO ledger_checkpoints" in s for s in txn)
    integ.close()


def test_a_new_log_is_created_durably(traced: tuple[Engine, list[str]], tmp_path: Path) -> None:
    eng, seen = traced
    integ = Integrator(eng, keys=LogKeys(tmp_path / "keys"), batch_size=8, batch_ms=5)
    integ.log("fresh")
    if eng.dialect.name == "sqlite":
        txn = _between(seen, "PRAGMA synchronous=FULL", "COMMIT")
    else:
        txn = _between(seen, "synchronous_commit TO on", "COMMIT")
    assert any("INSERT INTO ledger_checkpoints" in s for s in txn)
