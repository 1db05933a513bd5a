"""What the moderation API answers: the queue, results of acting on it, the log, reports, appeals
and notices (the requests it takes are beside the routes, in api.py)."""

from __future__ import annotations

from typing import Any, Self

from msgspec import Struct

from forum.discussions.schemas import TagOut
from forum.paging import Page
from forum.schemas import Timestamp
from forum.warnings.models import Mode
from moderation.actions import ActionResult
from moderation.models import Notice
from moderation.queue import Card, LogEntry, QueuePage


class FlaggedPostOut(Struct, kw_only=True):
    id: int
    thread_id: int
    thread_title: str
    author: str
    body_html: str
    warnings: list[str]
    warning_details: list[TagOut]
    # show or warn: a post the moderator hides is collapsed for them, never left out.
    warning_mode: Mode
    status: str
    is_opening: bool
    removal_reason: str | None


class AuthorHistoryOut(Struct, kw_only=True):
    """Who wrote the post: when they joined, how much they write, and earlier actions on their posts."""

    name: str
    joined: Timestamp | None
    posts: int
    previous_actions: int
    status: str


class CrisisFindingOut(Struct, kw_only=True):
    """What the crisis check fired on, in the writer's own words."""

    category: str | None
    matched: list[str]


class ReportOut(Struct, kw_only=True):
    reason: str
    label: str
    note: str | None
    reporter: str
    created_at: Timestamp


class AppealOut(Struct, kw_only=True):
    note: str
    removed_by: str | None


class QueueItemOut(Struct, kw_only=True):
    """A flagged post in the queue. `id` is the flag to act on; acting decides all of `flag_ids`."""

    id: int
    flag_ids: list[int]
    post: FlaggedPostOut
    author: AuthorHistoryOut
    sources: list[str]
    priority: int
    urgent: bool
    scores: dict[str, float] | None
    score_labels: list[str]
    crisis: CrisisFindingOut | None
    reports: list[ReportOut]
    appeal: AppealOut | None
    claimed_by: str | None
    claimed_at: Timestamp | None
    created_at: Timestamp

    @classmethod
    def from_card(cls, card: Card) -> QueueItemOut:
        author = card.author
        return cls(
            id=card.flag_id, flag_ids=card.flag_ids,
            post=FlaggedPostOut(id=card.post_id, thread_id=card.thread_id, thread_title=card.thread_title,
                                author=author.name, body_html=card.body_html, warnings=[t.slug for t in card.tags],
                                warning_details=[TagOut.from_tag(t) for t in card.tags], warning_mode=card.mode,
                                status=card.post_status, is_opening=card.is_opening,
                                removal_reason=card.removal_reason),
            author=AuthorHistoryOut(name=author.name, joined=author.joined.isoformat() if author.joined else None,
                                    posts=author.posts, previous_actions=author.previous_actions,
                                    status=author.status),
            sources=card.sources, priority=card.priority, urgent=card.urgent, scores=card.scores,
            score_labels=card.score_labels,
            crisis=CrisisFindingOut(category=card.crisis.get("category"), matched=card.crisis.get("matched", []))
            if card.crisis else None,
            reports=[ReportOut(reason=r.reason, label=r.label, note=r.note, reporter=r.reporter,
                               created_at=r.created_at.isoformat()) for r in card.reports],
            appeal=AppealOut(note=card.appeal["note"], removed_by=card.appeal["removed_by"]) if card.appeal else None,
            claimed_by=card.claimed_by, claimed_at=card.claimed_at.isoformat() if card.claimed_at else None,
            created_at=card.created_at.isoformat(),
        )


class QueueOut(Struct, kw_only=True):
    """Open flags, highest priority (crisis) first."""

    items: list[QueueItemOut]
    waiting: int
    urgent: int
    page: int
    pages: int

    @classmethod
    def from_page(cls, queue: QueuePage) -> QueueOut:
        return cls(items=[QueueItemOut.from_card(c) for c in queue.cards], waiting=queue.waiting,
                   urgent=queue.urgent, page=queue.number, pages=queue.pages)


class ActionResultOut(Struct, kw_only=True):
    """What came of a moderator's action; `action_id` is the log entry to undo while `undoable`."""

    post_id: int
    message: str
    action_id: int | None
    undoable: bool

    @classmethod
    def from_result(cls, result: ActionResult, **more: Any) -> Self:
        """`more` fills the fields a subclass adds after these."""
        return cls(post_id=result.post_id, message=result.message, action_id=result.action_id,
                   undoable=result.undoable, **more)


class ResolvedOut(ActionResultOut, kw_only=True):
    id: int
    action: str


class ClaimOut(ActionResultOut, kw_only=True):
    """Who holds the item now: the moderator after a claim, nobody (null) after letting go."""

    id: int
    claimed_by: str | None


class LogTargetOut(Struct, kw_only=True):
    kind: str
    id: int | None
    label: str


class LogEntryOut(Struct, kw_only=True):
    id: int
    actor: str
    action: str
    target: LogTargetOut
    reason: str | None
    details: dict[str, Any]
    created_at: Timestamp

    @classmethod
    def from_entry(cls, entry: LogEntry) -> LogEntryOut:
        return cls(id=entry.id, actor=entry.actor, action=entry.action,
                   target=LogTargetOut(kind=entry.target_kind, id=entry.target_id, label=entry.target_label),
                   reason=entry.reason, details=entry.details, created_at=entry.created_at.isoformat())


class LogOut(Struct, kw_only=True):
    """The audit log, newest first."""

    items: list[LogEntryOut]
    page: int
    pages: int
    total: int

    @classmethod
    def from_page(cls, log: Page[LogEntry]) -> LogOut:
        return cls(items=[LogEntryOut.from_entry(e) for e in log.items], page=log.number, pages=log.pages,
                   total=log.total)


class ReportedOut(Struct, kw_only=True):
    id: int
    post_id: int
    reason: str
    message: str


class AppealedOut(Struct, kw_only=True):
    id: int
    post_id: int
    status: str
    message: str


class NoticeOut(Struct, kw_only=True):
    """A message to the member about something a moderator did to their post or account."""

    id: int
    text: str
    link: str | None
    read: bool
    created_at: Timestamp

    @classmethod
    def from_notice(cls, notice: Notice) -> NoticeOut:
        return cls(id=notice.id, text=notice.text, link=notice.link, read=notice.read_at is not None,
                   created_at=notice.created_at.isoformat())


class NoticesOut(Struct, kw_only=True):
    items: list[NoticeOut]
    total: int
    unread: int
