"""Moderation: the parties of IP notices and complaints. A rights holder's and a consumer's
secret link (stored as SHA-256), and the complaint outcome split by who resolved it
(``resolved`` becomes ``resolved_by_merchant`` or ``resolved_in_mediation``, read from the
kept mediator name).

Revision ID: moderation_0005
Revises: moderation_0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_0005"
down_revision: str | None = "moderation_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("mod_ip_notices", sa.Column(
        "holder_token_hash", sa.String(length=64), nullable=True,
        comment="SHA-256 of the secret in the rights holder's link (given once, at filing)."))
    op.create_index("uq_mod_ip_notices_holder_token", "mod_ip_notices", ["holder_token_hash"],
                    unique=True)
    op.add_column("mod_complaints", sa.Column(
        "consumer_token_hash", sa.String(length=64), nullable=True,
        comment="SHA-256 of the secret in the consumer's link (given once, at filing)."))
    op.create_index("uq_mod_complaints_consumer_token", "mod_complaints",
                    ["consumer_token_hash"], unique=True)
    op.execute("UPDATE mod_complaints SET status = 'resolved_in_mediation' "
               "WHERE status = 'resolved' AND mediator <> ''")
    op.execute("UPDATE mod_complaints SET status = 'resolved_by_merchant' "
               "WHERE status = 'resolved'")


def downgrade() -> None:
    op.execute("UPDATE mod_complaints SET status = 'resolved' "
               "WHERE status IN ('resolved_by_merchant', 'resolved_in_mediation')")
    op.drop_index("uq_mod_complaints_consumer_token", table_name="mod_complaints")
    with op.batch_alter_table("mod_complaints") as batch:
        batch.drop_column("consumer_token_hash")
    op.drop_index("uq_mod_ip_notices_holder_token", table_name="mod_ip_notices")
    with op.batch_alter_table("mod_ip_notices") as batch:
        batch.drop_column("holder_token_hash")
