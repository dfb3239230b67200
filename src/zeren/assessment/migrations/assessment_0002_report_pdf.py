"""Assessment: the audit report's PDF digest beside its HTML's (both signed by the auditor).

Revision ID: assessment_0002
Revises: assessment_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "assessment_0002"
down_revision: str | None = "assessment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("asmt_reports", sa.Column(
        "pdf_sha256", sa.String(length=64), nullable=False, server_default="",
        comment="SHA-256 of the PDF kept under the data folder ('' for drafts before PDFs)."))


def downgrade() -> None:
    with op.batch_alter_table("asmt_reports") as b:
        b.drop_column("pdf_sha256")
