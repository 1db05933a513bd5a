"""A version counter on members, kept by the database itself.

Every change to a member row (role, status, gentle mode, a new session epoch) or to their saved
content-warning choices bumps `members.version`. Each process keeps a snapshot of a signed-in
member and their choices under that version (forum/accounts/viewers.py), so a page checks one
number instead of reading the member and their preferences again.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BUMP = "UPDATE members SET version = version + 1 WHERE id = {member}"

SQLITE_TRIGGERS: list[tuple[str, str, str, str]] = [
    # (name, event and table, condition, statement). SQLite doesn't fire triggers from within
    # triggers unless recursive_triggers is on, and the WHEN keeps it safe even then.
    ("haven_member_version_update", "UPDATE ON members", "WHEN NEW.version = OLD.version",
     BUMP.format(member="NEW.id")),
    ("haven_member_version_pref_insert", "INSERT ON warning_preferences", "", BUMP.format(member="NEW.member_id")),
    ("haven_member_version_pref_update", "UPDATE ON warning_preferences", "",
     BUMP.format(member="NEW.member_id") + "; " + BUMP.format(member="OLD.member_id")),
    ("haven_member_version_pref_delete", "DELETE ON warning_preferences", "", BUMP.format(member="OLD.member_id")),
]

POSTGRES_STATEMENTS = [
    """CREATE OR REPLACE FUNCTION haven_member_version_row() RETURNS trigger AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER haven_member_version_update BEFORE UPDATE ON members "
    "FOR EACH ROW EXECUTE FUNCTION haven_member_version_row()",
    """CREATE OR REPLACE FUNCTION haven_member_version_prefs() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE members SET version = version + 1 WHERE id IN (SELECT member_id FROM new_rows);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE members SET version = version + 1 WHERE id IN (SELECT member_id FROM old_rows);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER haven_member_version_pref_insert AFTER INSERT ON warning_preferences "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION haven_member_version_prefs()",
    "CREATE TRIGGER haven_member_version_pref_update AFTER UPDATE ON warning_preferences "
    "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION haven_member_version_prefs()",
    "CREATE TRIGGER haven_member_version_pref_delete AFTER DELETE ON warning_preferences "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION haven_member_version_prefs()",
]
POSTGRES_TRIGGERS = [("haven_member_version_update", "members"),
                     ("haven_member_version_pref_insert", "warning_preferences"),
                     ("haven_member_version_pref_update", "warning_preferences"),
                     ("haven_member_version_pref_delete", "warning_preferences")]


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_STATEMENTS:  # asyncpg takes one statement at a time
            op.execute(statement)
        return
    for name, on, condition, statement in SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {on} {condition} BEGIN {statement}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS haven_member_version_row()")
        op.execute("DROP FUNCTION IF EXISTS haven_member_version_prefs()")
    else:
        for name, *_ in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("version")
