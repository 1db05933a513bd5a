"""Shapes of the JSON API: what comes in (dataclasses, validated by Litestar) and what goes out
(msgspec Structs, which /schema describes; their fields are written in this order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Self

import msgspec
from msgspec import UNSET, Struct, UnsetType

from forum.discussions.reading import PostView, ThreadView, TopicView
from forum.discussions.writing import Preview
from forum.paging import Page
from forum.schemas import Timestamp
from forum.warnings.models import Mode
from forum.warnings.services import Tag, TagSource, WarningInput


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


# --- answers ---------------------------------------------------------------------------------------


class TagOut(Struct, kw_only=True):
    """A content warning on a thread or post, in the words shown to readers, and who added it."""

    slug: str
    label: str
    added_by: TagSource

    @classmethod
    def from_tag(cls, tag: Tag) -> TagOut:
        return cls(slug=tag.slug, label=tag.text, added_by=tag.source)


class PhoneOut(Struct, kw_only=True):
    number: str
    label: str
    tel: str


class TextOptionOut(Struct, kw_only=True):
    """Texting a service: the number, the words to send, and an sms: link with both filled in."""

    number: str
    body: str
    href: str
    label: str


class CrisisResourceOut(Struct, kw_only=True):
    """A crisis service as forum/discussions/crisis_help.py structures and orders it for the reader."""

    name: str
    region: str
    phone: str
    text: str
    url: str
    hours: str
    description: str
    countries: list[str]
    sms: TextOptionOut | None
    note: str
    phones: list[PhoneOut]
    anywhere: bool
    # The heading it goes under in "Other countries": only on services that aren't shown first.
    group: str | UnsetType = UNSET
    primary: bool

    @classmethod
    def from_dict(cls, resource: dict[str, Any]) -> CrisisResourceOut:
        """From `order_for_reader`'s dicts, which always carry these keys with these types
        (tests/http/test_api_schema.py checks that nothing is lost on the way)."""
        return msgspec.convert(resource, cls)


# Present on every answer to a post or preview: null unless the crisis check fired.
CrisisResources = list[CrisisResourceOut] | None


class TopicOut(Struct, kw_only=True):
    id: int
    slug: str
    name: str
    description: str
    thread_count: int

    @classmethod
    def from_view(cls, topic: TopicView) -> TopicOut:
        return cls(id=topic.id, slug=topic.slug, name=topic.name, description=topic.description,
                   thread_count=topic.thread_count)


class TopicsOut(Struct, kw_only=True):
    topics: list[TopicOut]


class TopicRefOut(Struct, kw_only=True):
    slug: str
    name: str


class ThreadOut(Struct, kw_only=True):
    id: int
    topic: str
    title: str
    author: str
    warnings: list[str]
    warning_details: list[TagOut]
    warning_mode: Mode
    status: str
    pinned: bool
    locked: bool
    reply_count: int
    created_at: Timestamp
    last_activity_at: Timestamp

    @classmethod
    def from_view(cls, thread: ThreadView, **more: Any) -> Self:
        """`more` fills the fields a subclass adds after these (the first post of a new thread...)."""
        return cls(id=thread.id, topic=thread.topic_slug, title=thread.title, author=thread.author,
                   warnings=[t.slug for t in thread.tags], warning_details=[TagOut.from_tag(t) for t in thread.tags],
                   warning_mode=thread.mode, status=thread.status, pinned=thread.pinned, locked=thread.locked,
                   reply_count=thread.reply_count, created_at=thread.created_at.isoformat(),
                   last_activity_at=thread.last_activity_at.isoformat(), **more)


class PostOut(Struct, kw_only=True):
    id: int
    thread_id: int
    author: str
    body_html: str
    warnings: list[str]
    warning_details: list[TagOut]
    warning_mode: Mode
    status: str
    is_opening: bool
    created_at: Timestamp
    edited_at: Timestamp | None
    removal_reason: str | None
    reactions: dict[str, int]
    my_reactions: list[str]

    @classmethod
    def from_view(cls, post: PostView, **more: Any) -> Self:
        """`more` fills the fields a subclass adds after these (crisis resources...)."""
        return cls(id=post.id, thread_id=post.thread_id, author=post.author, body_html=post.body_html,
                   warnings=post.tag_slugs, warning_details=[TagOut.from_tag(t) for t in post.tags],
                   warning_mode=post.mode, status=post.status, is_opening=post.is_opening,
                   created_at=post.created_at.isoformat(),
                   edited_at=post.edited_at.isoformat() if post.edited_at else None,
                   removal_reason=post.removal_reason, reactions=post.reactions, my_reactions=sorted(post.mine),
                   **more)


class PostedOut(PostOut, kw_only=True):
    """A reply just posted or edited: the post, and where to turn if the crisis check fired."""

    crisis_resources: CrisisResources


class NewThreadOut(ThreadOut, kw_only=True):
    """A thread just started: the thread, its first post, and crisis resources if the check fired."""

    post: PostOut
    crisis_resources: CrisisResources


class ThreadListOut(Struct, kw_only=True):
    """A page of a topic's threads, as this reader may see them."""

    topic: TopicRefOut
    threads: list[ThreadOut]
    page: int
    pages: int
    total: int
    # How many the reader's settings left out (a number only, never which).
    hidden_by_settings: int

    @classmethod
    def from_page(cls, slug: str, name: str, threads: Page[ThreadView]) -> ThreadListOut:
        return cls(topic=TopicRefOut(slug=slug, name=name), threads=[ThreadOut.from_view(t) for t in threads.items],
                   page=threads.number, pages=threads.pages, total=threads.total,
                   hidden_by_settings=threads.hidden_by_settings)


class ThreadPageOut(Struct, kw_only=True):
    """A thread and one page of its posts, as this reader may see them."""

    thread: ThreadOut
    posts: list[PostOut]
    page: int
    pages: int
    total: int
    hidden_by_settings: int

    @classmethod
    def from_page(cls, thread: ThreadView, posts: Page[PostView]) -> ThreadPageOut:
        return cls(thread=ThreadOut.from_view(thread), posts=[PostOut.from_view(p) for p in posts.items],
                   page=posts.number, pages=posts.pages, total=posts.total,
                   hidden_by_settings=posts.hidden_by_settings)


class DeletedPostOut(Struct, kw_only=True):
    id: int
    status: Literal["deleted"]


class SuggestedWarningOut(Struct, kw_only=True):
    """A warning the post probably needs, and the words in it that suggested so."""

    slug: str
    matched: list[str]


class PreviewOut(Struct, kw_only=True):
    """A post as it would look, with suggested warnings; nothing is stored."""

    body_html: str
    suggested_warnings: list[SuggestedWarningOut]
    crisis_resources: CrisisResources

    @classmethod
    def from_preview(cls, preview: Preview, crisis_resources: CrisisResources) -> PreviewOut:
        return cls(body_html=preview.body_html,
                   suggested_warnings=[SuggestedWarningOut(slug=s.slug, matched=list(s.matched))
                                       for s in preview.suggestions],
                   crisis_resources=crisis_resources)


class ReactionsOut(Struct, kw_only=True):
    """A post's reaction counts, and which of them are the member's own."""

    id: int
    reactions: dict[str, int]
    my_reactions: list[str]

    @classmethod
    def from_view(cls, post: PostView) -> ReactionsOut:
        return cls(id=post.id, reactions=post.reactions, my_reactions=sorted(post.mine))
