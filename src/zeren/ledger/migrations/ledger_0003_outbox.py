"""Ledger: the shared outbox (``ledger_outbox``) through which domains log records that belong
to their own transaction; a flusher appends them after commit (see ``zeren.ledger.outbox``).
Rows are bookkeeping, not records: the flusher marks them logged and clears sealed keys.

Revision ID: ledger_0003
Revises: ledger_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0003"
down_revision: str | None = "ledger_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_outbox",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("record_class", sa.String(40), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("at", TZ, nullable=False, comment="The record's time; names the log's year."),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("pd_id", sa.String(36), nullable=True),
        sa.Column("pd_key", sa.LargeBinary(32), nullable=True,
                  comment="Cleared once the ledger holds it."),
        sa.Column("pd_nonce", sa.LargeBinary(12), nullable=True),
        sa.Column("pd_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("pd_commitment", sa.String(64), nullable=True),
        sa.Column("retain_until", TZ, nullable=True),
        sa.Column("retention_source", sa.String(200), nullable=False, server_default=""),
        sa.Column("claim", sa.String(36), nullable=True),
        sa.Column("claimed_until", TZ, nullable=True),
        sa.Column("logged_at", TZ, nullable=True),
        sa.Column("log", sa.String(100), nullable=True),
        sa.Column("log_index", BIG, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger_outbox"),
        sa.UniqueConstraint("pd_id", name="uq_ledger_outbox_pd_id"),
    )
    op.create_index("ix_ledger_outbox_pending", "ledger_outbox", ["logged_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_ledger_outbox_pending", table_name="ledger_outbox")
    op.drop_table("ledger_outbox")
