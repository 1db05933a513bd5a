"""Members' side of moderation: reporting a post, appealing a removal, and reading notices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.accounts.services import AccountService
from forum.db.base import utcnow
from forum.discussions.models import Post, PostStatus, Thread
from forum.discussions.writing import DiscussionWriter
from forum.errors import Conflict, Forbidden, Invalid, NotFound, NotSignedIn
from forum.warnings.visibility import Reader, visible_posts, visible_threads
from moderation.flags import HIDDEN_FOR_REVIEW, FlagService
from moderation.models import Appeal, ModAction, Notice, Report
from moderation.rules import (
    APPEAL_PRIORITY,
    HIDING_REASONS,
    REPORT_REASONS,
    REPORTS_TO_HIDE,
    report_priority,
)
from moderation.services import (
    established,
    log_action,
    notify,
    post_and_thread,
    post_link,
    quoted_title,
)

MAX_NOTE = 1000
NOTICES_PER_PAGE = 30


@dataclass(frozen=True)
class ReportResult:
    report: Report
    hidden: bool  # this report was the one that hid the post pending review


@dataclass(frozen=True)
class RemovedPost:
    """A member's removed post, and where its appeal stands (for the notices page)."""

    post_id: int
    thread_id: int
    thread_title: str
    removal_reason: str | None
    appeal_status: str | None  # None: not appealed yet


class ReportService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reports ---------------------------------------------------------------------------------

    async def report(self, member: Member | None, post_id: int, reason: str, note: str | None,
                     reader: Reader) -> ReportResult:
        if member is None:
            raise NotSignedIn("Please sign in to report a post.")
        if not AccountService.is_active(member):
            raise Forbidden("Your account can't report posts right now.")
        note = (note or "").strip() or None
        errors: dict[str, str] = {}
        if reason not in REPORT_REASONS:
            errors["reason"] = "Choose the reason closest to what worries you."
        elif reason == "other" and not note:
            errors["note"] = "Tell the moderators in a few words what's wrong."
        if note and len(note) > MAX_NOTE:
            errors["note"] = f"Keep it under {MAX_NOTE:,} characters."
        if errors:
            raise Invalid("Your report needs a little more.", errors)
        post = await self.session.scalar(
            select(Post).join(Thread, Thread.id == Post.thread_id)
            .where(Post.id == post_id, visible_posts(reader), visible_threads(reader)))
        if post is None:
            raise NotFound("We couldn't find that post. It may have been deleted.")
        if post.author_id == member.id:
            raise Forbidden("This is your own post. You can edit or delete it instead.")
        if await self.session.scalar(select(Report.id).where(Report.post_id == post_id,
                                                             Report.reporter_id == member.id)):
            raise Conflict("You've already reported this post. Thank you: a moderator will look at it.")
        try:
            return await self._file(member, post_id, reason, note)
        except IntegrityError as exc:  # a double submit racing itself
            await self.session.rollback()
            raise Conflict("You've already reported this post. Thank you: a moderator will look at it.") from exc

    async def _file(self, member: Member, post_id: int, reason: str, note: str | None) -> ReportResult:
        post, thread = await post_and_thread(self.session, post_id, lock=True)
        flags = FlagService(self.session)
        flag = await flags.open_flag(post_id, "report")
        if flag is None:
            flag = (await flags.raise_flag(post_id, "report", report_priority([reason], False), {})).flag
        report = Report(post_id=post_id, reporter_id=member.id, flag_id=flag.id, reason=reason, note=note)
        self.session.add(report)
        await self.session.flush()
        reports = list(await self.session.scalars(select(Report).where(Report.flag_id == flag.id)))
        hidden = False
        if post.status == PostStatus.PUBLISHED and await self._enough_to_hide(reports):
            hidden = await DiscussionWriter(self.session).change_status(post, thread, PostStatus.HIDDEN)
            if hidden:
                log_action(self.session, None, "auto-hide", "post", post.id,
                           f"Reported by {REPORTS_TO_HIDE} established members.",
                           author_id=post.author_id, thread_id=thread.id, reports=[r.id for r in reports])
                notify(self.session, post.author_id, HIDDEN_FOR_REVIEW.format(title=quoted_title(thread)),
                       post_link(post))
        flag.priority = max(flag.priority, report_priority([r.reason for r in reports],
                                                           post.status in (PostStatus.HIDDEN, PostStatus.PENDING)))
        flag.details = {**(flag.details or {}), "reasons": sorted({r.reason for r in reports})}
        await self.session.commit()
        return ReportResult(report, hidden)

    async def _enough_to_hide(self, reports: list[Report]) -> bool:
        """Three different established members reporting harm (see moderation.rules for who counts)."""
        counted = 0
        for reporter_id in {r.reporter_id for r in reports if r.reason in HIDING_REASONS and r.reporter_id}:
            reporter = await self.session.get(Member, reporter_id)
            if reporter is not None and await established(self.session, reporter):
                counted += 1
        return counted >= REPORTS_TO_HIDE

    # --- appeals ---------------------------------------------------------------------------------

    async def appeal(self, member: Member | None, post_id: int, note: str | None) -> Appeal:
        if member is None:
            raise NotSignedIn("Please sign in to appeal.")
        note = (note or "").strip()
        if not note:
            raise Invalid("Tell the moderators why you think the post should come back.",
                          {"note": "A sentence or two is enough."})
        if len(note) > MAX_NOTE:
            too_long = f"Keep it under {MAX_NOTE:,} characters."
            raise Invalid(too_long, {"note": too_long})
        post = await self.session.get(Post, post_id)
        if post is None or post.author_id != member.id:
            raise NotFound("We couldn't find that post among yours.")
        if post.status != PostStatus.REMOVED:
            raise Invalid("Only a post a moderator removed can be appealed.")
        if await self.session.scalar(select(Appeal.id).where(Appeal.post_id == post_id)):
            raise Conflict("You've already appealed this removal. Each removal can be appealed once.")
        removed_by = await self.session.scalar(
            select(ModAction.actor_id).where(ModAction.target_kind == "post", ModAction.target_id == post_id,
                                             ModAction.action == "remove")
            .order_by(ModAction.id.desc()).limit(1))
        appeal = Appeal(post_id=post_id, member_id=member.id, note=note, removed_by_id=removed_by)
        self.session.add(appeal)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            await self.session.rollback()
            raise Conflict("You've already appealed this removal. Each removal can be appealed once.") from exc
        await FlagService(self.session).raise_flag(post_id, "appeal", APPEAL_PRIORITY,
                                                   {"appeal_id": appeal.id, "note": note})
        await self.session.commit()
        return appeal

    async def removed_posts(self, member: Member) -> list[RemovedPost]:
        rows = await self.session.execute(
            select(Post.id, Post.thread_id, Thread.title, Post.removal_reason, Appeal.status)
            .join(Thread, Thread.id == Post.thread_id)
            .outerjoin(Appeal, Appeal.post_id == Post.id)
            .where(Post.author_id == member.id, Post.status == PostStatus.REMOVED).order_by(Post.id.desc()))
        return [RemovedPost(*row) for row in rows]

    # --- notices ---------------------------------------------------------------------------------

    async def notices(self, member: Member, page: int = 1) -> tuple[list[Notice], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(Notice).where(Notice.member_id == member.id)) or 0
        items = list(await self.session.scalars(
            select(Notice).where(Notice.member_id == member.id).order_by(Notice.id.desc())
            .limit(NOTICES_PER_PAGE).offset((max(1, page) - 1) * NOTICES_PER_PAGE)))
        return items, total

    async def unread_count(self, member: Member) -> int:
        return await self.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.member_id == member.id, Notice.read_at.is_(None))) or 0

    async def mark_read(self, member: Member) -> None:
        await self.session.execute(update(Notice).where(Notice.member_id == member.id, Notice.read_at.is_(None))
                                   .values(read_at=utcnow()))
        await self.session.commit()
