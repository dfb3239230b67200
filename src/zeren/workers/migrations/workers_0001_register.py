"""Gig workers (指南 第三十条): the register (identity sealed in the ledger), dispatch-log
imports and segments, kept.

Revision ID: workers_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "workers_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("workers",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _created() -> sa.Column[object]:
    return sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC).")


def upgrade() -> None:
    op.create_table(
        "workers_workers",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("worker_ref", sa.String(length=100), nullable=False,
                  comment="The platform's own id for the worker."),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False,
                  comment="City code whose minimum wage applies (data)."),
        sa.Column("personal_ref", sa.String(length=36), nullable=True,
                  comment="Sealed identity in the ledger's personal-data store."),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_workers_workers_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers_workers")),
    )
    op.create_index("uq_workers_workers_ref", "workers_workers", ["platform_id", "worker_ref"],
                    unique=True)
    op.create_table(
        "workers_log_imports",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False,
                  comment="File name, or 'api'."),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_s", BIG, nullable=False),
        sa.Column("last_s", BIG, nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_workers_log_imports_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers_log_imports")),
    )
    op.create_index("ix_workers_log_imports_time", "workers_log_imports",
                    ["platform_id", "created_at"])
    op.create_table(
        "workers_log",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("worker_id", BIG, nullable=False),
        sa.Column("start_s", BIG, nullable=False, comment="Unix seconds (UTC)."),
        sa.Column("end_s", BIG, nullable=False, comment="Unix seconds (UTC)."),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False,
                  comment="waiting or delivering (data)"),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("pay_fen", BIG, nullable=False,
                  comment="Pay for the orders completed, in fen."),
        sa.Column("import_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_workers_log_platform_id_platforms")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers_workers.id"],
                                name=op.f("fk_workers_log_worker_id_workers_workers")),
        sa.ForeignKeyConstraint(["import_id"], ["workers_log_imports.id"],
                                name=op.f("fk_workers_log_import_id_workers_log_imports")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_workers_log")),
    )
    op.create_index("ix_workers_log_time", "workers_log", ["platform_id", "start_s"])
    op.create_index("ix_workers_log_worker", "workers_log", ["worker_id", "start_s"])
    make_append_only("workers_log_imports")
    make_append_only("workers_log")


def downgrade() -> None:
    drop_append_only("workers_log")
    drop_append_only("workers_log_imports")
    op.drop_index("ix_workers_log_worker", table_name="workers_log")
    op.drop_index("ix_workers_log_time", table_name="workers_log")
    op.drop_table("workers_log")
    op.drop_index("ix_workers_log_imports_time", table_name="workers_log_imports")
    op.drop_table("workers_log_imports")
    op.drop_index("uq_workers_workers_ref", table_name="workers_workers")
    op.drop_table("workers_workers")
