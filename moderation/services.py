"""What every moderation rule shares: changing a post's visibility, the audit log, and notices.

Everything here writes in the caller's transaction; callers commit. Flags (moderation.flags),
actions (moderation.actions), the queue (moderation.queue), reports and appeals
(moderation.reports) and calibration (moderation.calibration) build on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.db.base import utcnow
from forum.discussions.models import Post, Thread
from forum.errors import NotFound
from forum.outbox.events import POST_VISIBILITY_CHANGED, THREAD_CHANGED, emit
from moderation.models import ModAction, Notice

# Statuses a moderator may move a post between. "deleted" belongs to its author: moderation
# never brings a deleted post back.
MODERATED_STATUSES = ("published", "pending", "hidden", "removed")


@dataclass(frozen=True)
class PostState:
    """A post's visibility before an action, kept in the log so the action can be undone."""

    status: str
    thread_status: str
    removal_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "thread_status": self.thread_status, "removal_reason": self.removal_reason}


async def post_and_thread(session: AsyncSession, post_id: int, *, lock: bool = False) -> tuple[Post, Thread]:
    query = select(Post, Thread).join(Thread, Thread.id == Post.thread_id).where(Post.id == post_id)
    if lock and session.bind.dialect.name != "sqlite":
        # Two moderators (or a moderator and the worker) changing one post wait for each other.
        query = query.with_for_update(of=Post)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("We couldn't find that post. It may have been deleted.")
    return row[0], row[1]


def state_of(post: Post, thread: Thread) -> PostState:
    return PostState(post.status, thread.status, post.removal_reason)


async def set_post_status(session: AsyncSession, post: Post, thread: Thread, status: str,
                          removal_reason: str | None = None) -> bool:
    """Moves a post to `status`; returns whether readers' view of it changed.

    An opening post carries its thread with it (a hidden opening post hides the thread), reply
    counts are recounted, and the change goes out as an outbox event (search drops or restores it).
    """
    if status not in MODERATED_STATUSES:
        raise ValueError(f"moderation can't set a post to {status!r}")
    if post.status == "deleted":
        return False
    changed = post.status != status
    post.status = status
    post.removal_reason = removal_reason if status == "removed" else None
    if not changed:
        return False
    if post.is_opening and thread.status != "deleted":
        thread.status = status
    await session.flush()
    thread.reply_count = await session.scalar(
        select(func.count()).select_from(Post)
        .where(Post.thread_id == thread.id, Post.status == "published", Post.is_opening.is_(False))) or 0
    emit(session, POST_VISIBILITY_CHANGED, post_id=post.id, thread_id=thread.id, status=status)
    if post.is_opening:
        emit(session, THREAD_CHANGED, thread_id=thread.id)
    return True


def log_action(session: AsyncSession, actor: Member | None, action: str, target_kind: str, target_id: int | None,
               reason: str | None = None, **details: Any) -> ModAction:
    """One line of the audit log. `actor` None means the forum did it by itself (an automatic hide)."""
    entry = ModAction(actor_id=actor.id if actor else None, action=action, target_kind=target_kind,
                      target_id=target_id, reason=(reason or "").strip() or None, details=details)
    session.add(entry)
    return entry


def notify(session: AsyncSession, member_id: int | None, text: str, link: str | None = None) -> Notice | None:
    if member_id is None:  # the author has deleted their account
        return None
    notice = Notice(member_id=member_id, text=text, link=link)
    session.add(notice)
    return notice


def quoted_title(thread: Thread) -> str:
    title = thread.title if len(thread.title) <= 80 else thread.title[:77] + "…"
    return f"“{title}”"


def post_link(post: Post) -> str:
    return f"/threads/{post.thread_id}#post-{post.id}"


async def established(session: AsyncSession, member: Member) -> bool:
    """Whether a member's reports count toward hiding a post (see moderation.rules)."""
    from moderation.rules import ESTABLISHED_AFTER, ESTABLISHED_MIN_POSTS

    if member.is_moderator:
        return True
    if member.created_at > utcnow() - ESTABLISHED_AFTER:
        return False
    published = await session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == member.id, Post.status == "published"))
    return (published or 0) >= ESTABLISHED_MIN_POSTS
