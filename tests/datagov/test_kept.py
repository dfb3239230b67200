"""Kept records of data governance and security refuse UPDATE and DELETE in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from zeren.datagov.models import APPEND_ONLY as DATAGOV
from zeren.security.models import APPEND_ONLY as SECURITY


@pytest.mark.parametrize("table", [*DATAGOV, *SECURITY])
def test_kept_tables_refuse_update_and_delete(engine: Engine, table: str) -> None:
    for stmt in (f"UPDATE {table} SET platform_id = platform_id", f"DELETE FROM {table}"):
        with engine.connect() as c:
            c.exec_driver_sql("SELECT 1")
            # an empty table would let a statement through without firing a row trigger, so
            # check the trigger exists instead of relying on a row being there
            if engine.dialect.name == "sqlite":
                names = {r[0] for r in c.execute(text(
                    "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=:t"),
                    {"t": table})}
                assert {f"trg_{table}_no_update", f"trg_{table}_no_delete"} <= names, stmt
            else:
                names = {r[0] for r in c.execute(text(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass)"),
                    {"t": table})}
                assert f"trg_{table}_append_only" in names, stmt
