"""Moderation: outbox rows are claimed before they are processed (a token and a lease), so
two workers flushing the ledger or delivering webhooks at once never handle a row twice.

Revision ID: moderation_0003
Revises: moderation_0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_0003"
down_revision: str | None = "moderation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("mod_outbox", "mod_ledger_outbox")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("claim", sa.String(length=36), nullable=True,
                                       comment="The worker run processing this row now."))
        op.add_column(table, sa.Column("claimed_until", sa.DateTime(timezone=True),
                                       nullable=True,
                                       comment="End of the claim's lease; free after it."))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_until")
            batch.drop_column("claim")
