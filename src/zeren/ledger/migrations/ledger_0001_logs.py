"""Ledger: logs, entries, full tiles, checkpoints, subject index, sealed personal data and
its key store; every table but the key store refuses UPDATE and DELETE.

Revision ID: ledger_0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "ledger_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("ledger",)
depends_on: str | Sequence[str] | None = "core_0001"

APPEND_ONLY = [
    "ledger_logs",
    "ledger_entries",
    "ledger_tiles",
    "ledger_checkpoints",
    "ledger_subjects",
    "ledger_personal_data",
]

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _log_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["log_id"], ["ledger_logs.id"], name=op.f(f"fk_{table}_log_id_ledger_logs")
    )


def upgrade() -> None:
    op.create_table(
        "ledger_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("record_class", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_logs")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_logs_name")),
        sa.UniqueConstraint("origin", name=op.f("uq_ledger_logs_origin")),
    )
    op.create_index(op.f("ix_ledger_logs_record_class"), "ledger_logs", ["record_class"])
    op.create_table(
        "ledger_entries",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("idx", BIG, autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _log_fk("ledger_entries"),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_entries")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_tiles",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", BIG, autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        _log_fk("ledger_tiles"),
        sa.PrimaryKeyConstraint("log_id", "level", "idx", name=op.f("pk_ledger_tiles")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("size", BIG, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _log_fk("ledger_checkpoints"),
        sa.PrimaryKeyConstraint("log_id", "size", name=op.f("pk_ledger_checkpoints")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_subjects",
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("idx", BIG, autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        _log_fk("ledger_subjects"),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_subjects")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_ledger_subjects_subject"), "ledger_subjects", ["subject"])
    op.create_table(
        "ledger_personal_data",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("record_class", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retention_source", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_personal_data")),
    )
    op.create_table(
        "ledger_pd_keys",
        sa.Column("pd_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_by", sa.String(length=100), nullable=True),
        sa.Column("legal_basis", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["pd_id"], ["ledger_personal_data.id"],
            name=op.f("fk_ledger_pd_keys_pd_id_ledger_personal_data"),
        ),
        sa.PrimaryKeyConstraint("pd_id", name=op.f("pk_ledger_pd_keys")),
    )
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        drop_append_only(table)
    for table in [
        "ledger_pd_keys",
        "ledger_personal_data",
        "ledger_subjects",
        "ledger_checkpoints",
        "ledger_tiles",
        "ledger_entries",
        "ledger_logs",
    ]:
        op.drop_table(table)
