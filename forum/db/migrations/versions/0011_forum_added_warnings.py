"""warnings: a tag can be added by the forum itself (the crisis check fired), not only by a person.

Readers see "added by the forum"; like a moderator's tag, only a moderator removes it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("thread_warnings", "post_warnings")


# Plain ALTER TABLE on both databases (SQLite has both since 3.35): a batch "copy and move" on
# SQLite would drop the page-version triggers that migration 0004 put on these tables.
def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("by_forum", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN by_forum")
