"""moderation: the audit log is append-only in the database itself, not only in the ORM.

An entry can't be changed or removed by any code path or by hand in SQL; the one change allowed
is the foreign key's own ON DELETE SET NULL when the acting member deletes their account (the
entry stays, attributed to nobody).

Revision ID: 0008
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "the moderation log is append-only"

SQLITE_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in (
    "id", "action", "target_kind", "target_id", "reason", "details", "created_at", "updated_at"))

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER haven_mod_actions_no_delete BEFORE DELETE ON mod_actions "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER haven_mod_actions_no_update BEFORE UPDATE ON mod_actions "
    f"WHEN NOT (NEW.actor_id IS NULL AND {SQLITE_UNCHANGED}) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]

POSTGRES_COLUMNS = "id, action, target_kind, target_id, reason, details::text, created_at, updated_at"
POSTGRES_STATEMENTS = [
    f"""CREATE OR REPLACE FUNCTION haven_mod_actions_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
     AND ROW({", ".join("NEW." + c for c in POSTGRES_COLUMNS.split(", "))})
         IS NOT DISTINCT FROM ROW({", ".join("OLD." + c for c in POSTGRES_COLUMNS.split(", "))}) THEN
    RETURN NEW;  -- the acting member deleted their account: the entry stays, attributed to nobody
  END IF;
  RAISE EXCEPTION '{MESSAGE}';
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER haven_mod_actions_append_only BEFORE UPDATE OR DELETE ON mod_actions "
    "FOR EACH ROW EXECUTE FUNCTION haven_mod_actions_append_only()",
]


def upgrade() -> None:
    statements = POSTGRES_STATEMENTS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS haven_mod_actions_append_only ON mod_actions")
        op.execute("DROP FUNCTION IF EXISTS haven_mod_actions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS haven_mod_actions_no_delete")
        op.execute("DROP TRIGGER IF EXISTS haven_mod_actions_no_update")
