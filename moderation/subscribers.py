"""Outbox subscribers: flags from what the inline checks found, and the classifier's micro-batches.

Two subscribers, so that an urgent crisis flag never waits behind a slow or broken classifier:
the outbox records each one's progress separately and retries only the one that failed. The alerts
for urgent flags (moderation/alerts.py) are subscribers of their own, for the same reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select

from forum.db.engine import Database
from forum.discussions.models import Post, PostStatus, Thread
from forum.hooks import InlineFinding
from forum.outbox.events import POST_CREATED, POST_EDITED
from forum.settings import Settings
from moderation.classifying import ClassifierHolder
from moderation.config import load_config
from moderation.flags import FlagService

log = logging.getLogger("moderation.worker")

# Texts per call into the model: big enough to amortise the per-call cost, small enough that a
# long queue doesn't hold one transaction (and the SQLite write lock) for long.
SCORE_CHUNK = 32


class Event(Protocol):
    id: int
    kind: str
    payload: dict[str, Any]


def _post_id(event: Event) -> int | None:
    try:
        return int(event.payload.get("post_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class FlagRaiser:
    """Crisis findings become urgent flags; posts held by pre-moderation enter the queue."""

    name = "moderation.flags"
    kinds = frozenset({POST_CREATED, POST_EDITED})

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def alert_subscribers(db: Database, settings: Settings) -> list[Any]:
        """The subscribers that announce the urgent flags this one raises (moderation/alerts.py):
        registered after it, each channel (webhook, email) on its own so one that is down never holds
        back the other, nor any flag."""
        from moderation.alerts import alert_subscribers

        return list(alert_subscribers(db, settings))

    async def handle(self, events: Sequence[Event]) -> None:
        wanted = {pid for e in events if (pid := _post_id(e)) is not None}
        async with self.db.session() as session:
            statuses = dict((await session.execute(
                select(Post.id, Post.status).where(Post.id.in_(wanted)))).all()) if wanted else {}
            flags = FlagService(session)
            for event in events:
                post_id = _post_id(event)
                if post_id not in statuses:
                    continue  # gone since (its author deleted their account with their posts)
                for finding in map(InlineFinding.from_dict, event.payload.get("findings") or []):
                    if finding.is_crisis:
                        await flags.crisis(post_id, finding, event.id)
                if event.kind == POST_CREATED and statuses[post_id] == PostStatus.PENDING:
                    await flags.premod(post_id, event.id)
            await session.commit()


class ClassifierSubscriber:
    """Scores new and edited posts in micro-batches, off the event loop, and flags or hides them."""

    name = "moderation.classifier"
    kinds = frozenset({POST_CREATED, POST_EDITED})

    def __init__(self, db: Database, holder: ClassifierHolder) -> None:
        self.db = db
        self.holder = holder

    async def handle(self, events: Sequence[Event]) -> None:
        # A moderator's edit (content warnings, say) vouches for the post: don't re-flag it.
        by_post: dict[int, list[int]] = {}
        for event in events:
            post_id = _post_id(event)
            if post_id is not None and not event.payload.get("by_moderator"):
                by_post.setdefault(post_id, []).append(event.id)
        if not by_post:
            return
        classifier = await self.holder.get()
        async with self.db.session() as session:
            rows = (await session.execute(
                select(Post, Thread).join(Thread, Thread.id == Post.thread_id)
                .where(Post.id.in_(by_post),
                       Post.status.in_((PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN))))).all()
            if not rows:
                return
            # One text per post, as it is now: a post created and edited in one batch is scored once.
            texts = [f"{thread.title}\n{post.body_source}" if post.is_opening else post.body_source
                     for post, thread in rows]
            scores: list[dict[str, float]] = []
            for start in range(0, len(texts), SCORE_CHUNK):
                scores.extend(await asyncio.to_thread(classifier.score_batch, texts[start:start + SCORE_CHUNK]))
            config = await load_config(session)
            flags = FlagService(session)
            for (post, thread), post_scores in zip(rows, scores, strict=True):
                rounded = {label: round(float(value), 4) for label, value in post_scores.items()}
                await flags.classified(post, thread, rounded, config, by_post[post.id], classifier.name)
            await session.commit()
