"""The one decision of what a reader sees: show, warn (behind a notice) or hide.

Every surface asks this module: topic lists, thread pages, search, feeds, the JSON API. The same
rule exists in two forms that must agree: `decide` for content already in hand, and the SQL
clauses for filtering in the query itself (so pages keep their length and nothing hidden is even
fetched). A reader's own posts are never hidden from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from forum.discussions.models import Post, PostStatus, Thread
from forum.warnings.models import Mode, PostWarning, ThreadWarning

# Statuses anyone may read. Authors also see their own held or removed posts (with a notice);
# moderators see what is held for review.
PUBLIC = (PostStatus.PUBLISHED,)
AUTHOR_SEES = (PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.REMOVED)
MODERATOR_SEES = (PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.REMOVED)


@dataclass(frozen=True)
class Reader:
    """Who is reading, and what they chose to see. Built once per request."""

    member_id: int | None = None
    is_moderator: bool = False
    # warning id -> mode, for every warning in the taxonomy (defaults filled in).
    modes: Mapping[int, Mode] = field(default_factory=dict)
    gentle_until: dt.datetime | None = None

    @property
    def gentle(self) -> bool:
        return self.gentle_until is not None

    @property
    def hidden_ids(self) -> frozenset[int]:
        return frozenset(w for w, m in self.modes.items() if m == "hide")

    @property
    def warned_ids(self) -> frozenset[int]:
        return frozenset(w for w, m in self.modes.items() if m == "warn")

    @property
    def filters_anything(self) -> bool:
        return self.gentle or bool(self.hidden_ids)


def anonymous(reader: Reader) -> Reader:
    """The same choices without the identity: what anyone with these settings sees."""
    return Reader(None, reader.is_moderator, reader.modes, reader.gentle_until)


def decide(reader: Reader, warning_ids: Iterable[int], author_id: int | None = None) -> Mode:
    """show / warn / hide for content carrying these warnings."""
    ids = set(warning_ids)
    if not ids:
        return "show"
    if reader.gentle or ids & reader.hidden_ids:
        own = author_id is not None and author_id == reader.member_id
        # Your own words are collapsed rather than taken from you.
        return "warn" if own else "hide"
    if ids & reader.warned_ids:
        return "warn"
    return "show"


# --- the same decision, as SQL ---------------------------------------------------------------

def _tags_hidden(reader: Reader, table: type[ThreadWarning] | type[PostWarning],
                 column: ColumnElement) -> ColumnElement[bool]:
    key = table.thread_id if table is ThreadWarning else table.post_id  # type: ignore[union-attr]
    query = select(1).where(key == column)
    if not reader.gentle:
        query = query.where(table.warning_id.in_(sorted(reader.hidden_ids)))
    return exists(query)


def thread_status_clause(reader: Reader) -> ColumnElement[bool]:
    if reader.is_moderator:
        return Thread.status.in_(MODERATOR_SEES)
    if reader.member_id is not None:
        return or_(Thread.status.in_(PUBLIC), and_(Thread.author_id == reader.member_id,
                                                  Thread.status.in_(AUTHOR_SEES)))
    return Thread.status.in_(PUBLIC)


def post_status_clause(reader: Reader) -> ColumnElement[bool]:
    if reader.is_moderator:
        return Post.status.in_(MODERATOR_SEES)
    if reader.member_id is not None:
        return or_(Post.status.in_(PUBLIC), and_(Post.author_id == reader.member_id, Post.status.in_(AUTHOR_SEES)))
    return Post.status.in_(PUBLIC)


def thread_warning_clause(reader: Reader) -> ColumnElement[bool]:
    """Threads whose warnings the reader has not chosen to hide."""
    if not reader.filters_anything:
        return true()
    own = Thread.author_id == reader.member_id if reader.member_id is not None else false()
    return or_(own, ~_tags_hidden(reader, ThreadWarning, Thread.id))


def post_warning_clause(reader: Reader) -> ColumnElement[bool]:
    """Posts whose own warnings, or whose thread's, the reader has not chosen to hide."""
    if not reader.filters_anything:
        return true()
    own = Post.author_id == reader.member_id if reader.member_id is not None else false()
    return or_(own, and_(~_tags_hidden(reader, PostWarning, Post.id),
                         ~_tags_hidden(reader, ThreadWarning, Post.thread_id)))


def visible_threads(reader: Reader) -> ColumnElement[bool]:
    return and_(thread_status_clause(reader), thread_warning_clause(reader))


def visible_posts(reader: Reader) -> ColumnElement[bool]:
    return and_(post_status_clause(reader), post_warning_clause(reader))
