"""Moderation: indexes the live posture reads with a million cases stored (issue 8) — the
cases a patrol opened or joined, found through a partial index instead of a LIKE over every
case of the platform (``lexicon.art13.hits_handled``; covering what it reads, so SQLite
picks it without statistics), and the Art 12 reports check counted
from a covering index (platform, created, decided, deadline) that replaces
``ix_mod_cases_platform_created`` (same leading columns, so its readers keep their plan).

Revision ID: moderation_0007
Revises: moderation_0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_0007"
down_revision: str | None = "moderation_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATROL = sa.text("sources LIKE '%patrol%'")


def upgrade() -> None:
    op.create_index("ix_mod_cases_patrol", "mod_cases",
                    ["platform_id", "status", "sla_due_at", "decided_at", "id"],
                    sqlite_where=PATROL, postgresql_where=PATROL)
    op.create_index("ix_mod_cases_platform_answered", "mod_cases",
                    ["platform_id", "created_at", "decided_at", "sla_due_at"])
    op.drop_index("ix_mod_cases_platform_created", table_name="mod_cases")


def downgrade() -> None:
    op.create_index("ix_mod_cases_platform_created", "mod_cases", ["platform_id", "created_at"])
    op.drop_index("ix_mod_cases_platform_answered", table_name="mod_cases")
    op.drop_index("ix_mod_cases_patrol", table_name="mod_cases")
