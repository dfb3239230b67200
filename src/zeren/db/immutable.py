"""Database-side guards for records the law requires Zeren to keep: triggers that refuse
UPDATE and DELETE on append-only tables, on SQLite and PostgreSQL alike. The product never
issues such statements; these guards make the database refuse them from anyone else too."""

from __future__ import annotations

from alembic import op


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER trg_{table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END",
        f"CREATE TRIGGER trg_{table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END",
    ]


def _postgresql(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION zeren_refuse_{table}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql""",
        f"CREATE TRIGGER trg_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION zeren_refuse_{table}()",
        f"CREATE TRIGGER trg_{table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION zeren_refuse_{table}()",
    ]


def make_append_only(table: str) -> None:
    """Inside an Alembic migration: make ``table`` refuse UPDATE and DELETE."""
    dialect = op.get_bind().dialect.name
    stmts = _postgresql(table) if dialect == "postgresql" else _sqlite(table)
    for stmt in stmts:
        op.execute(stmt)


def drop_append_only(table: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_truncate ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS zeren_refuse_{table}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_delete")
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_update")
