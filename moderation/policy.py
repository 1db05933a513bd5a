"""Pre-moderation: the forum asks this, at submission, whether a new post waits for a moderator."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.models import Post, PostStatus
from moderation.config import load_config


async def premoderation_policy(session: AsyncSession, member: Member) -> PostStatus:
    """"pending" while a member has fewer than N approved (published) posts, when N > 0.

    Counting approved posts, not all posts, means a newcomer can't get past the hold by posting N
    times in a row. Moderators and admins are never held. N is 0 (off) by default.
    """
    if member.is_moderator:
        return PostStatus.PUBLISHED
    first_posts = (await load_config(session)).premod_first_posts
    if first_posts <= 0:
        return PostStatus.PUBLISHED
    approved = await session.scalar(
        select(func.count()).select_from(Post)
        .where(Post.author_id == member.id, Post.status == PostStatus.PUBLISHED)) or 0
    return PostStatus.PENDING if approved < first_posts else PostStatus.PUBLISHED
