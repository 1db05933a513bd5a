"""Writing an event in the caller's transaction: it commits or rolls back with the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.outbox.models import OutboxEvent

# Event kinds other packages subscribe to.
POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_DELETED = "post.deleted"
POST_VISIBILITY_CHANGED = "post.visibility_changed"
THREAD_CHANGED = "thread.changed"
MEMBER_DELETED = "member.deleted"


def emit(session: AsyncSession, kind: str, **payload: Any) -> OutboxEvent:
    event = OutboxEvent(kind=kind, payload=payload, completed=[])
    session.add(event)
    return event
