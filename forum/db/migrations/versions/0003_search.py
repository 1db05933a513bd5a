"""search index: SQLite FTS5 table, or a PostgreSQL table with a generated tsvector and a GIN index

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 12:00:00

The index holds each post's words: the thread title on its opening post (so a title match finds
the thread once) and the body as plain text. Visibility is never stored here: searches join to
posts and threads and apply the reader's rule there.

Existing posts are copied in at the end (batches of 1,000), so upgrading a live forum gives
working search at once. `forum search reindex` rebuilds the same content at any time and is
what to run after changing how documents are built.
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _plain(body_html: str) -> str:
    # Kept here rather than imported: a migration must keep working after the app's code moves on.
    # Same result as search.documents.index_text.
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", body_html or ""))).strip()
    return _CONTROL.sub(" ", text)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # porter wraps unicode61: split on anything but letters and digits, fold case and
        # diacritics ("café" finds "cafe"), then stem ("panicked" finds "panic").
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS search_posts USING fts5("
                   "title, body, tokenize = 'porter unicode61 remove_diacritics 2')")
        insert = sa.text("INSERT INTO search_posts (rowid, title, body) VALUES (:id, :title, :body)")
    else:
        # The database keeps the tsvector in step with title and body itself (GENERATED ... STORED).
        op.execute("""
            CREATE TABLE IF NOT EXISTS search_posts (
                post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
                title TEXT NOT NULL DEFAULT '',
                body TEXT NOT NULL DEFAULT '',
                document TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, title), 'A') ||
                    setweight(to_tsvector('english'::regconfig, body), 'B')
                ) STORED
            )""")
        op.execute("CREATE INDEX IF NOT EXISTS ix_search_posts_document ON search_posts USING GIN (document)")
        insert = sa.text("INSERT INTO search_posts (post_id, title, body) VALUES (:id, :title, :body) "
                         "ON CONFLICT (post_id) DO NOTHING")
    _backfill(bind, insert)


def _backfill(bind: sa.engine.Connection, insert: sa.TextClause) -> None:
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT p.id, p.is_opening, p.body_html, t.title FROM posts p JOIN threads t ON t.id = p.thread_id "
            "WHERE p.id > :last AND p.status <> 'deleted' AND t.status <> 'deleted' ORDER BY p.id LIMIT :n"),
            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        values = [{"id": pid, "title": _CONTROL.sub(" ", title) if opening else "", "body": _plain(body)}
                  for pid, opening, body, title in rows]
        values = [v for v in values if v["body"]]
        if values:
            bind.execute(insert, values)
        last = rows[-1][0]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_search_posts_document")
    op.execute("DROP TABLE IF EXISTS search_posts")
