"""Moderation: a case's SLA breach is recorded apart from its escalation
(``mod_cases.sla_breached_at``), so a case escalated by hand still records its breach.
Backfilled from the kept ``sla_breached`` case events.

Revision ID: moderation_0004
Revises: moderation_0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_0004"
down_revision: str | None = "moderation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("mod_cases", sa.Column(
        "sla_breached_at", sa.DateTime(timezone=True), nullable=True,
        comment="When the clock found the SLA deadline passed (once; apart from escalation)."))
    op.execute("UPDATE mod_cases SET sla_breached_at = (SELECT MIN(e.created_at) "
               "FROM mod_case_events e WHERE e.case_id = mod_cases.id "
               "AND e.kind = 'sla_breached')")


def downgrade() -> None:
    with op.batch_alter_table("mod_cases") as batch:
        batch.drop_column("sla_breached_at")
