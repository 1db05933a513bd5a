"""Version counters on threads and topics, kept by the database itself.

Every change that can alter what a thread page shows (a post written, edited, hidden or deleted;
a warning added or removed; a reaction) bumps the thread's version, and every change to a thread
bumps its topic's. Pages cache their data under these versions: triggers, not application code,
keep them honest, so no code path (moderation included) can forget to invalidate.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

BUMP_THREAD = "UPDATE threads SET version = version + 1 WHERE id = {thread}"
BUMP_TOPIC = "UPDATE topics SET version = version + 1 WHERE id = {topic}"

# (table, event, statements using NEW/OLD)
SQLITE_TRIGGERS: list[tuple[str, str, str]] = [
    ("posts", "INSERT", BUMP_THREAD.format(thread="NEW.thread_id")),
    ("posts", "UPDATE", BUMP_THREAD.format(thread="NEW.thread_id") + "; "
     + BUMP_THREAD.format(thread="OLD.thread_id")),
    ("posts", "DELETE", BUMP_THREAD.format(thread="OLD.thread_id")),
    ("post_warnings", "INSERT", BUMP_THREAD.format(thread="(SELECT thread_id FROM posts WHERE id = NEW.post_id)")),
    ("post_warnings", "UPDATE", BUMP_THREAD.format(thread="(SELECT thread_id FROM posts WHERE id = NEW.post_id)")),
    ("post_warnings", "DELETE", BUMP_THREAD.format(thread="(SELECT thread_id FROM posts WHERE id = OLD.post_id)")),
    ("thread_warnings", "INSERT", BUMP_THREAD.format(thread="NEW.thread_id")),
    ("thread_warnings", "UPDATE", BUMP_THREAD.format(thread="NEW.thread_id")),
    ("thread_warnings", "DELETE", BUMP_THREAD.format(thread="OLD.thread_id")),
    ("reactions", "INSERT", BUMP_THREAD.format(thread="(SELECT thread_id FROM posts WHERE id = NEW.post_id)")),
    ("reactions", "DELETE", BUMP_THREAD.format(thread="(SELECT thread_id FROM posts WHERE id = OLD.post_id)")),
    ("threads", "INSERT", BUMP_TOPIC.format(topic="NEW.topic_id")),
    ("threads", "UPDATE", BUMP_TOPIC.format(topic="NEW.topic_id") + "; " + BUMP_TOPIC.format(topic="OLD.topic_id")),
    ("threads", "DELETE", BUMP_TOPIC.format(topic="OLD.topic_id")),
]

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION haven_bump_thread() RETURNS trigger AS $$
DECLARE row_thread bigint;
BEGIN
  IF TG_TABLE_NAME = 'posts' THEN
    IF TG_OP <> 'DELETE' THEN UPDATE threads SET version = version + 1 WHERE id = NEW.thread_id; END IF;
    IF TG_OP <> 'INSERT' THEN UPDATE threads SET version = version + 1 WHERE id = OLD.thread_id; END IF;
  ELSIF TG_TABLE_NAME = 'thread_warnings' THEN
    UPDATE threads SET version = version + 1
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.thread_id ELSE NEW.thread_id END;
  ELSE
    SELECT thread_id INTO row_thread FROM posts
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.post_id ELSE NEW.post_id END;
    UPDATE threads SET version = version + 1 WHERE id = row_thread;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
---
CREATE OR REPLACE FUNCTION haven_bump_topic() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN UPDATE topics SET version = version + 1 WHERE id = NEW.topic_id; END IF;
  IF TG_OP <> 'INSERT' THEN UPDATE topics SET version = version + 1 WHERE id = OLD.topic_id; END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
POSTGRES_TRIGGERS = [("posts", "haven_bump_thread"), ("post_warnings", "haven_bump_thread"),
                     ("thread_warnings", "haven_bump_thread"), ("reactions", "haven_bump_thread"),
                     ("threads", "haven_bump_topic")]


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("topics") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        for function in POSTGRES_FUNCTIONS.split("---"):  # asyncpg takes one statement at a time
            op.execute(function)
        for table, function in POSTGRES_TRIGGERS:
            op.execute(f"CREATE TRIGGER haven_version_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {function}()")
        return
    for table, event, statements in SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER haven_version_{table}_{event.lower()} AFTER {event} ON {table} "
                   f"BEGIN {statements}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS haven_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS haven_bump_thread()")
        op.execute("DROP FUNCTION IF EXISTS haven_bump_topic()")
    else:
        for table, event, _ in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS haven_version_{table}_{event.lower()}")
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("version")
