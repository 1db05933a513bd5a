"""moderation: flags, reports, audit log, notices, appeals, crisis resources, settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:30:00

Seeds the crisis resources (widely known services; admins edit them on /admin/moderation) and the
default moderation settings. Both are written out here, not imported from moderation/, so this
migration keeps doing the same thing after the code's defaults move on.
"""

from __future__ import annotations

import datetime as dt

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DATETIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)

# The crisis resources a fresh forum starts with, in the order shown: (name, region, phone, text, url,
# hours, description). Copied from moderation/resources.py, not imported: later changes to that list
# reach existing databases through migrations of their own (as 0010 did).
SEED_CRISIS_RESOURCES: list[tuple[str, str, str, str, str, str, str]] = [
    ("Emergency services", "UK", "999", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call 999 now. 112 works too."),
    ("Emergency services", "Ireland", "112, 999", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call 112 or 999 now."),
    ("Samaritans", "UK & Ireland", "116 123", "Email jo@samaritans.org", "https://www.samaritans.org", "24/7",
     "Free, confidential listening for anyone who is struggling to cope, whatever the reason."),
    ("Shout", "UK", "", "Text SHOUT to 85258", "https://giveusashout.org", "24/7",
     "Free, confidential text support with a trained volunteer."),
    ("Emergency services", "US", "911", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call 911 now."),
    ("988 Suicide & Crisis Lifeline", "US", "988", "Text 988", "https://988lifeline.org", "24/7",
     "Free, confidential support for people in suicidal crisis or emotional distress."),
    ("Crisis Text Line", "US", "", "Text HOME to 741741", "https://www.crisistextline.org", "24/7",
     "Free text support with a trained crisis counsellor."),
    ("Emergency services", "Canada", "911", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call 911 now."),
    ("9-8-8 Suicide Crisis Helpline", "Canada", "988", "Text 988", "https://988.ca", "24/7",
     "Support for anyone in Canada thinking about suicide or worried about someone else."),
    ("Kids Help Phone", "Canada", "1-800-668-6868", "Text CONNECT to 686868", "https://kidshelpphone.ca", "24/7",
     "Support for young people in Canada, by phone or text."),
    ("Emergency services", "Australia", "000", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call 000 now. From a mobile, 112 works too."),
    ("Lifeline Australia", "Australia", "13 11 14", "", "https://www.lifeline.org.au", "24/7",
     "Crisis support and suicide prevention for anyone in Australia."),
    ("Emergency services", "Anywhere", "112", "", "", "24/7",
     "If you are in immediate danger or have already hurt yourself, call your local emergency number now. "
     "112 works across the EU and in many other countries."),
    ("Find A Helpline", "Anywhere", "", "", "https://findahelpline.com", "",
     "A directory of free, confidential helplines in many countries, searchable by country."),
]

DEFAULT_SETTINGS = {
    "thresholds": {
        "toxicity": {"flag": 0.8, "hide": 0.97},
        "severe_toxicity": {"flag": 0.7, "hide": 0.95},
        "obscene": {"flag": 0.9, "hide": None},
        "threat": {"flag": 0.6, "hide": 0.95},
        "insult": {"flag": 0.8, "hide": 0.97},
        "identity_attack": {"flag": 0.6, "hide": 0.95},
        "sexual_explicit": {"flag": 0.8, "hide": None},
    },
    # Off by default: nobody reaching out at 3 a.m. should wait hours for a moderator.
    "premod_first_posts": 0,
    "precision_target": 0.8,
}


def _audit() -> list[sa.Column]:
    return [sa.Column("created_at", DATETIME, nullable=False), sa.Column("updated_at", DATETIME, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "mod_crisis_resources",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=120), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("hours", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_crisis_resources")),
    )
    op.create_table(
        "mod_settings",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_settings")),
        sa.UniqueConstraint("key", name=op.f("uq_mod_settings_key")),
    )
    op.create_table(
        "mod_actions",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("actor_id", BIGINT, nullable=True),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("target_kind", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        *_audit(),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_mod_actions_actor_id_members"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_actions")),
    )
    with op.batch_alter_table("mod_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_actions_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_mod_actions_target", ["target_kind", "target_id"], unique=False)

    op.create_table(
        "mod_notices",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("member_id", BIGINT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("read_at", DATETIME, nullable=True),
        *_audit(),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_mod_notices_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_notices")),
    )
    with op.batch_alter_table("mod_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_notices_member_id"), ["member_id"], unique=False)

    op.create_table(
        "mod_appeals",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("post_id", BIGINT, nullable=False),
        sa.Column("member_id", BIGINT, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("removed_by_id", BIGINT, nullable=True),
        sa.Column("decided_by_id", BIGINT, nullable=True),
        sa.Column("decided_at", DATETIME, nullable=True),
        *_audit(),
        sa.ForeignKeyConstraint(["decided_by_id"], ["members.id"], name=op.f("fk_mod_appeals_decided_by_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_mod_appeals_member_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_mod_appeals_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["removed_by_id"], ["members.id"], name=op.f("fk_mod_appeals_removed_by_id_members"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_appeals")),
        sa.UniqueConstraint("post_id", name="uq_mod_appeals_post"),
    )
    with op.batch_alter_table("mod_appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_appeals_member_id"), ["member_id"], unique=False)

    op.create_table(
        "mod_flags",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("post_id", BIGINT, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by_id", BIGINT, nullable=True),
        sa.Column("claimed_at", DATETIME, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("resolved_at", DATETIME, nullable=True),
        sa.Column("resolved_by_id", BIGINT, nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        *_audit(),
        sa.ForeignKeyConstraint(["claimed_by_id"], ["members.id"], name=op.f("fk_mod_flags_claimed_by_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_mod_flags_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["members.id"], name=op.f("fk_mod_flags_resolved_by_id_members"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_flags")),
    )
    with op.batch_alter_table("mod_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_flags_post_id"), ["post_id"], unique=False)
        batch_op.create_index("ix_mod_flags_queue", ["status", "priority", "created_at"], unique=False)
        # One open flag per post and source, enforced by the database (a partial unique index).
        batch_op.create_index("uq_mod_flags_open_post_source", ["post_id", "source"], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table(
        "mod_reports",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("post_id", BIGINT, nullable=False),
        sa.Column("reporter_id", BIGINT, nullable=True),
        sa.Column("flag_id", BIGINT, nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_audit(),
        sa.ForeignKeyConstraint(["flag_id"], ["mod_flags.id"], name=op.f("fk_mod_reports_flag_id_mod_flags"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_mod_reports_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["members.id"], name=op.f("fk_mod_reports_reporter_id_members"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_reports")),
        sa.UniqueConstraint("post_id", "reporter_id", name="uq_mod_reports_post_reporter"),
    )
    with op.batch_alter_table("mod_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mod_reports_flag_id"), ["flag_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mod_reports_post_id"), ["post_id"], unique=False)

    _seed()


def _seed() -> None:
    now = dt.datetime.now(dt.UTC)
    resources = sa.table(
        "mod_crisis_resources", sa.column("name"), sa.column("region"), sa.column("phone"), sa.column("text"),
        sa.column("url"), sa.column("hours"), sa.column("description"), sa.column("position"),
        sa.column("active"), sa.column("created_at", DATETIME), sa.column("updated_at", DATETIME))
    op.bulk_insert(resources, [
        {"name": name, "region": region, "phone": phone, "text": text, "url": url, "hours": hours,
         "description": description, "position": position, "active": True, "created_at": now, "updated_at": now}
        for position, (name, region, phone, text, url, hours, description)
        in enumerate(SEED_CRISIS_RESOURCES, start=1)
    ])
    settings = sa.table("mod_settings", sa.column("key"), sa.column("value", sa.JSON()),
                        sa.column("created_at", DATETIME), sa.column("updated_at", DATETIME))
    op.bulk_insert(settings, [{"key": key, "value": value, "created_at": now, "updated_at": now}
                              for key, value in DEFAULT_SETTINGS.items()])


def downgrade() -> None:
    for table in ("mod_reports", "mod_flags", "mod_appeals", "mod_notices", "mod_actions", "mod_settings",
                  "mod_crisis_resources"):
        op.drop_table(table)
