"""What a moderator can do to a queue item: approve, hide, remove, add content warnings, warn,
suspend or ban; claim and let go; undo their last action for a few minutes.

A queue item is a post with one or more open flags (a crisis flag, reports, a classifier score...).
Acting on any of its flags decides all of them: the moderator has looked at the post as a whole.
Every action writes one audit-log row, tells the author when their post or account changed, and
puts a visibility change on the outbox so search and caches follow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member, MemberStatus, Role
from forum.accounts.services import AccountService
from forum.db.base import utcnow
from forum.discussions.models import Post, PostStatus, Thread
from forum.discussions.writing import DiscussionWriter
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.warnings.services import WarningInput
from moderation.decisions import DECISIONS, Context, Decision, Request, SetWarnings
from moderation.models import Appeal, Flag, ModAction, Notice
from moderation.rules import ACTIONS, CLAIM_TIMEOUT, UNDO_WINDOW
from moderation.services import (
    log_action,
    notify,
    post_and_thread,
    post_link,
    quoted_title,
    state_of,
)


@dataclass(frozen=True)
class ActionResult:
    """What the moderator sees in place of the card: one line, and the log entry to undo."""

    message: str
    post_id: int
    action_id: int | None = None
    undoable: bool = False


def _minutes_ago(moment: dt.datetime) -> str:
    minutes = max(0, int((utcnow() - moment).total_seconds() // 60))
    return "just now" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"


def claim_is_active(flag: Flag, now: dt.datetime | None = None) -> bool:
    return (flag.claimed_by_id is not None and flag.claimed_at is not None
            and flag.claimed_at > (now or utcnow()) - CLAIM_TIMEOUT)


class ActionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- loading and guarding ------------------------------------------------------------------

    @staticmethod
    def ensure_moderator(actor: Member | None) -> Member:
        if actor is None or not actor.is_moderator or not AccountService.is_active(actor):
            raise Forbidden("The moderation queue is for moderators.")
        return actor

    async def _item(self, flag_id: int) -> tuple[list[Flag], Post, Thread]:
        """The open flags of the post this flag is about, and the post, locked for the change."""
        flag = await self.session.get(Flag, flag_id)
        if flag is None:
            raise NotFound("We couldn't find that item in the queue.")
        if flag.status != "open":
            who = await self.session.get(Member, flag.resolved_by_id) if flag.resolved_by_id else None
            raise Conflict(f"This one has already been dealt with{f' by {who.username}' if who else ''}"
                           f"{f' ({flag.resolution})' if flag.resolution else ''}. Nothing more to do here.")
        post, thread = await post_and_thread(self.session, flag.post_id, lock=True)
        flags = list(await self.session.scalars(
            select(Flag).where(Flag.post_id == flag.post_id, Flag.status == "open").order_by(Flag.id)))
        return flags, post, thread

    async def _ensure_not_claimed_by_other(self, flags: list[Flag], actor: Member) -> None:
        now = utcnow()
        for flag in flags:
            if claim_is_active(flag, now) and flag.claimed_by_id != actor.id:
                holder = await self.session.get(Member, flag.claimed_by_id)
                name = holder.username if holder else "Another moderator"
                assert flag.claimed_at is not None
                raise Conflict(f"{name} is looking at this one (since {_minutes_ago(flag.claimed_at)}). It frees up "
                               f"after {int(CLAIM_TIMEOUT.total_seconds() // 60)} minutes, or when they let it go.")

    # --- claiming ------------------------------------------------------------------------------

    async def claim(self, actor: Member | None, flag_id: int) -> ActionResult:
        moderator = self.ensure_moderator(actor)
        flags, post, _ = await self._item(flag_id)
        await self._ensure_not_claimed_by_other(flags, moderator)
        now = utcnow()
        for flag in flags:
            flag.claimed_by_id, flag.claimed_at = moderator.id, now
        await self.session.commit()
        return ActionResult("It's yours: other moderators will see that you have it.", post.id)

    async def unclaim(self, actor: Member | None, flag_id: int) -> ActionResult:
        moderator = self.ensure_moderator(actor)
        flags, post, _ = await self._item(flag_id)
        await self._ensure_not_claimed_by_other(flags, moderator)
        for flag in flags:
            flag.claimed_by_id, flag.claimed_at = None, None
        await self.session.commit()
        return ActionResult("Let go: anyone can pick it up now.", post.id)

    # --- deciding --------------------------------------------------------------------------------

    async def resolve(self, actor: Member | None, flag_id: int, action: str, reason: str | None = None,
                      days: int | None = None, warnings: WarningInput | None = None) -> ActionResult:
        """Decides every open flag on the post this flag is about (moderation/decisions.py says
        what each decision means); one log line, the author told, undoable for a few minutes."""
        moderator = self.ensure_moderator(actor)
        decision = DECISIONS.get(action)
        if decision is None:
            raise Invalid("Choose one of: " + ", ".join(ACTIONS) + ".", {"action": "Choose an action."})
        request = decision.check(Request(reason, days, warnings))

        flags, post, thread = await self._item(flag_id)
        await self._ensure_not_claimed_by_other(flags, moderator)
        appeal = await self._open_appeal(flags)
        if appeal is not None:
            await self._ensure_may_decide_appeal(appeal, moderator)
        author = await self.session.get(Member, post.author_id) if post.author_id else None
        decision.ensure_may_act_on(moderator, author)

        before = state_of(post, thread)
        target = decision.target_for(PostStatus(post.status))
        writer = DiscussionWriter(self.session)
        if request.warnings is not None and isinstance(decision, SetWarnings):
            await writer.set_warnings(post, thread, request.warnings, moderator)
        changed = await writer.change_status(
            post, thread, target, request.reason if target == PostStatus.REMOVED else post.removal_reason)
        member_before = await self._change_account(author, decision, request) if author else None

        # Resolve exactly the flags we loaded; if another moderator got there first, nothing matches.
        now = utcnow()
        resolved = await self.session.execute(
            update(Flag).where(Flag.id.in_([f.id for f in flags]), Flag.status == "open")
            .values(status="resolved", resolution=action, resolved_at=now, resolved_by_id=moderator.id,
                    claimed_by_id=None, claimed_at=None))
        if resolved.rowcount != len(flags):
            await self.session.rollback()
            raise Conflict("Another moderator dealt with this a moment ago. Nothing more to do here.")
        await self.session.execute(
            update(Flag).where(Flag.id.in_([f.id for f in flags if f.source == "classifier"]))
            .values(agreed=decision.agrees_with_classifier))
        if appeal is not None:
            appeal.status = "upheld" if target == PostStatus.PUBLISHED else "rejected"
            appeal.decided_by_id, appeal.decided_at = moderator.id, now

        context = Context(quoted_title(thread), post_link(post), before.status, PostStatus(post.status),
                          request.reason, request.days, appeal is not None)
        notices = ([n for text, link in decision.notices(context) if (n := notify(self.session, author.id, text, link))]
                   if author else [])
        await self.session.flush()
        entry = log_action(
            self.session, moderator, action, "post", post.id, request.reason,
            before=before.as_dict(), after=post.status, changed=changed, flags=[f.id for f in flags],
            sources=sorted({f.source for f in flags}), author_id=post.author_id, thread_id=thread.id,
            member_before=member_before, days=request.days, notices=[n.id for n in notices],
            appeal_id=appeal.id if appeal else None)
        await self.session.commit()
        name = author.username if author else "The author"
        return ActionResult(decision.summary(name, request.days), post.id, entry.id, decision.undoable)

    async def _open_appeal(self, flags: list[Flag]) -> Appeal | None:
        for flag in flags:
            if flag.source == "appeal" and (appeal_id := (flag.details or {}).get("appeal_id")):
                return await self.session.get(Appeal, int(appeal_id))
        return None

    async def _ensure_may_decide_appeal(self, appeal: Appeal, moderator: Member) -> None:
        """An appeal is a second opinion: the moderator who removed the post doesn't decide it,
        unless nobody else could (a forum with a single moderator)."""
        if appeal.removed_by_id != moderator.id:
            return
        someone_else = await self.session.scalar(
            select(Member.id).where(Member.role.in_((Role.MODERATOR, Role.ADMIN)),
                                    Member.status == MemberStatus.ACTIVE,
                                    Member.id != moderator.id).limit(1))
        if someone_else is not None:
            raise Forbidden("You removed this post, so another moderator should decide the appeal. "
                            "It stays in the queue for them.")

    async def _change_account(self, author: Member, decision: Decision, request: Request) -> dict[str, Any] | None:
        """Suspends or bans the author (signed out everywhere); returns their account before, for undo."""
        after = decision.member_status(request)
        if after is None:
            return None
        before = {"status": author.status,
                  "suspended_until": author.suspended_until.isoformat() if author.suspended_until else None}
        author.status, author.suspended_until = after
        # Signed out everywhere at once: web sessions carry the epoch, API tokens are deleted.
        await AccountService(self.session).end_all_sessions(author)
        return before

    # --- undo ------------------------------------------------------------------------------------

    async def undo(self, actor: Member | None, action_id: int) -> ActionResult:
        """Takes back the moderator's own last action on a post, within a few minutes."""
        moderator = self.ensure_moderator(actor)
        entry = await self.session.get(ModAction, action_id)
        if entry is None or entry.actor_id != moderator.id or entry.target_kind != "post":
            raise NotFound("We couldn't find that action of yours.")
        if entry.action not in DECISIONS or not DECISIONS[entry.action].undoable:
            raise Conflict("That can't be undone from here. Act on the post again instead.")
        if entry.created_at < utcnow() - UNDO_WINDOW:
            raise Conflict(f"It's been more than {int(UNDO_WINDOW.total_seconds() // 60)} minutes, so this can't be "
                           "undone any more. You can still act on the post again.")
        later = await self.session.scalar(
            select(ModAction.id).where(ModAction.target_kind == "post", ModAction.target_id == entry.target_id,
                                       ModAction.id > entry.id).limit(1))
        if later is not None:
            raise Conflict("Something else has happened to this post since, so it can't be undone.")
        details = entry.details or {}
        flags = list(await self.session.scalars(select(Flag).where(Flag.id.in_(details.get("flags", [])))))
        for flag in flags:
            if await self.session.scalar(select(Flag.id).where(
                    Flag.post_id == flag.post_id, Flag.source == flag.source, Flag.status == "open")):
                raise Conflict("The post is back in the queue for a new reason, so act on it there instead.")
        post, thread = await post_and_thread(self.session, int(entry.target_id or 0), lock=True)
        before = details.get("before") or {}
        await DiscussionWriter(self.session).change_status(
            post, thread, PostStatus(before.get("status", post.status)), before.get("removal_reason"),
            thread_status=PostStatus(before["thread_status"]) if before.get("thread_status") else None)
        now = utcnow()
        for flag in flags:
            flag.status, flag.resolution, flag.resolved_at, flag.resolved_by_id, flag.agreed = \
                "open", None, None, None, None
            flag.claimed_by_id, flag.claimed_at = moderator.id, now  # still theirs to decide
        if details.get("appeal_id"):
            appeal = await self.session.get(Appeal, int(details["appeal_id"]))
            if appeal is not None:
                appeal.status, appeal.decided_by_id, appeal.decided_at = "open", None, None
        member_before = details.get("member_before")
        if member_before and post.author_id:
            author = await self.session.get(Member, post.author_id)
            if author is not None:
                author.status = MemberStatus(member_before["status"])
                until = member_before.get("suspended_until")
                author.suspended_until = dt.datetime.fromisoformat(until) if until else None
        # Notices the author hasn't opened yet are taken back; one they've read stays (it happened).
        if details.get("notices"):
            await self.session.execute(delete(Notice).where(Notice.id.in_(details["notices"]),
                                                            Notice.read_at.is_(None)))
        undo = log_action(self.session, moderator, "undo", "post", post.id, None, undoes=entry.id,
                          undone_action=entry.action)
        await self.session.flush()
        await self.session.commit()
        signed_out = " (they stay signed out and sign in again)" if member_before else ""
        return ActionResult(f"Undone: the post is back as it was and in the queue, claimed by you{signed_out}.",
                            post.id, undo.id, False)
