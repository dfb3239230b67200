"""Reviews: the listing and merchant indexes hold the display audit's order itself (newest
first, equal times by review id) and the review id, so an audit reads a million reviews from
the index alone, in order, with no sort and no row lookups (issue 12).

Revision ID: reviews_0002
Revises: reviews_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0002"
down_revision: str | None = "reviews_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for scope in ("listing", "merchant"):
        op.drop_index(f"ix_reviews_{scope}", table_name="reviews")
        op.create_index(f"ix_reviews_{scope}", "reviews", [
            "platform_id", f"{scope}_ref", sa.text("reviewed_at DESC"), "review_ref"])


def downgrade() -> None:
    for scope in ("listing", "merchant"):
        op.drop_index(f"ix_reviews_{scope}", table_name="reviews")
        op.create_index(f"ix_reviews_{scope}", "reviews",
                        ["platform_id", f"{scope}_ref", "reviewed_at"])
