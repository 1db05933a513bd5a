"""Two indexes a signed-in thread page uses: a member's reactions by post (to mark their own on the
page) and a member's posts by thread (to ask whether they wrote in it).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reactions_member_post", "reactions", ["member_id", "post_id"])
    op.create_index("ix_posts_author_thread", "posts", ["author_id", "thread_id"])


def downgrade() -> None:
    op.drop_index("ix_posts_author_thread", table_name="posts")
    op.drop_index("ix_reactions_member_post", table_name="reactions")
