"""Lexicon: the patrol reads moderation's subjects in partitions; findings point at the
subject and the case they opened or joined.

Revision ID: lexicon_0002
Revises: lexicon_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.base import UTCDateTime

revision: str = "lexicon_0002"
down_revision: str | None = "lexicon_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lexicon_patrol_findings") as b:
        b.alter_column("item_id", existing_type=sa.String(36), nullable=True)
        b.add_column(sa.Column("subject_id", sa.String(36), nullable=True))
        b.add_column(sa.Column("kind", sa.String(20), nullable=True))
        b.add_column(sa.Column("case_id", sa.String(36), nullable=True))
        b.add_column(sa.Column("confidence", sa.Float(), nullable=True))
    op.create_index("uq_lexicon_patrol_findings_subject", "lexicon_patrol_findings",
                    ["subject_id", "term", "start_offset", "end_offset"], unique=True)
    with op.batch_alter_table("lexicon_patrol_runs") as b:
        b.add_column(sa.Column("partitions", sa.Integer(), nullable=False, server_default="1"))
        b.add_column(sa.Column("engine", sa.String(16), nullable=False,
                               server_default="local"))
        b.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_table(
        "lexicon_patrol_partitions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cursor", sa.String(36), nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("new_hits", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_patrol_partitions")),
        sa.ForeignKeyConstraint(["run_id"], ["lexicon_patrol_runs.id"],
                                name=op.f("fk_lexicon_patrol_partitions_run_id_"
                                          "lexicon_patrol_runs")),
        sa.UniqueConstraint("run_id", "part", name=op.f("uq_lexicon_patrol_partitions_run_id_part")),
    )


def downgrade() -> None:
    op.drop_table("lexicon_patrol_partitions")
    with op.batch_alter_table("lexicon_patrol_runs") as b:
        b.drop_column("error")
        b.drop_column("engine")
        b.drop_column("partitions")
    op.drop_index("uq_lexicon_patrol_findings_subject", "lexicon_patrol_findings")
    with op.batch_alter_table("lexicon_patrol_findings") as b:
        b.drop_column("confidence")
        b.drop_column("case_id")
        b.drop_column("kind")
        b.drop_column("subject_id")
        b.alter_column("item_id", existing_type=sa.String(36), nullable=False)
