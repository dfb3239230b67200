"""Moderation: the content as it was judged (text, media, name), kept append-only beside the
case or IP notice that judged it, so a later update of the subject by the platform cannot
change what a decision and its statement of reasons were about.

Revision ID: moderation_0002
Revises: moderation_0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from zeren.db.immutable import drop_append_only, make_append_only

revision: str = "moderation_0002"
down_revision: str | None = "moderation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mod_judged_content",
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("ip_notice_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False,
                  comment="SHA-256 of the canonical JSON of kind, ref, name, text and media."),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  comment="When the row was written (UTC)."),
        sa.ForeignKeyConstraint(["case_id"], ["mod_cases.id"],
                                name=op.f("fk_mod_judged_content_case_id_mod_cases")),
        sa.ForeignKeyConstraint(["ip_notice_id"], ["mod_ip_notices.id"],
                                name=op.f("fk_mod_judged_content_ip_notice_id_mod_ip_notices")),
        sa.ForeignKeyConstraint(["subject_id"], ["mod_subjects.id"],
                                name=op.f("fk_mod_judged_content_subject_id_mod_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_judged_content")),
    )
    op.create_index("uq_mod_judged_content_case", "mod_judged_content", ["case_id"],
                    unique=True)
    op.create_index("ix_mod_judged_content_ip_notice", "mod_judged_content", ["ip_notice_id"])
    make_append_only("mod_judged_content")


def downgrade() -> None:
    drop_append_only("mod_judged_content")
    op.drop_table("mod_judged_content")
