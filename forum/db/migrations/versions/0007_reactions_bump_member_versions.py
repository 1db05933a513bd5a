"""A member's reactions bump their `members.version` too.

Each process keeps the list of posts a member reacted to under that version (forum/discussions/
services.py), so a thread page marks "your reactions" without asking the database each time.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUMP = "UPDATE members SET version = version + 1 WHERE id = {member}"
SQLITE_TRIGGERS = [
    ("haven_member_version_reaction_insert", "INSERT", BUMP.format(member="NEW.member_id")),
    ("haven_member_version_reaction_delete", "DELETE", BUMP.format(member="OLD.member_id")),
    ("haven_member_version_reaction_update", "UPDATE",
     BUMP.format(member="NEW.member_id") + "; " + BUMP.format(member="OLD.member_id")),
]
POSTGRES_TRIGGERS = [
    ("haven_member_version_reaction_insert", "INSERT", "NEW TABLE AS new_rows"),
    ("haven_member_version_reaction_delete", "DELETE", "OLD TABLE AS old_rows"),
    ("haven_member_version_reaction_update", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The statement-level function from 0005 bumps every member in new_rows / old_rows.
        for name, event, referencing in POSTGRES_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON reactions REFERENCING {referencing} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION haven_member_version_prefs()")
        return
    for name, event, statement in SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON reactions BEGIN {statement}; END")


def downgrade() -> None:
    on = " ON reactions" if op.get_bind().dialect.name == "postgresql" else ""
    for name, *_ in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
