"""Turning matched post ids into hits, through the same visibility rule every page uses.

Every backend ends here: the ids it found (in rank order) are read back from the database with
forum.warnings.visibility's clauses in the query, and each survivor gets its warnings and the
reader's show/warn decision. For the SQL backend this repeats a filter the search query already
applied (ten rows, by primary key); for Meilisearch it is the check that makes an index that lags
behind the database unable to show anything the reader may not see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.models import Post, Thread, Topic
from forum.warnings.services import WarningService, post_tags_with_thread
from forum.warnings.visibility import Reader, decide, visible_posts, visible_threads
from search.protocol import SearchHit


async def hydrate(session: AsyncSession, reader: Reader, ordered_ids: Sequence[int],
                  snippets: Mapping[int, Markup]) -> list[SearchHit]:
    """Hits for these post ids, in the given order, leaving out any the reader may not see."""
    if not ordered_ids:
        return []
    rows = {r[0]: r for r in (await session.execute(
        select(Post.id, Post.thread_id, Post.author_id, Post.status, Post.is_opening, Post.created_at,
               Thread.title, Topic.slug, Topic.name)
        .join(Thread, Thread.id == Post.thread_id).join(Topic, Topic.id == Thread.topic_id)
        .where(Post.id.in_(list(ordered_ids)), visible_posts(reader), visible_threads(reader)))).all()}
    warnings = WarningService(session)
    thread_tags = await warnings.thread_tags(sorted({r[1] for r in rows.values()}))
    post_tags = await warnings.post_tags(list(rows))
    hits = []
    for post_id in ordered_ids:
        row = rows.get(post_id)
        if row is None:
            continue
        _, thread_id, author_id, status, is_opening, created_at, title, topic, topic_name = row
        tags = post_tags_with_thread(thread_tags.get(thread_id, []), post_tags.get(post_id, []))
        mode = decide(reader, [t.warning_id for t in tags], author_id)
        if mode == "hide":  # the SQL clauses already agree; this keeps the promise if they ever drift
            continue
        hits.append(SearchHit(
            post_id=post_id, thread_id=thread_id, thread_title=title, topic=topic, topic_name=topic_name,
            snippet=snippets.get(post_id, Markup("")), tags=tags, warning_mode=mode, status=status,
            is_opening=is_opening, created_at=created_at,
        ))
    return hits
