"""The content-warning taxonomy, what is tagged with what (and by whom), and readers' choices."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from forum.db.base import BigIntAuditBase, DefaultBase

Mode = Literal["show", "warn", "hide"]
MODES: tuple[Mode, ...] = ("show", "warn", "hide")
# The author's own words when no warning in the taxonomy fits ("CW: hospital visit, needles").
OTHER_SLUG = "other"


class ContentWarning(BigIntAuditBase):
    __tablename__ = "content_warnings"

    slug: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    default_mode: Mapped[str] = mapped_column(String(8), default="show")
    # A warning in use is retired, never deleted: old posts keep their tags.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class _Tag:
    warning_id: Mapped[int] = mapped_column(ForeignKey("content_warnings.id", ondelete="CASCADE"), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    by_moderator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Added by the forum itself: the crisis check fired, so readers who asked to be warned are.
    by_forum: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(String(120), default=None)


class ThreadWarning(_Tag, DefaultBase):
    """A warning on a whole thread: it applies to every post in it."""

    __tablename__ = "thread_warnings"
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)


class PostWarning(_Tag, DefaultBase):
    __tablename__ = "post_warnings"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)


class WarningPreference(DefaultBase):
    __tablename__ = "warning_preferences"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("content_warnings.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))


class CacheVersion(DefaultBase):
    """A number the database bumps whenever what it names changes (migration 0012: triggers on
    content_warnings bump "taxonomy"), so every process's cached copy knows when to read again."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
