"""The content-warning taxonomy gets a version kept by the database, so every process's cached copy
is read again the moment an admin changes it (it used to be re-read on a 5-second timer).

Revision ID: 0012
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None

BUMP = "UPDATE cache_versions SET version = version + 1 WHERE name = 'taxonomy'"
EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('taxonomy', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
CREATE OR REPLACE FUNCTION haven_bump_taxonomy() RETURNS trigger AS $$
BEGIN
  {BUMP};
  RETURN NULL;
END $$ LANGUAGE plpgsql""")
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER haven_version_taxonomy_{event.lower()} AFTER {event} ON content_warnings "
                       "FOR EACH STATEMENT EXECUTE FUNCTION haven_bump_taxonomy()")
        return
    for event in EVENTS:
        op.execute(f"CREATE TRIGGER haven_version_taxonomy_{event.lower()} AFTER {event} ON content_warnings "
                   f"BEGIN {BUMP}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS haven_version_taxonomy_{event.lower()}"
                   + (" ON content_warnings" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS haven_bump_taxonomy()")
    op.drop_table("cache_versions")
