"""Moderation's tables: flags in the queue, reports, the audit log, notices, appeals and settings.

Tables are prefixed `mod_` so they sort together and never collide with the forum's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from forum.db.base import BigIntAuditBase, DateTimeUTC

FlagSource = Literal["crisis", "classifier", "report", "premod", "appeal"]
FLAG_SOURCES: tuple[str, ...] = ("crisis", "classifier", "report", "premod", "appeal")
ReportReason = Literal["unkind", "spam", "worried", "needs-warning", "other"]


class Flag(BigIntAuditBase):
    """One reason a post is in the queue. A post may have several open flags (a crisis flag and
    three reports, say); the queue shows them together as one card per post."""

    __tablename__ = "mod_flags"
    __table_args__ = (
        # At most one open flag per post and source: a replayed event or a fourth report updates the
        # open flag rather than adding a card. Enforced by the database, so two workers can't race.
        Index("uq_mod_flags_open_post_source", "post_id", "source", unique=True,
              sqlite_where=sql_text("status = 'open'"), postgresql_where=sql_text("status = 'open'")),
        Index("ix_mod_flags_queue", "status", "priority", "created_at"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    # Higher first; see moderation.rules for the tiers (crisis > held for review > reports > scores).
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Why it is here: classifier scores, crisis category and matched words, the outbox events seen.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    resolution: Mapped[str | None] = mapped_column(String(16), default=None)
    # For classifier flags: did the moderator agree the post was a problem? Calibration reads this.
    agreed: Mapped[bool | None] = mapped_column(Boolean, default=None)


class Report(BigIntAuditBase):
    __tablename__ = "mod_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="uq_mod_reports_post_reporter"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The queue card this report belongs to; a post reported again after a decision gets a new one.
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("mod_flags.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, default=None)


class ModAction(BigIntAuditBase):
    """The audit log. Append-only: rows are written once and never changed (an undo is a new row).

    The database enforces it too (migration 0008): only a deleted account's ON DELETE SET NULL
    may touch an entry. The ORM hook below fails earlier, with a clearer message."""

    __tablename__ = "mod_actions"
    __table_args__ = (Index("ix_mod_actions_target", "target_kind", "target_id"),)

    # None for the forum itself (an automatic hide by the classifier or by reports).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    target_kind: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # What undo needs (state before) and what a reader of the log wants (post author, flags resolved).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(ModAction, "before_update")
@event.listens_for(ModAction, "before_delete")
def _append_only(_mapper: Any, _connection: Any, target: ModAction) -> None:
    raise RuntimeError(f"the moderation log is append-only (tried to change entry {target.id})")


class Notice(BigIntAuditBase):
    """An in-app message to a member about something a moderator did to their post or account."""

    __tablename__ = "mod_notices"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300), default=None)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Appeal(BigIntAuditBase):
    __tablename__ = "mod_appeals"
    # One appeal per removed post: a second opinion, not an endless loop.
    __table_args__ = (UniqueConstraint("post_id", name="uq_mod_appeals_post"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text)
    # open, upheld (the post is back), rejected (the removal stands)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Who removed the post, so that someone else decides the appeal.
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class CrisisResource(BigIntAuditBase):
    """A crisis service shown to someone who may be in danger, and on the help page. Admin-edited."""

    __tablename__ = "mod_crisis_resources"

    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Deactivated rather than deleted, so an admin can bring one back.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where it helps: ISO country codes, space-separated ("GB IE"); empty = anyone, anywhere (migration 0010).
    countries: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # A text option as number and words to send (an sms: link), rather than prose; "" = none.
    sms_number: Mapped[str] = mapped_column(String(20), default="", server_default="")
    sms_body: Mapped[str] = mapped_column(String(40), default="", server_default="")

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "region": self.region, "phone": self.phone, "text": self.text,
                "url": self.url, "hours": self.hours, "description": self.description,
                "countries": self.countries, "sms_number": self.sms_number, "sms_body": self.sms_body}


class ModerationSetting(BigIntAuditBase):
    """Admin-editable knobs as key -> JSON (thresholds, pre-moderation, calibration target)."""

    __tablename__ = "mod_settings"

    key: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[Any] = mapped_column(JSON)
