"""Ledger: subject keys indexed by log then subject (``ix_ledger_subjects_log_subject``), so
the posture's Art 10 checks find the logs holding a platform's orders with one seek per log
and count a platform's entries of one log from the index alone, instead of grouping every
entry of the platform by log (1.4 s with a million orders stored; issue 8).

Revision ID: ledger_0006
Revises: ledger_0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ledger_0006"
down_revision: str | None = "ledger_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_subjects_log_subject", "ledger_subjects", ["log_id", "subject"])


def downgrade() -> None:
    op.drop_index("ix_ledger_subjects_log_subject", table_name="ledger_subjects")
