"""Shapes of the JSON API: what comes in (dataclasses, validated by Litestar) and what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forum.discussions.reading import PostView, ThreadView, TopicView
from forum.warnings.services import Tag, WarningInput


@dataclass
class ThreadIn:
    title: str
    body: str
    warnings: list[str] = field(default_factory=list)
    other_warning: str | None = None


@dataclass
class PostIn:
    body: str
    warnings: list[str] = field(default_factory=list)
    other_warning: str | None = None


@dataclass
class PostPatch:
    body: str | None = None
    title: str | None = None
    warnings: list[str] | None = None
    other_warning: str | None = None


@dataclass
class ThreadSettingsIn:
    pinned: bool | None = None
    locked: bool | None = None


@dataclass
class PreviewIn:
    body: str
    warnings: list[str] | None = None


@dataclass
class ReactionIn:
    kind: str


def warning_input(slugs: list[str] | None, other: str | None) -> WarningInput | None:
    if slugs is None and other is None:
        return None
    return WarningInput(tuple(slugs or ()), other)


def tag_json(tag: Tag) -> dict[str, Any]:
    return {"slug": tag.slug, "label": tag.text, "added_by": tag.source.value}


def topic_json(topic: TopicView) -> dict[str, Any]:
    return {"id": topic.id, "slug": topic.slug, "name": topic.name, "description": topic.description,
            "thread_count": topic.thread_count}


def thread_json(thread: ThreadView) -> dict[str, Any]:
    return {
        "id": thread.id, "topic": thread.topic_slug, "title": thread.title, "author": thread.author,
        "warnings": [t.slug for t in thread.tags], "warning_details": [tag_json(t) for t in thread.tags],
        "warning_mode": thread.mode, "status": thread.status, "pinned": thread.pinned, "locked": thread.locked,
        "reply_count": thread.reply_count, "created_at": thread.created_at.isoformat(),
        "last_activity_at": thread.last_activity_at.isoformat(),
    }


def post_json(post: PostView) -> dict[str, Any]:
    return {
        "id": post.id, "thread_id": post.thread_id, "author": post.author, "body_html": post.body_html,
        "warnings": post.tag_slugs, "warning_details": [tag_json(t) for t in post.tags],
        "warning_mode": post.mode, "status": post.status, "is_opening": post.is_opening,
        "created_at": post.created_at.isoformat(), "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "removal_reason": post.removal_reason, "reactions": post.reactions, "my_reactions": sorted(post.mine),
    }
