"""crisis help by region: members choose a region; resources say their countries and text options

- `members.region`: the country whose crisis services a member sees first (an ISO code, "ZZ" for
  somewhere not listed, NULL to go by the browser's language).
- `mod_crisis_resources.countries` (ISO codes, space-separated; empty = works anywhere),
  `sms_number` and `sms_body`: a text option as a number and the words to send, so that it can be
  an `sms:` link, rather than prose ("Text SHOUT to 85258").
- The one combined "Emergency services" entry (999 (UK), 112 (EU and Ireland), ...), whose link
  dialled all of it at once, becomes one entry per country plus 112 for anywhere else.

The seed values are written out here, not imported, so this migration keeps doing the same thing
after moderation/resources.py moves on. Rows an admin added or changed are kept: their countries
are read from their region ("UK & Ireland" → GB IE) and a text option written as "Text WORD to
NUMBER" becomes number and body. Downgrading puts the combined entry and the prose back.

Revision ID: 0010
Revises: 0009 (and needs 0002, which made the resources table)
"""

from __future__ import annotations

import datetime as dt
import re

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = ("0002",)

DATETIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
EMERGENCY = "Emergency services"
# (name, region, phone) of the combined entry migration 0002 seeded.
OLD_EMERGENCY = (EMERGENCY, "Anywhere", "999 (UK), 112 (EU and Ireland), 911 (US and Canada), 000 (Australia)")
OLD_EMERGENCY_DESCRIPTION = ("If you are in immediate danger or have already hurt yourself, call emergency services "
                             "now.")
# (region, countries, phone, description): one per country, in the order they replace it.
NEW_EMERGENCY = [
    ("UK", "GB", "999", "If you are in immediate danger or have already hurt yourself, call 999 now. 112 works too."),
    ("Ireland", "IE", "112, 999",
     "If you are in immediate danger or have already hurt yourself, call 112 or 999 now."),
    ("US", "US", "911", "If you are in immediate danger or have already hurt yourself, call 911 now."),
    ("Canada", "CA", "911", "If you are in immediate danger or have already hurt yourself, call 911 now."),
    ("Australia", "AU", "000",
     "If you are in immediate danger or have already hurt yourself, call 000 now. From a mobile, 112 works too."),
    ("Anywhere", "", "112",
     "If you are in immediate danger or have already hurt yourself, call your local emergency number now. "
     "112 works across the EU and in many other countries."),
]
# The seeded text options: (name, region) -> (the prose 0002 wrote, number, body).
SEED_TEXT_OPTIONS = {
    ("Shout", "UK"): ("Text SHOUT to 85258", "85258", "SHOUT"),
    ("988 Suicide & Crisis Lifeline", "US"): ("Text 988", "988", ""),
    ("Crisis Text Line", "US"): ("Text HOME to 741741", "741741", "HOME"),
    ("9-8-8 Suicide Crisis Helpline", "Canada"): ("Text 988", "988", ""),
    ("Kids Help Phone", "Canada"): ("Text CONNECT to 686868", "686868", "CONNECT"),
}
LABEL_CODES = {
    "anywhere": "", "uk": "GB", "united kingdom": "GB", "ireland": "IE", "us": "US", "usa": "US",
    "united states": "US", "canada": "CA", "australia": "AU", "new zealand": "NZ",
}
TEXT_OPTION = re.compile(r"^\s*text\s+(?:([A-Za-z0-9]+)\s+to\s+)?(\+?\d[\d ]*\d|\d)\s*\.?\s*$", re.I)

resources = sa.table(
    "mod_crisis_resources", sa.column("id", sa.BigInteger()), sa.column("name"), sa.column("region"),
    sa.column("phone"), sa.column("text"), sa.column("url"), sa.column("hours"), sa.column("description"),
    sa.column("position", sa.Integer()), sa.column("active", sa.Boolean()), sa.column("countries"),
    sa.column("sms_number"), sa.column("sms_body"), sa.column("created_at", DATETIME),
    sa.column("updated_at", DATETIME))


def _countries(region: str) -> str:
    codes: list[str] = []
    for part in re.split(r"\s*(?:&|,|/|\band\b)\s*", (region or "").strip().lower()):
        code = LABEL_CODES.get(part.strip())
        if code and code not in codes:
            codes.append(code)
    return " ".join(codes)


def upgrade() -> None:
    op.add_column("members", sa.Column("region", sa.String(length=8), nullable=True))
    op.add_column("mod_crisis_resources",
                  sa.Column("countries", sa.String(length=80), nullable=False, server_default=""))
    op.add_column("mod_crisis_resources",
                  sa.Column("sms_number", sa.String(length=20), nullable=False, server_default=""))
    op.add_column("mod_crisis_resources",
                  sa.Column("sms_body", sa.String(length=40), nullable=False, server_default=""))

    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = bind.execute(sa.select(resources.c.id, resources.c.name, resources.c.region, resources.c.phone,
                                  resources.c.text, resources.c.position, resources.c.active)).all()
    for row in rows:
        if (row.name, row.region, row.phone) == OLD_EMERGENCY:
            bind.execute(resources.delete().where(resources.c.id == row.id))
            bind.execute(resources.insert(), [
                {"name": EMERGENCY, "region": region, "countries": countries, "phone": phone, "text": "", "url": "",
                 "hours": "24/7", "description": description, "position": row.position, "active": row.active,
                 "sms_number": "", "sms_body": "", "created_at": now, "updated_at": now}
                for region, countries, phone, description in NEW_EMERGENCY])
            continue
        values: dict[str, str] = {"countries": _countries(row.region)}
        seeded = SEED_TEXT_OPTIONS.get((row.name, row.region))
        match = TEXT_OPTION.match(row.text or "")
        if seeded and (row.text or "") in ("", seeded[0]):
            values.update(sms_number=seeded[1], sms_body=seeded[2], text="")
        elif match:
            values.update(sms_number=match.group(2).strip(), sms_body=match.group(1) or "", text="")
        bind.execute(resources.update().where(resources.c.id == row.id).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = bind.execute(sa.select(resources.c.id, resources.c.name, resources.c.region, resources.c.phone,
                                  resources.c.text, resources.c.position, resources.c.active,
                                  resources.c.sms_number, resources.c.sms_body)).all()
    split = {(region, phone) for region, _, phone, _ in NEW_EMERGENCY}
    replaced = [row for row in rows if row.name == EMERGENCY and (row.region, row.phone) in split]
    for row in rows:
        if row in replaced:
            continue
        if row.sms_number and not row.text:
            prose = f"Text {row.sms_body} to {row.sms_number}" if row.sms_body else f"Text {row.sms_number}"
            bind.execute(resources.update().where(resources.c.id == row.id).values(text=prose))
    if replaced:
        bind.execute(resources.delete().where(resources.c.id.in_([row.id for row in replaced])))
        bind.execute(resources.insert(), [{
            "name": OLD_EMERGENCY[0], "region": OLD_EMERGENCY[1], "phone": OLD_EMERGENCY[2], "text": "", "url": "",
            "hours": "24/7", "description": OLD_EMERGENCY_DESCRIPTION, "position": min(r.position for r in replaced),
            "active": any(r.active for r in replaced), "sms_number": "", "sms_body": "", "countries": "",
            "created_at": now, "updated_at": now}])
    op.drop_column("mod_crisis_resources", "sms_body")
    op.drop_column("mod_crisis_resources", "sms_number")
    op.drop_column("mod_crisis_resources", "countries")
    op.drop_column("members", "region")
