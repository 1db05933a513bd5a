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

# PostgreSQL: statement-level triggers with transition tables, so a bulk write bumps each
# thread (and topic) once per statement rather than once per row.
POSTGRES_FUNCTIONS = {
    "haven_bump_threads_by_thread": "UPDATE threads SET version = version + 1 "
                                    "WHERE id IN (SELECT thread_id FROM changed)",
    "haven_bump_threads_by_post": "UPDATE threads SET version = version + 1 WHERE id IN "
                                  "(SELECT p.thread_id FROM posts p JOIN changed c ON c.post_id = p.id)",
    "haven_bump_topics": "UPDATE topics SET version = version + 1 WHERE id IN (SELECT topic_id FROM changed)",
}
# (table, function): each gets one trigger per event, reading the rows that changed as `changed`.
POSTGRES_TRIGGERS = [("posts", "haven_bump_threads_by_thread"), ("thread_warnings", "haven_bump_threads_by_thread"),
                     ("post_warnings", "haven_bump_threads_by_post"), ("reactions", "haven_bump_threads_by_post"),
                     ("threads", "haven_bump_topics")]
POSTGRES_EVENTS = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}


def _postgres_function(name: str, statement: str) -> str:
    # One function per (statement, transition table); `changed` is the table of new or old rows.
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    WITH changed AS (SELECT * FROM new_rows) {statement};
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    WITH changed AS (SELECT * FROM old_rows) {statement};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("topics") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        for name, statement in POSTGRES_FUNCTIONS.items():  # asyncpg takes one statement at a time
            op.execute(_postgres_function(name, statement))
        for table, function in POSTGRES_TRIGGERS:
            for event, tables in POSTGRES_EVENTS.items():
                referencing = " ".join(f"{t} TABLE AS {t.lower()}_rows" for t in tables)
                op.execute(f"CREATE TRIGGER haven_version_{table}_{event.lower()} AFTER {event} ON {table} "
                           f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
        return
    for table, event, statements in SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER haven_version_{table}_{event.lower()} AFTER {event} ON {table} "
                   f"BEGIN {statements}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in POSTGRES_TRIGGERS:
            for event in POSTGRES_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS haven_version_{table}_{event.lower()} ON {table}")
        for name in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for table, event, _ in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS haven_version_{table}_{event.lower()}")
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("version")
