"""search: PostgreSQL folds accents as SQLite FTS5 already does ("cafe" finds "café").

A text search configuration `haven_search`, English stemming after PostgreSQL's `unaccent`
dictionary, now builds the tsvector. `unaccent` ships with PostgreSQL (contrib) and is a trusted
extension since PostgreSQL 13, so the database's owner may create it. Where it isn't available
the configuration is plain English and accents are kept, as before.

Revision ID: 0009
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def _document(config: str) -> str:
    return (f"setweight(to_tsvector('{config}'::regconfig, title), 'A') || "
            f"setweight(to_tsvector('{config}'::regconfig, body), 'B')")


def _rebuild_document(config: str) -> None:
    # A generated column's expression can't be altered in place: drop it and add it again.
    op.execute("DROP INDEX IF EXISTS ix_search_posts_document")
    op.execute("ALTER TABLE search_posts DROP COLUMN document")
    op.execute(f"ALTER TABLE search_posts ADD COLUMN document TSVECTOR GENERATED ALWAYS AS ({_document(config)}) STORED")
    op.execute("CREATE INDEX ix_search_posts_document ON search_posts USING GIN (document)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite's FTS5 table folds diacritics already (remove_diacritics 2, migration 0003)
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")).first()
    op.execute("CREATE TEXT SEARCH CONFIGURATION haven_search (COPY = english)")
    if available:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("ALTER TEXT SEARCH CONFIGURATION haven_search ALTER MAPPING FOR hword, hword_part, word "
                   "WITH unaccent, english_stem")
    _rebuild_document("haven_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild_document("english")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS haven_search")
