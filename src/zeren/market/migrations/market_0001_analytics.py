"""Market-conduct analytics: batches stored into the Parquet datasets, detector runs and
findings with their evidence. All three are append-only.

Revision ID: market_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "market_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("market",)
depends_on: str | Sequence[str] | None = "core_0001"

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ["market_ingests", "market_runs", "market_findings"]


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TZ, nullable=False, comment="When the row was written (UTC)."),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "market_ingests",
        *_common(),
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False,
                  comment="File name, or 'api' for an API batch."),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False,
                  comment="SHA-256 of the file or of the batch's JSON."),
        sa.Column("files", sa.JSON(), nullable=False,
                  comment="Parquet files written, under the dataset."),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("ignored_columns", sa.JSON(), nullable=False),
        sa.Column("ingested_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_market_ingests_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_ingests")),
    )
    op.create_index("ix_market_ingests_dataset", "market_ingests",
                    ["platform_id", "dataset", "created_at"])
    op.create_table(
        "market_runs",
        *_common(),
        sa.Column("detector", sa.String(length=60), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False, comment="duckdb or spark"),
        sa.Column("params", sa.JSON(), nullable=False, comment="Parameter values and version."),
        sa.Column("rows_in", sa.JSON(), nullable=False, comment="Rows stored per dataset read."),
        sa.Column("findings_new", sa.Integer(), nullable=False),
        sa.Column("findings_seen", sa.Integer(), nullable=False,
                  comment="Findings already recorded by a run."),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_market_runs_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_runs")),
    )
    op.create_index("ix_market_runs_detector", "market_runs",
                    ["platform_id", "detector", "created_at"])
    op.create_table(
        "market_findings",
        *_common(),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("detector", sa.String(length=60), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=300), nullable=False),
        sa.Column("merchant_id", sa.String(length=200), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("evidence_digest", sa.String(length=64), nullable=False,
                  comment="SHA-256 of the evidence rows."),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_market_findings_platform_id_platforms")),
        sa.ForeignKeyConstraint(["run_id"], ["market_runs.id"],
                                name=op.f("fk_market_findings_run_id_market_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_findings")),
    )
    op.create_index("uq_market_findings_fingerprint", "market_findings",
                    ["platform_id", "fingerprint"], unique=True)
    op.create_index("ix_market_findings_detector", "market_findings",
                    ["platform_id", "detector", "score"])
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in ["market_findings", "market_runs", "market_ingests"]:
        op.drop_table(table)
