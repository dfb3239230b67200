"""Moderation: what was forwarded to each party of an IP notice or a complaint, when and how
(``mod_forwardings``, append-only).

Revision ID: moderation_0006
Revises: moderation_0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "moderation_0006"
down_revision: str | None = "moderation_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mod_forwardings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  comment="When the row was written (UTC)."),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("ip_notice_id", sa.String(length=36), nullable=True),
        sa.Column("complaint_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False,
                  comment="data/forwarding.toml [kind.*]."),
        sa.Column("to_party", sa.String(length=20), nullable=False, comment="Party."),
        sa.Column("content", sa.JSON(), nullable=False,
                  comment="What was forwarded, with the statement that went with it."),
        sa.Column("channels", sa.JSON(), nullable=False,
                  comment="inbox (the party's link), api, webhook."),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_mod_forwardings_platform_id_platforms")),
        sa.ForeignKeyConstraint(["ip_notice_id"], ["mod_ip_notices.id"],
                                name=op.f("fk_mod_forwardings_ip_notice_id_mod_ip_notices")),
        sa.ForeignKeyConstraint(["complaint_id"], ["mod_complaints.id"],
                                name=op.f("fk_mod_forwardings_complaint_id_mod_complaints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_forwardings")),
    )
    op.create_index("ix_mod_forwardings_ip", "mod_forwardings", ["ip_notice_id", "created_at"])
    op.create_index("ix_mod_forwardings_complaint", "mod_forwardings",
                    ["complaint_id", "created_at"])
    make_append_only("mod_forwardings")


def downgrade() -> None:
    drop_append_only("mod_forwardings")
    op.drop_index("ix_mod_forwardings_complaint", table_name="mod_forwardings")
    op.drop_index("ix_mod_forwardings_ip", table_name="mod_forwardings")
    op.drop_table("mod_forwardings")
