"""Every change in a post's life, as commands named for what they do.

As Discourse keeps PostCreator, PostRevisor and PostDestroyer, this module is the one place that
creates, revises, deletes and moves posts between states. It alone writes `Post.status`,
`Thread.status` and `Thread.reply_count`, and it alone emits post events to the outbox (a test
greps for both). Moderation (moderation/services.py, moderation/actions.py), account deletion
(forum/accounts/services.py) and the demo loader call these commands rather than editing rows.

Each command validates, stores, runs the fast checks and emits its event in ONE transaction.
Reply counts change by atomic `UPDATE … SET reply_count = reply_count ± 1`, never read-modify-write,
so concurrent replies can't lose a count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from forum.accounts.models import Member
from forum.content.render import render_markdown
from forum.db.base import utcnow
from forum.discussions.models import REACTION_LABELS, Post, PostStatus, Reaction, ReactionKind, Thread, Topic
from forum.discussions.reading import DiscussionReader, PostView
from forum.errors import Forbidden, Invalid, NotFound, NotSignedIn
from forum.hooks import Extensions, InlineFinding
from forum.outbox.events import POST_CREATED, POST_DELETED, POST_EDITED, POST_VISIBILITY_CHANGED, THREAD_CHANGED, emit
from forum.warnings.services import WarningInput, WarningService
from forum.warnings.suggest import Suggestion
from forum.warnings.visibility import Reader

MAX_TITLE = 200
MAX_BODY = 50_000

# States a moderator may move a post between. DELETED belongs to its author: moderation never
# brings a deleted post back.
MODERATED_STATUSES = frozenset({PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.REMOVED})


@dataclass(frozen=True)
class Submitted:
    """A stored post, with what the inline checks found (the author is shown resources at once)."""

    post: Post
    thread: Thread
    findings: list[InlineFinding]

    @property
    def crisis(self) -> bool:
        return any(f.show_crisis_resources for f in self.findings)


@dataclass(frozen=True)
class Preview:
    body_html: str
    suggestions: list[Suggestion]
    findings: list[InlineFinding]

    @property
    def crisis(self) -> bool:
        return any(f.show_crisis_resources for f in self.findings)


def check_body(body: str | None, errors: dict[str, str]) -> str:
    body = (body or "").strip()
    if not body:
        errors["body"] = "Write something before posting. Even a few words are welcome."
    elif len(body) > MAX_BODY:
        errors["body"] = (f"That's longer than we can take ({len(body):,} of {MAX_BODY:,} characters). "
                          "Could you split it?")
    return body


def check_title(title: str | None, errors: dict[str, str]) -> str:
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "Give your thread a title, so others can find it."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters (it's {len(title)} now)."
    return title


def _reply_count_shifted(delta: Any) -> Any:
    """`reply_count + delta` in SQL, never below zero (a count the database changes in place)."""
    return case((Thread.reply_count + delta < 0, 0), else_=Thread.reply_count + delta)


def counts_as_reply(post: Post, status: PostStatus) -> bool:
    """A thread's `reply_count` is its published posts other than the opening one."""
    return status == PostStatus.PUBLISHED and not post.is_opening


class DiscussionWriter:
    """Commands that change topics, threads and posts. Each one commits (the caller's transaction
    for the ones moderation and accounts call from inside theirs: those say so)."""

    def __init__(self, session: AsyncSession, extensions: Extensions | None = None) -> None:
        self.session = session
        self.extensions = extensions or Extensions()
        self.warnings = WarningService(session)

    # --- topics ----------------------------------------------------------------------------

    async def save_topic(self, slug: str, name: str, description: str = "", position: int | None = None) -> Topic:
        """Adds the topic, or renames and re-describes the one with that slug (slugs are its address)."""
        slug, name = slug.strip().lower(), " ".join(name.split())
        if not slug or not name or not slug.replace("-", "").isalnum():
            raise Invalid("A topic needs a name and a slug of lower-case letters, numbers and dashes.")
        topic = await self.session.scalar(select(Topic).where(Topic.slug == slug))
        if topic is None:
            topic = Topic(slug=slug, name=name, description=description.strip(), position=position or 0)
            self.session.add(topic)
        else:
            topic.name, topic.description = name, description.strip()
            if position is not None:
                topic.position = position
        await self.session.commit()
        return topic

    # --- creating ----------------------------------------------------------------------------

    async def preview(self, body: str) -> Preview:
        """What posting would show, and what the checks make of it; nothing is stored."""
        errors: dict[str, str] = {}
        body = check_body(body, errors)
        if errors:
            raise Invalid("Nothing to preview yet.", errors)
        assessment = await self.extensions.assess(body)
        return Preview(render_markdown(body), assessment.suggestions, assessment.findings)

    async def create_thread(self, member: Member | None, topic_slug: str, title: str, body: str,
                            warnings: WarningInput = WarningInput(), *, at: dt.datetime | None = None) -> Submitted:
        """Starts a thread with its opening post. ``at`` backdates it (the demo community)."""
        author = self._ensure_can_write(member)
        topic = await self.session.scalar(select(Topic).where(Topic.slug == topic_slug))
        if topic is None:
            raise NotFound("We couldn't find that topic. It may have been renamed.")
        errors: dict[str, str] = {}
        title = check_title(title, errors)
        body = check_body(body, errors)
        if errors:
            raise Invalid("Your thread needs a little more before it can be posted.", errors)
        status = PostStatus(await self.extensions.initial_status(self.session, author))
        now = at or utcnow()
        thread = Thread(topic_id=topic.id, author_id=author.id, title=title, status=status, last_activity_at=now,
                        **({"created_at": now, "updated_at": now} if at else {}))
        self.session.add(thread)
        await self.session.flush()
        # Warnings on the opening post cover the whole thread, title included.
        await self.warnings.set_thread_tags(thread.id, warnings, author, by_moderator=False)
        post = await self._store_post(author, thread, body, status, is_opening=True, at=at)
        assessment = await self.extensions.assess(f"{title}\n{body}")
        await self.warnings.add_forum_thread_tags(thread.id, assessment.forum_warnings)
        emit(self.session, POST_CREATED, post_id=post.id, thread_id=thread.id, author_id=author.id,
             findings=[f.as_dict() for f in assessment.findings])
        await self.session.commit()
        return Submitted(post, thread, assessment.findings)

    async def reply(self, member: Member | None, thread_id: int, body: str,
                    warnings: WarningInput = WarningInput(), *, at: dt.datetime | None = None) -> Submitted:
        author = self._ensure_can_write(member)
        thread = await self.session.get(Thread, thread_id)
        if thread is None or (thread.status != PostStatus.PUBLISHED and thread.author_id != author.id):
            raise NotFound("We couldn't find that thread. It may have been moved or deleted.")
        if thread.locked and not author.is_moderator:
            raise Forbidden("This thread is closed to new replies. You're welcome to start a new thread.")
        errors: dict[str, str] = {}
        body = check_body(body, errors)
        if errors:
            raise Invalid("Your reply needs a little more before it can be posted.", errors)
        status = PostStatus(await self.extensions.initial_status(self.session, author))
        post = await self._store_post(author, thread, body, status, is_opening=False, at=at)
        await self.warnings.set_post_tags(post.id, warnings, author, by_moderator=False)
        if status == PostStatus.PUBLISHED:
            await self._count_replies(thread, +1, active_at=at or utcnow())
        assessment = await self.extensions.assess(body)
        await self.warnings.add_forum_post_tags(post.id, assessment.forum_warnings)
        emit(self.session, POST_CREATED, post_id=post.id, thread_id=thread.id, author_id=author.id,
             findings=[f.as_dict() for f in assessment.findings])
        await self.session.commit()
        return Submitted(post, thread, assessment.findings)

    async def _store_post(self, author: Member, thread: Thread, body: str, status: PostStatus, is_opening: bool,
                          at: dt.datetime | None) -> Post:
        post = Post(thread_id=thread.id, author_id=author.id, body_source=body, body_html=render_markdown(body),
                    status=status, is_opening=is_opening, **({"created_at": at, "updated_at": at} if at else {}))
        self.session.add(post)
        await self.session.flush()
        return post

    async def _count_replies(self, thread: Thread, delta: int, active_at: dt.datetime | None = None) -> None:
        """Atomic, in the database: two replies at once both count (never read-modify-write)."""
        values: dict[str, object] = {"reply_count": _reply_count_shifted(delta)}
        if active_at is not None:
            values["last_activity_at"] = active_at
        count = (await self.session.execute(
            update(Thread).where(Thread.id == thread.id).values(**values).returning(Thread.reply_count),
            execution_options={"synchronize_session": False})).scalar_one()
        # The row this session holds learns the new values without another read.
        set_committed_value(thread, "reply_count", count)
        if active_at is not None:
            set_committed_value(thread, "last_activity_at", active_at)

    # --- revising ----------------------------------------------------------------------------

    async def _own_post(self, member: Member | None, post_id: int) -> tuple[Member, Post, Thread]:
        if member is None:
            raise NotSignedIn()
        row = (await self.session.execute(
            select(Post, Thread).join(Thread, Thread.id == Post.thread_id).where(Post.id == post_id))).first()
        if row is None or row[0].status == PostStatus.DELETED:
            raise NotFound("We couldn't find that post. It may have been deleted.")
        post, thread = row
        if post.author_id != member.id and not member.is_moderator:
            raise Forbidden("You can only change your own posts.")
        if post.status == PostStatus.REMOVED and not member.is_moderator:
            raise Forbidden("A moderator removed this post, so it can't be edited. You can appeal from your notices.")
        return member, post, thread

    async def edit_post(self, member: Member | None, post_id: int, body: str | None = None,
                        warnings: WarningInput | None = None, title: str | None = None) -> Submitted:
        editor, post, thread = await self._own_post(member, post_id)
        self._ensure_can_write(editor)
        errors: dict[str, str] = {}
        if body is not None:
            body = check_body(body, errors)
        if title is not None and post.is_opening:
            title = check_title(title, errors)
        if errors:
            raise Invalid("Your changes need another look.", errors)
        by_moderator = editor.id != post.author_id
        findings: list[InlineFinding] = []
        forum_warnings: list[str] = []
        if body is not None and body != post.body_source:
            post.body_source = body
            post.body_html = render_markdown(body)
            post.edited_at = utcnow()
            assessment = await self.extensions.assess(body)
            findings = assessment.findings
            forum_warnings = assessment.forum_warnings
        if title is not None and post.is_opening and title != thread.title:
            thread.title = title
            post.edited_at = utcnow()
        if warnings is not None:
            await self._set_tags(post, thread, warnings, editor, by_moderator)
        if forum_warnings and not by_moderator:  # a moderator's edit never re-adds what a moderator removed
            if post.is_opening:
                await self.warnings.add_forum_thread_tags(thread.id, forum_warnings)
            else:
                await self.warnings.add_forum_post_tags(post.id, forum_warnings)
        emit(self.session, POST_EDITED, post_id=post.id, thread_id=thread.id, author_id=post.author_id,
             findings=[f.as_dict() for f in findings], by_moderator=by_moderator)
        if post.is_opening:
            emit(self.session, THREAD_CHANGED, thread_id=thread.id)
        await self.session.commit()
        return Submitted(post, thread, findings)

    async def _set_tags(self, post: Post, thread: Thread, wanted: WarningInput, by: Member,
                        by_moderator: bool) -> None:
        # The opening post's warnings cover the whole thread, title included.
        if post.is_opening:
            await self.warnings.set_thread_tags(thread.id, wanted, by, by_moderator)
        else:
            await self.warnings.set_post_tags(post.id, wanted, by, by_moderator)

    async def set_warnings(self, post: Post, thread: Thread, wanted: WarningInput, moderator: Member) -> None:
        """A moderator's content warnings on a post (in the caller's transaction; it commits)."""
        await self._set_tags(post, thread, wanted, moderator, by_moderator=True)
        if post.is_opening:
            emit(self.session, THREAD_CHANGED, thread_id=thread.id)
        emit(self.session, POST_EDITED, post_id=post.id, thread_id=thread.id, author_id=post.author_id,
             findings=[], by_moderator=True)

    # --- moving between states ---------------------------------------------------------------

    async def change_status(self, post: Post, thread: Thread, status: PostStatus, removal_reason: str | None = None,
                            *, thread_status: PostStatus | None = None) -> bool:
        """Moves a post to a moderated state (in the caller's transaction; it commits); returns whether
        readers' view of it changed.

        An opening post carries its thread with it (a hidden opening post hides the thread);
        ``thread_status`` restores a thread's own earlier state (undo). The change goes out as an
        outbox event, so search drops or restores it.
        """
        status = PostStatus(status)
        if status not in MODERATED_STATUSES:
            raise ValueError(f"moderation can't set a post to {status!r}")
        if post.status == PostStatus.DELETED:
            return False
        before = PostStatus(post.status)
        post.status = status
        post.removal_reason = removal_reason if status == PostStatus.REMOVED else None
        if post.is_opening and thread.status != PostStatus.DELETED:
            thread.status = thread_status or status
        if before == status:
            return False
        await self.session.flush()
        delta = int(counts_as_reply(post, status)) - int(counts_as_reply(post, before))
        if delta:
            await self._count_replies(thread, delta)
        emit(self.session, POST_VISIBILITY_CHANGED, post_id=post.id, thread_id=thread.id, status=status.value)
        if post.is_opening:
            emit(self.session, THREAD_CHANGED, thread_id=thread.id)
        return True

    async def delete_post(self, member: Member | None, post_id: int) -> Thread:
        """The author takes their post down (a moderator may too). Deleting the opening post of a
        thread nobody answered deletes the thread."""
        _, post, thread = await self._own_post(member, post_id)
        before = PostStatus(post.status)
        post.status = PostStatus.DELETED
        if post.is_opening:
            remaining = await self.session.scalar(select(func.count()).select_from(Post).where(
                Post.thread_id == thread.id, Post.id != post.id, Post.status == PostStatus.PUBLISHED))
            if not remaining:
                thread.status = PostStatus.DELETED
        elif counts_as_reply(post, before):
            await self._count_replies(thread, -1)
        emit(self.session, POST_DELETED, post_id=post.id, thread_id=thread.id)
        await self.session.commit()
        return thread

    async def forget_author(self, member: Member, remove_posts: bool) -> list[int]:
        """A member deleting their account (in the caller's transaction): their posts go, or stay
        as a "former member"'s. Returns the ids of the posts they wrote."""
        post_ids = list(await self.session.scalars(select(Post.id).where(Post.author_id == member.id)))
        if remove_posts:
            replies = (await self.session.execute(
                select(Post.thread_id, func.count()).where(
                    Post.author_id == member.id, Post.status == PostStatus.PUBLISHED, Post.is_opening.is_(False))
                .group_by(Post.thread_id))).all()
            await self.session.execute(
                update(Post).where(Post.author_id == member.id)
                .values(status=PostStatus.DELETED, body_source="", body_html="", author_id=None))
            await self.session.execute(
                update(Thread).where(Thread.author_id == member.id)
                .values(status=PostStatus.DELETED, title="(deleted)"))
            for thread_id, n in replies:
                await self.session.execute(
                    update(Thread).where(Thread.id == thread_id)
                    .values(reply_count=_reply_count_shifted(-n)))
        else:
            await self.session.execute(update(Post).where(Post.author_id == member.id).values(author_id=None))
            await self.session.execute(update(Thread).where(Thread.author_id == member.id).values(author_id=None))
        return post_ids

    # --- reactions and thread settings ---------------------------------------------------------

    async def toggle_reaction(self, member: Member | None, post_id: int, kind: str, reader: Reader) -> PostView:
        writer = self._ensure_can_write(member)
        if kind not in REACTION_LABELS:
            raise Invalid("That isn't one of the reactions.")
        reading = DiscussionReader(self.session)
        await reading.post_view(post_id, reader, writer)  # may this member see it at all?
        existing = await self.session.scalar(select(Reaction).where(
            Reaction.post_id == post_id, Reaction.member_id == writer.id, Reaction.kind == kind))
        if existing:
            await self.session.delete(existing)
        else:
            self.session.add(Reaction(post_id=post_id, member_id=writer.id, kind=ReactionKind(kind)))
        try:
            await self.session.commit()
        except IntegrityError:  # a double click raced itself; the reaction is there
            await self.session.rollback()
        return await reading.post_view(post_id, reader, writer)

    async def set_thread_flags(self, member: Member | None, thread_id: int, *, pinned: bool | None = None,
                               locked: bool | None = None) -> Thread:
        if member is None or not member.is_moderator:
            raise Forbidden("Only moderators can pin or lock threads.")
        thread = await self.session.get(Thread, thread_id)
        if thread is None:
            raise NotFound("We couldn't find that thread.")
        if pinned is not None:
            thread.pinned = pinned
        if locked is not None:
            thread.locked = locked
        await self.session.commit()
        return thread

    @staticmethod
    def _ensure_can_write(member: Member | None) -> Member:
        from forum.accounts.services import AccountService

        if member is None:
            raise NotSignedIn("Please sign in to post. It only takes a pseudonym and a password.")
        if not AccountService.is_active(member):
            raise Forbidden("Your account can't post right now. You can still read the forum.")
        return member

