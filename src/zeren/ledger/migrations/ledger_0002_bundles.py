"""Ledger: entries stored as C2SP entry-bundle runs (one row per batch and bundle) instead of
one row per entry; ``ledger_entries`` is copied into ``ledger_bundles`` and dropped.

A new revision rather than an edit of ledger_0001: databases at ledger_0001 exist (developer
and test databases), and an edited revision would leave them at "head" with the old tables.
Steps: add the table, copy every entry (checked against the newest checkpoint's size), make
the new table append-only, then drop the old one. The copy holds all entries of a log; leaf
hashes are not copied (they are the full level-0 tiles, and recomputed for the partial one).

Revision ID: ledger_0002
Revises: ledger_0001
Create Date: 2026-11-28
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "ledger_0002"
down_revision: str | None = "ledger_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WIDTH = 256


def _bundles_table() -> None:
    op.create_table(
        "ledger_bundles",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("idx", BIG, autoincrement=False, nullable=False),
        sa.Column("width", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.SmallInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("width BETWEEN 1 AND 256", name=op.f("ck_ledger_bundles_width")),
        sa.CheckConstraint("count BETWEEN 1 AND width", name=op.f("ck_ledger_bundles_count")),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_bundles_log_id_ledger_logs")
        ),
        sa.PrimaryKeyConstraint("log_id", "idx", "width", name=op.f("pk_ledger_bundles")),
    )


def _entries(conn: sa.Connection, log_id: int) -> Iterator[tuple[int, bytes]]:
    last = -1
    while True:
        rows = conn.execute(
            sa.text("SELECT idx, data FROM ledger_entries WHERE log_id = :lid AND idx > :last "
                    "ORDER BY idx LIMIT 8192"), {"lid": log_id, "last": last},
        ).all()
        if not rows:
            return
        for idx, data in rows:
            yield int(idx), bytes(data)
        last = int(rows[-1][0])


def upgrade() -> None:
    _bundles_table()
    conn = op.get_bind()
    insert = sa.text("INSERT INTO ledger_bundles (log_id, idx, width, count, data) "
                     "VALUES (:log_id, :idx, :width, :count, :data)")
    for (log_id,) in conn.execute(sa.text("SELECT id FROM ledger_logs ORDER BY id")).all():
        size = conn.execute(sa.text(
            "SELECT max(size) FROM ledger_checkpoints WHERE log_id = :lid"), {"lid": log_id}
        ).scalar_one() or 0
        chunk: list[bytes] = []
        rows: list[dict[str, object]] = []
        expect = 0
        for idx, data in _entries(conn, int(log_id)):
            if idx != expect:
                raise RuntimeError(f"ledger log {log_id}: entry {expect} is missing")
            if idx >= size:
                break  # written after the newest checkpoint: never acknowledged
            expect += 1
            chunk.append(len(data).to_bytes(2, "big") + data)
            if len(chunk) == WIDTH or expect == size:
                rows.append({"log_id": log_id, "idx": idx // WIDTH, "width": len(chunk),
                             "count": len(chunk), "data": b"".join(chunk)})
                chunk = []
            if len(rows) >= 64:
                conn.execute(insert, rows)
                rows = []
        if rows:
            conn.execute(insert, rows)
        if expect != size:
            raise RuntimeError(f"ledger log {log_id}: {expect} entries, checkpoint says {size}")
    make_append_only("ledger_bundles")
    drop_append_only("ledger_entries")
    op.drop_table("ledger_entries")
    if conn.dialect.name == "postgresql":
        op.execute(EXPECT_SIZE)


# The integrator's optimistic batch (PostgreSQL): after taking the log's advisory lock, check
# the log still has the size the integrator's in-memory tree has, in the same round trip as
# the batch's writes; if not, the batch fails with serialization_failure and is retried.
EXPECT_SIZE = """CREATE OR REPLACE FUNCTION ledger_expect_size(p_log integer, p_size bigint)
RETURNS void AS $$
DECLARE
  got bigint;
BEGIN
  SELECT max(size) INTO got FROM ledger_checkpoints WHERE log_id = p_log;
  IF got IS DISTINCT FROM p_size THEN
    RAISE EXCEPTION 'ledger log % has % entries, the writer expected %', p_log, got, p_size
      USING ERRCODE = 'serialization_failure';
  END IF;
END $$ LANGUAGE plpgsql"""


def downgrade() -> None:
    import hashlib

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_expect_size(integer, bigint)")

    op.create_table(
        "ledger_entries",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("idx", BIG, autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_entries_log_id_ledger_logs")
        ),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_entries")),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    insert = sa.text("INSERT INTO ledger_entries (log_id, idx, leaf_hash, data) "
                     "VALUES (:log_id, :idx, :leaf_hash, :data)")
    for log_id, idx, width, count, blob in conn.execute(sa.text(
        "SELECT log_id, idx, width, count, data FROM ledger_bundles ORDER BY log_id, idx, width"
    )).all():
        data, pos, rows = bytes(blob), 0, []
        first = int(idx) * WIDTH + int(width) - int(count)
        for i in range(int(count)):
            n = int.from_bytes(data[pos : pos + 2], "big")
            e = data[pos + 2 : pos + 2 + n]
            pos += 2 + n
            rows.append({"log_id": log_id, "idx": first + i,
                         "leaf_hash": hashlib.sha256(b"\x00" + e).digest(), "data": e})
        conn.execute(insert, rows)
    make_append_only("ledger_entries")
    drop_append_only("ledger_bundles")
    op.drop_table("ledger_bundles")
