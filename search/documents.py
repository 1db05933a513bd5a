"""Reading posts from the database as index documents: the one place that says what gets indexed.

The indexer and `forum search reindex` both come here, so an event replayed twice, or a rebuild
running beside the live indexer, always writes the same current state (idempotent by design).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.content.render import plain_text
from forum.discussions.models import Post, PostStatus, Thread, Topic
from forum.warnings.services import WarningService
from search.protocol import SearchDoc
from search.snippets import strip_controls

# Content that no reader (not even its author) can see again is taken out of the index;
# everything else stays, and the reader's filter decides at search time.
GONE = PostStatus.DELETED
CHUNK = 500


def index_text(html: str) -> str:
    """The words of a post as the index stores them (no control characters: see snippets.py)."""
    return strip_controls(plain_text(html or ""))


def indexable(post_status: str, thread_status: str, body: str) -> bool:
    return post_status != GONE and thread_status != GONE and bool(body.strip())


async def documents_for(session: AsyncSession, post_ids: Iterable[int]) -> tuple[list[SearchDoc], list[int]]:
    """Current documents for these posts, and the ids that should not be in the index."""
    wanted = sorted(set(post_ids))
    docs: list[SearchDoc] = []
    for start in range(0, len(wanted), CHUNK):
        docs.extend(await _load(session, wanted[start:start + CHUNK]))
    present = {d.post_id for d in docs}
    return docs, [pid for pid in wanted if pid not in present]


async def _load(session: AsyncSession, ids: Sequence[int]) -> list[SearchDoc]:
    rows = (await session.execute(
        select(Post.id, Post.thread_id, Post.author_id, Post.is_opening, Post.body_html, Post.status,
               Post.created_at, Thread.title, Thread.status, Thread.author_id, Topic.slug)
        .join(Thread, Thread.id == Post.thread_id).join(Topic, Topic.id == Thread.topic_id)
        .where(Post.id.in_(ids)))).all()
    warnings = WarningService(session)
    thread_tags = await warnings.thread_tags(sorted({r[1] for r in rows}))
    post_tags = await warnings.post_tags([r[0] for r in rows])
    docs = []
    for (post_id, thread_id, author_id, is_opening, body_html, status, created_at, title, thread_status,
         thread_author_id, topic) in rows:
        body = index_text(body_html)
        if not indexable(status, thread_status, body):
            continue
        t_tags, p_tags = thread_tags.get(thread_id, []), post_tags.get(post_id, [])
        docs.append(SearchDoc(
            post_id=post_id, thread_id=thread_id, topic=topic,
            title=strip_controls(title) if is_opening else "", body=body,
            status=status, thread_status=thread_status, author_id=author_id, thread_author_id=thread_author_id,
            post_warning_ids=tuple(sorted(t.warning_id for t in p_tags)),
            thread_warning_ids=tuple(sorted(t.warning_id for t in t_tags)),
            warning_slugs=tuple(dict.fromkeys(t.slug for t in [*t_tags, *p_tags])),
            created_at=created_at,
        ))
    return docs


async def post_ids_of_threads(session: AsyncSession, thread_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(thread_ids))
    if not ids:
        return []
    return list(await session.scalars(select(Post.id).where(Post.thread_id.in_(ids))))


async def count_posts(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(Post))) or 0


async def all_documents(session: AsyncSession, batch: int = 1000) -> AsyncIterator[tuple[list[SearchDoc], list[int]]]:
    """Every post in id order, a batch at a time (keyset paging, so a live forum can keep writing)."""
    last = 0
    while True:
        ids = list(await session.scalars(select(Post.id).where(Post.id > last).order_by(Post.id).limit(batch)))
        if not ids:
            return
        docs, gone = await documents_for(session, ids)
        yield docs, gone
        last = ids[-1]
        # Each batch reads fresh rows; the session must not pin an old snapshot for the whole run.
        await session.commit()
