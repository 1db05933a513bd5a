"""Raising flags: crisis signals, classifier scores, pre-moderation holds, reports and appeals.

Flags come from outbox events, which arrive at least once, so raising is idempotent: each flag
remembers the events it came from (details["events"]), a replayed event finds its flag and does
nothing, and a new event for a post that already has an open flag of that source updates it
rather than adding a second card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.db.base import utcnow
from forum.discussions.models import Post, PostStatus, Thread
from forum.discussions.writing import DiscussionWriter
from forum.hooks import InlineFinding
from forum.outbox.events import emit
from moderation.config import ModerationConfig
from moderation.models import Flag
from moderation.rules import CRISIS_BONUS, HELD_PRIORITY, URGENT_AT, classifier_priority, crisis_priority
from moderation.services import log_action, notify, post_link, quoted_title

# Written in the same transaction as a flag that makes an item urgent (a crisis, "worried about this
# person"): moderation/alerts.py tells on-duty moderators from the outbox worker, once per flag.
URGENT_FLAG_RAISED = "moderation.urgent_flag"

HIDDEN_FOR_REVIEW = ("Your post in {title} is hidden until a moderator has looked at it. This sometimes happens "
                     "automatically and isn't a judgement of you; you'll hear from us here when they have.")


@dataclass(frozen=True)
class Raised:
    flag: Flag
    created: bool


class FlagService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_flag(self, post_id: int, source: str) -> Flag | None:
        return await self.session.scalar(
            select(Flag).where(Flag.post_id == post_id, Flag.source == source, Flag.status == "open"))

    async def already_seen(self, post_id: int, source: str, event_ids: Iterable[int]) -> bool:
        """Whether any flag (open or resolved) of this post and source came from one of these events."""
        wanted = set(event_ids)
        if not wanted:
            return False
        for details in await self.session.scalars(
                select(Flag.details).where(Flag.post_id == post_id, Flag.source == source)):
            if wanted & set((details or {}).get("events", [])):
                return True
        return False

    async def raise_flag(self, post_id: int, source: str, priority: int, details: dict[str, Any],
                         event_ids: Sequence[int] = ()) -> Raised:
        """Adds a flag, or folds this reason into the post's open flag of the same source.

        A race with another writer trips the unique index on open flags; the caller's transaction
        then fails and is retried (the outbox retries events), finding the other writer's flag."""
        flag = await self.open_flag(post_id, source)
        if flag is None:
            flag = Flag(post_id=post_id, source=source, priority=priority,
                        details={**details, "events": list(event_ids)})
            self.session.add(flag)
            await self.session.flush()
            if priority >= URGENT_AT:
                self._urgent(flag)
            return Raised(flag, True)
        merged = {**(flag.details or {}), **details}
        merged["events"] = sorted(set((flag.details or {}).get("events", [])) | set(event_ids))
        flag.details = merged
        was_urgent = flag.priority >= URGENT_AT
        flag.priority = max(flag.priority, priority)
        if not was_urgent and flag.priority >= URGENT_AT:
            self._urgent(flag)
        return Raised(flag, False)

    def _urgent(self, flag: Flag) -> None:
        """An item just became urgent: the alert goes out from the outbox, never from this request.

        Once per flag: a replayed event finds the flag already raised and adds nothing, and an edit
        folds into the open flag. The payload is what an alert may say, and nothing of the post."""
        emit(self.session, URGENT_FLAG_RAISED, flag_id=flag.id, post_id=flag.post_id, source=flag.source,
             raised_at=utcnow().isoformat())

    # --- the sources ---------------------------------------------------------------------------

    async def crisis(self, post_id: int, finding: InlineFinding, event_id: int) -> Flag | None:
        if await self.already_seen(post_id, "crisis", [event_id]):
            return None
        category = finding.category or "passive"
        existing = await self.open_flag(post_id, "crisis")
        matched = list(finding.matched)
        if existing is not None:
            # Keep the most urgent category an edit ever showed; the words from every version.
            old = (existing.details or {}).get("category", "passive")
            if CRISIS_BONUS.get(old, 0) > CRISIS_BONUS.get(category, 0):
                category = old
            matched = list(dict.fromkeys([*(existing.details or {}).get("matched", []), *matched]))
        raised = await self.raise_flag(post_id, "crisis", crisis_priority(category),
                                       {"category": category, "matched": matched}, [event_id])
        return raised.flag

    async def premod(self, post_id: int, event_id: int) -> Flag | None:
        if await self.already_seen(post_id, "premod", [event_id]):
            return None
        return (await self.raise_flag(post_id, "premod", HELD_PRIORITY, {}, [event_id])).flag

    async def classified(self, post: Post, thread: Thread, scores: dict[str, float], config: ModerationConfig,
                         event_ids: Sequence[int], classifier: str) -> Flag | None:
        """Stores the scores; flags at the flag thresholds and hides at the hide thresholds."""
        post.classifier_scores = scores
        labels = config.flag_labels(scores)
        if not labels or await self.already_seen(post.id, "classifier", event_ids):
            return None
        hide_labels = config.hide_labels(scores)
        hidden = False
        if hide_labels and post.status == PostStatus.PUBLISHED:
            hidden = await DiscussionWriter(self.session).change_status(post, thread, PostStatus.HIDDEN)
            if hidden:
                log_action(self.session, None, "auto-hide", "post", post.id,
                           f"The classifier scored it at or above the hide threshold for {', '.join(hide_labels)}.",
                           author_id=post.author_id, thread_id=thread.id, scores=scores)
                notify(self.session, post.author_id, HIDDEN_FOR_REVIEW.format(title=quoted_title(thread)),
                       post_link(post))
        held = hidden or post.status in (PostStatus.HIDDEN, PostStatus.PENDING)
        raised = await self.raise_flag(post.id, "classifier", classifier_priority(scores, held),
                                       {"scores": scores, "labels": labels, "hide_labels": hide_labels,
                                        "classifier": classifier}, event_ids)
        return raised.flag
