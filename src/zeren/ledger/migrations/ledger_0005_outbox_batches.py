"""Ledger outbox: a row may hold a batch of records (``entries``), appended as consecutive
entries in one ledger transaction and sharing one sealed personal-data record (issue 12:
review ingest in batches).

Revision ID: ledger_0005
Revises: ledger_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0005"
down_revision: str | None = "ledger_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledger_outbox", sa.Column(
        "entries", sa.Integer(), nullable=True,
        comment="A batch row: how many records 'record' holds (its 'records' and "
                "'subjects'); NULL: the row is one record."))


def downgrade() -> None:
    with op.batch_alter_table("ledger_outbox") as b:
        b.drop_column("entries")
