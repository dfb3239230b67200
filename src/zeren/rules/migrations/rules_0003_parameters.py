"""Platform rules: the numbers a rule sets (a credit formula's weights), published with it.

Revision ID: rules_0003
Revises: rules_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rules_0003"
down_revision: str | None = "rules_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rule_versions", sa.Column(
        "parameters", sa.JSON(), nullable=False, server_default="{}",
        comment="Numbers the rule sets (a credit formula's weights), published with it."))


def downgrade() -> None:
    with op.batch_alter_table("rule_versions") as b:
        b.drop_column("parameters")
