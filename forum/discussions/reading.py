"""Topics, threads, posts and profiles as one reader may see them: the views and page queries.

Reading always goes through the reader's visibility (forum.warnings.visibility), in the query,
so pages keep their length and hidden content is never fetched. Every change to a post's life is
in forum/discussions/writing.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member, MemberStatus
from forum.cache import cache_of
from forum.discussions.models import REACTION_LABELS, Post, PostStatus, Reaction, Thread, Topic
from forum.errors import NotFound
from forum.paging import Page, page_count, page_number
from forum.warnings.models import Mode
from forum.warnings.services import Tag, WarningService, post_tags_with_thread
from forum.warnings.visibility import Reader, anonymous, decide, visible_posts, visible_threads

POSTS_PER_PAGE = 20
# Members with up to this many reactions have them all kept per process (see _own_reactions).
OWN_REACTIONS_KEPT = 2000
THREADS_PER_PAGE = 25

@dataclass(frozen=True)
class TopicView:
    id: int
    slug: str
    name: str
    description: str
    thread_count: int


@dataclass(frozen=True)
class ThreadView:
    id: int
    topic_slug: str
    topic_name: str
    title: str
    author: str
    author_id: int | None
    tags: list[Tag]
    mode: Mode
    status: PostStatus
    pinned: bool
    locked: bool
    reply_count: int
    created_at: dt.datetime
    last_activity_at: dt.datetime


@dataclass(frozen=True)
class PostView:
    id: int
    thread_id: int
    author: str
    author_id: int | None
    body_html: str
    tags: list[Tag]
    mode: Mode
    status: PostStatus
    is_opening: bool
    created_at: dt.datetime
    edited_at: dt.datetime | None
    removal_reason: str | None
    reactions: dict[str, int] = field(default_factory=dict)
    mine: frozenset[str] = frozenset()
    can_edit: bool = False

    @property
    def tag_slugs(self) -> list[str]:
        return [t.slug for t in self.tags]

    @cached_property
    def look(self) -> str:
        """Everything a rendered post shows but the time and the reader, as one string (its hash is
        kept, so the cache of rendered posts in forum/templating.py looks it up in a step)."""
        return repr((self.id, self.author, self.author_id, self.created_at, self.edited_at, self.status, self.mode,
                     self.removal_reason, [(t.slug, t.text, t.by_moderator, t.by_forum) for t in self.tags],
                     sorted(self.reactions.items()), sorted(self.mine), self.can_edit,
                     hashlib.blake2b(self.body_html.encode(), digest_size=16).hexdigest()))


@dataclass(frozen=True)
class ThreadPage:
    thread: ThreadView
    posts: Page[PostView]
    can_reply: bool


@dataclass(frozen=True)
class ProfileEntry:
    """A post on a member's profile, with the thread it belongs to (as this reader may see it)."""

    post: PostView
    thread_id: int
    thread_title: str
    thread_mode: Mode
    thread_tags: list[Tag]


class DiscussionReader:
    """Topics, threads, posts and profiles as one reader may see them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.warnings = WarningService(session)

    # --- topics ----------------------------------------------------------------------------

    async def topics(self, reader: Reader) -> list[TopicView]:
        counts = dict((await self.session.execute(
            select(Thread.topic_id, func.count()).where(visible_threads(reader)).group_by(Thread.topic_id))).all())
        topics = await self.session.scalars(select(Topic).order_by(Topic.position, Topic.name))
        return [TopicView(t.id, t.slug, t.name, t.description, counts.get(t.id, 0)) for t in topics]

    async def all_topics(self) -> list[Topic]:
        """Every topic in its order, for the admin page (no counts, no reader)."""
        return list(await self.session.scalars(select(Topic).order_by(Topic.position, Topic.name)))

    async def topic(self, slug: str) -> Topic:
        topic = await self.session.scalar(select(Topic).where(Topic.slug == slug))
        if topic is None:
            raise NotFound("We couldn't find that topic. It may have been renamed.")
        return topic

    async def threads(self, slug: str, reader: Reader, page: int | None = 1) -> tuple[Topic, Page[ThreadView]]:
        started_here = select(Thread.id).where(Thread.topic_id == Topic.id, Thread.author_id == reader.member_id)
        row = (await self.session.execute(select(Topic, started_here.exists()).where(Topic.slug == slug))).first()
        if row is None:
            raise NotFound("We couldn't find that topic. It may have been renamed.")
        topic, started_here = row
        # Only a member's own threads can look different to them (held, or never hidden from their
        # author); everyone else with the same settings shares one list.
        if not started_here:
            reader = anonymous(reader)
        number = page_number(page)
        key = ("topic", topic.id, topic.version, topic.updated_at, number, reader_key(reader),
               await self.warnings.taxonomy_version())
        pages = cache_of(self.session).pages
        cached = pages.get(key)
        if cached is not None:
            return topic, cached
        visible = and_(Thread.topic_id == topic.id, visible_threads(reader))
        total, hidden = await self._counts(Thread, Thread.topic_id == topic.id, reader, visible_threads)
        rows = (await self.session.execute(
            select(Thread, Member).outerjoin(Member, Member.id == Thread.author_id).where(visible)
            .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
            .limit(THREADS_PER_PAGE).offset((number - 1) * THREADS_PER_PAGE))).all()
        tags = await self.warnings.thread_tags([t.id for t, _ in rows])
        items = [self._thread_view(thread, author, topic, tags.get(thread.id, []), reader) for thread, author in rows]
        result = Page(items, number, total, THREADS_PER_PAGE, hidden)
        pages.put(key, result)
        return topic, result

    async def _counts(self, model: Any, scope: Any, reader: Reader, visible: Any) -> tuple[int, int]:
        """How many items the reader sees, and how many their settings left out, in one query."""
        if not reader.filters_anything:
            shown = await self.session.scalar(select(func.count()).select_from(model).where(scope, visible(reader)))
            return shown or 0, 0
        everything = Reader(reader.member_id, reader.is_moderator, {}, None)
        shown, allowed = (await self.session.execute(
            select(func.count().filter(visible(reader)), func.count().filter(visible(everything)))
            .select_from(model).where(scope))).one()
        return shown or 0, max(0, (allowed or 0) - (shown or 0))

    def _thread_view(self, thread: Thread, author: Member | None, topic: Topic, tags: list[Tag],
                     reader: Reader) -> ThreadView:
        return ThreadView(
            id=thread.id, topic_slug=topic.slug, topic_name=topic.name, title=thread.title,
            author=author.display_name if author else "Former member", author_id=thread.author_id,
            tags=tags, mode=decide(reader, [t.warning_id for t in tags], thread.author_id), status=thread.status,
            pinned=thread.pinned, locked=thread.locked, reply_count=thread.reply_count,
            created_at=thread.created_at, last_activity_at=thread.last_activity_at,
        )

    # --- reading a thread ------------------------------------------------------------------

    async def _visible_thread(self, thread_id: int, reader: Reader) -> tuple[Thread, Topic, Member | None, list[Tag]]:
        row = (await self.session.execute(
            select(Thread, Topic, Member).join(Topic, Topic.id == Thread.topic_id)
            .outerjoin(Member, Member.id == Thread.author_id)
            .where(Thread.id == thread_id, visible_threads(reader)))).first()
        if row is None:
            raise NotFound("We couldn't find that thread. It may have been moved or deleted.")
        thread, topic, author = row
        tags = (await self.warnings.thread_tags([thread.id])).get(thread.id, [])
        if decide(reader, [t.warning_id for t in tags], thread.author_id) == "hide":
            raise NotFound("We couldn't find that thread. It may have been moved or deleted.")
        return thread, topic, author, tags

    async def thread_view(self, thread_id: int, reader: Reader) -> ThreadView:
        thread, topic, author, tags = await self._visible_thread(thread_id, reader)
        return self._thread_view(thread, author, topic, tags, reader)

    async def thread_page(self, thread_id: int, reader: Reader, page: int | None = 1,
                          viewer: Member | None = None) -> ThreadPage:
        wrote_here = select(Post.id).where(Post.author_id == (viewer.id if viewer else None),
                                           Post.thread_id == thread_id).exists()
        stamp = (await self.session.execute(
            select(Thread.version, Thread.updated_at, Thread.locked, Thread.status, Topic.updated_at,
                   wrote_here.label("wrote_here"))
            .join(Topic, Topic.id == Thread.topic_id).where(Thread.id == thread_id))).first()
        if stamp is None:
            raise NotFound("We couldn't find that thread. It may have been moved or deleted.")
        # Someone who wrote nothing here sees what anyone with their settings sees, plus their own
        # reactions: that page is built once and shared. An author's page differs (their held
        # posts, their own words never hidden from them) and is built for them alone.
        shared = viewer is not None and not stamp.wrote_here
        basis, basis_viewer = (anonymous(reader), None) if shared else (reader, viewer)
        key = ("thread", thread_id, page_number(page), reader_key(basis), basis_viewer.id if basis_viewer else None,
               tuple(stamp[:5]), await self.warnings.taxonomy_version())
        pages = cache_of(self.session).pages
        cached = pages.get(key)
        if cached is None:
            cached = await self._thread_page(thread_id, basis, page, basis_viewer)
            pages.put(key, cached)
        view, posts = cached
        if shared:
            posts = await self._with_own_marks(posts, viewer)  # type: ignore[arg-type]
        return ThreadPage(view, posts, self._can_reply(viewer, stamp.locked, stamp.status))

    async def last_page(self, thread_id: int, reader: Reader) -> int:
        """The number of the thread's last page for this reader (where a new reply lands)."""
        total, _ = await self._counts(Post, Post.thread_id == thread_id, reader, visible_posts)
        return page_count(total, POSTS_PER_PAGE)

    async def _own_reactions(self, viewer: Member, ids: set[int]) -> Mapping[int, frozenset[str]]:
        """The member's reactions on these posts.

        Every reaction bumps its member's `members.version` (migration 0007), and `viewer.version`
        is read fresh at the start of each request, so a member's reactions are kept per process
        under it; only the few with very many reactions are looked up page by page."""
        key = (viewer.id, viewer.version)
        kept = cache_of(self.session).own_reactions
        everything = kept.get(key)
        if everything is None:
            rows = (await self.session.execute(select(Reaction.post_id, Reaction.kind)
                                               .where(Reaction.member_id == viewer.id)
                                               .limit(OWN_REACTIONS_KEPT + 1))).all()
            if len(rows) <= OWN_REACTIONS_KEPT:
                everything = _kinds_by_post(rows)
                kept.put(key, everything)
        if everything is None:
            # The page's id range rather than a list of ids: one range scan of the member's reactions.
            everything = _kinds_by_post(await self.session.execute(
                select(Reaction.post_id, Reaction.kind).where(Reaction.member_id == viewer.id,
                                                              Reaction.post_id.between(min(ids), max(ids)))))
        return {i: everything[i] for i in ids if i in everything}

    async def _with_own_marks(self, posts: Page[PostView], viewer: Member) -> Page[PostView]:
        """A shared page, with this member's own reactions marked and a moderator's edit links."""
        ids = {p.id for p in posts.items}
        mine = await self._own_reactions(viewer, ids) if ids else {}
        if not mine and not viewer.is_moderator:
            return posts
        items = []
        for p in posts.items:
            own, can_edit = mine.get(p.id, frozenset()), viewer.is_moderator and p.status != PostStatus.REMOVED
            # Untouched posts stay the shared objects (their rendered look is already worked out).
            items.append(p if (p.mine, p.can_edit) == (own, can_edit) else replace(p, mine=own, can_edit=can_edit))
        return replace(posts, items=items)

    @staticmethod
    def _can_reply(viewer: Member | None, locked: bool, status: PostStatus) -> bool:
        return viewer is not None and (not locked or viewer.is_moderator) and status == PostStatus.PUBLISHED

    async def _thread_page(self, thread_id: int, reader: Reader, page: int | None,
                           viewer: Member | None) -> tuple[ThreadView, Page[PostView]]:
        thread, topic, author, thread_tags = await self._visible_thread(thread_id, reader)
        number = page_number(page)
        visible = and_(Post.thread_id == thread.id, visible_posts(reader))
        total, hidden = await self._counts(Post, Post.thread_id == thread.id, reader, visible_posts)
        if number > 1 and (number - 1) * POSTS_PER_PAGE >= total:
            number = page_count(total, POSTS_PER_PAGE)
        rows = (await self.session.execute(
            select(Post, Member).outerjoin(Member, Member.id == Post.author_id).where(visible)
            .order_by(Post.id).limit(POSTS_PER_PAGE).offset((number - 1) * POSTS_PER_PAGE))).all()
        posts = await self._post_views(rows, thread_tags, reader, viewer)
        view = self._thread_view(thread, author, topic, thread_tags, reader)
        return view, Page(posts, number, total, POSTS_PER_PAGE, hidden)

    async def _post_views(self, rows: list[Any], thread_tags: list[Tag] | Mapping[int, list[Tag]], reader: Reader,
                          viewer: Member | None) -> list[PostView]:
        """Posts as this reader sees them; `thread_tags` are their thread's tags, or tags by thread id."""
        ids = [p.id for p, _ in rows]
        post_tags = await self.warnings.post_tags(ids)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        mine: dict[int, set[str]] = defaultdict(set)
        if ids:
            viewer_id = viewer.id if viewer is not None else -1
            for post_id, kind, n, by_viewer in await self.session.execute(
                    select(Reaction.post_id, Reaction.kind, func.count(),
                           func.sum(case((Reaction.member_id == viewer_id, 1), else_=0)))
                    .where(Reaction.post_id.in_(ids)).group_by(Reaction.post_id, Reaction.kind)):
                counts[post_id][kind] = n
                if by_viewer:
                    mine[post_id].add(kind)
        views = []
        for post, author in rows:
            in_thread = thread_tags.get(post.thread_id, []) if isinstance(thread_tags, Mapping) else thread_tags
            tags = post_tags_with_thread(in_thread, post_tags.get(post.id, []))
            mode = decide(reader, [t.warning_id for t in tags], post.author_id)
            if mode == "hide":  # already filtered in SQL; this keeps the promise if the two ever drift
                continue
            views.append(PostView(
                id=post.id, thread_id=post.thread_id,
                author=author.display_name if author else "Former member", author_id=post.author_id,
                body_html=post.body_html, tags=tags, mode=mode, status=post.status, is_opening=post.is_opening,
                created_at=post.created_at, edited_at=post.edited_at, removal_reason=post.removal_reason,
                reactions={k: counts[post.id].get(k, 0) for k in REACTION_LABELS}, mine=frozenset(mine[post.id]),
                can_edit=viewer is not None and (viewer.id == post.author_id or viewer.is_moderator)
                and post.status != PostStatus.REMOVED,
            ))
        return views

    async def member_posts(self, username: str, reader: Reader, page: int | None = 1,
                           viewer: Member | None = None) -> tuple[Member, Page[ProfileEntry]]:
        """A member's posts, newest first, filtered for the reader like every other list."""
        from forum.accounts.services import username_key

        member = await self.session.scalar(select(Member).where(Member.username_key == username_key(username)))
        if member is None or member.status == MemberStatus.DELETED:
            raise NotFound("We couldn't find that member.")
        number = page_number(page)
        scope = and_(Post.author_id == member.id, visible_posts(reader), visible_threads(reader))
        total = await self.session.scalar(
            select(func.count()).select_from(Post).join(Thread, Thread.id == Post.thread_id).where(scope)) or 0
        rows = (await self.session.execute(
            select(Post, Member, Thread).join(Thread, Thread.id == Post.thread_id)
            .join(Member, Member.id == Post.author_id).where(scope)
            .order_by(Post.id.desc()).limit(POSTS_PER_PAGE).offset((number - 1) * POSTS_PER_PAGE))).all()
        thread_tags = await self.warnings.thread_tags(list({t.id for _, _, t in rows}))
        # One batch for the whole page (tags and reactions), so the page costs the same for 5 posts or 20.
        views = {v.id: v for v in await self._post_views([(p, a) for p, a, _ in rows], thread_tags, reader, viewer)}
        entries: list[ProfileEntry] = []
        for post, _, thread in rows:
            tags = thread_tags.get(thread.id, [])
            if post.id in views:
                entries.append(ProfileEntry(views[post.id], thread.id, thread.title,
                                            decide(reader, [t.warning_id for t in tags], thread.author_id), tags))
        return member, Page(entries, number, total, POSTS_PER_PAGE)

    async def post_view(self, post_id: int, reader: Reader, viewer: Member | None = None) -> PostView:
        """One post as this reader may see it; absent (404) if they may not."""
        row = (await self.session.execute(
            select(Post, Member).outerjoin(Member, Member.id == Post.author_id)
            .where(Post.id == post_id, visible_posts(reader)))).first()
        if row is None:
            raise NotFound("We couldn't find that post. It may have been deleted.")
        _, _, _, thread_tags = await self._visible_thread(row[0].thread_id, reader)
        views = await self._post_views([row], thread_tags, reader, viewer)
        if not views:
            raise NotFound("We couldn't find that post. It may have been deleted.")
        return views[0]

    async def source_of(self, post_id: int) -> str:
        """The Markdown as its author wrote it (for the edit form; callers check permission first)."""
        return (await self.session.scalar(select(Post.body_source).where(Post.id == post_id))) or ""

def reader_key(reader: Reader) -> Hashable:
    """Everything about a reader that can change what a page shows them."""
    return (reader.member_id, reader.is_moderator, reader.hidden_ids, reader.warned_ids, reader.gentle)


def _kinds_by_post(rows: Iterable[Any]) -> dict[int, frozenset[str]]:
    """(post id, reaction kind) rows as the kinds on each post."""
    grouped: dict[int, set[str]] = defaultdict(set)
    for post_id, kind in rows:
        grouped[post_id].add(kind)
    return {post_id: frozenset(kinds) for post_id, kinds in grouped.items()}



