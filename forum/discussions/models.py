"""Topics hold threads; threads hold posts; members react to posts with support."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import Member
from forum.db.base import BigIntAuditBase, DateTimeUTC, EnumText, utcnow


class PostStatus(StrEnum):
    """Where a post is in its life. A thread's status is its opening post's (forum/discussions/writing.py)."""

    PUBLISHED = "published"  # everyone may see it
    PENDING = "pending"  # waits for a moderator (pre-moderation)
    HIDDEN = "hidden"  # held back pending review (the classifier, or members' reports)
    REMOVED = "removed"  # taken down by a moderator, with a reason the author is told
    DELETED = "deleted"  # by its author; moderation never brings it back


class ReactionKind(StrEnum):
    RELATE = "relate"
    SUPPORT = "support"
    THANKS = "thanks"


REACTION_LABELS: dict[ReactionKind, str] = {ReactionKind.RELATE: "I relate", ReactionKind.SUPPORT: "Sending support",
                                            ReactionKind.THANKS: "Thank you"}


class Topic(BigIntAuditBase):
    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by database triggers whenever its threads change (migration 0004); pages cache by it.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Thread(BigIntAuditBase):
    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_topic_activity", "topic_id", "pinned", "last_activity_at"),)

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PostStatus] = mapped_column(EnumText(PostStatus), default=PostStatus.PUBLISHED)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_activity_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # Published replies, kept by forum/discussions/writing.py alone (atomic increments), so topic
    # pages need no COUNT per row.
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by database triggers whenever what its page shows changes (migration 0004).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    topic: Mapped[Topic] = relationship(lazy="raise")
    author: Mapped[Member | None] = relationship(lazy="raise")


class Post(BigIntAuditBase):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_created", "thread_id", "status", "id"),
                      # "Has this member written in this thread?", asked on every signed-in thread page.
                      Index("ix_posts_author_thread", "author_id", "thread_id"))

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    is_opening: Mapped[bool] = mapped_column(Boolean, default=False)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(EnumText(PostStatus), default=PostStatus.PUBLISHED, index=True)
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # What the author is told when a moderator removes the post.
    removal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The classifier's latest scores, written by the moderation worker.
    classifier_scores: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)

    thread: Mapped[Thread] = relationship(lazy="raise")
    author: Mapped[Member | None] = relationship(lazy="raise")


class Reaction(BigIntAuditBase):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "member_id", "kind"),
                      # A member's own reactions on a page, and everything they reacted to (export, deletion).
                      Index("ix_reactions_member_post", "member_id", "post_id"))

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[ReactionKind] = mapped_column(EnumText(ReactionKind))
