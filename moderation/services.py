"""What every moderation rule shares: loading a post for a change, the audit log, and notices.

A post's state itself changes only through forum/discussions/writing.py (`DiscussionWriter.change_status`).

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
from forum.discussions.models import Post, PostStatus, Thread
from forum.errors import NotFound
from moderation.models import ModAction, Notice


@dataclass(frozen=True)
class PostState:
    """A post's visibility before an action, kept in the log so the action can be undone."""

    status: PostStatus
    thread_status: PostStatus
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
        select(func.count()).select_from(Post).where(Post.author_id == member.id,
                                                     Post.status == PostStatus.PUBLISHED))
    return (published or 0) >= ESTABLISHED_MIN_POSTS
