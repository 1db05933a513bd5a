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
from moderation.models import Appeal, Flag, ModAction, Notice
from moderation.rules import ACTIONS, AGREEING_ACTIONS, CLAIM_TIMEOUT, MAX_SUSPENSION_DAYS, UNDO_WINDOW
from moderation.services import (
    log_action,
    notify,
    post_and_thread,
    post_link,
    quoted_title,
    state_of,
)

UNDOABLE = frozenset({"approve", "hide", "remove", "warn", "suspend", "ban"})
# Warn, suspend and ban say the post was a problem, so it goes out of sight too (a removed post
# stays removed). To keep a post up and still talk to its author, approve it and warn separately.
RESULT_STATUS = {"approve": PostStatus.PUBLISHED, "warnings": PostStatus.PUBLISHED, "hide": PostStatus.HIDDEN,
                 "remove": PostStatus.REMOVED, "warn": PostStatus.HIDDEN, "suspend": PostStatus.HIDDEN,
                 "ban": PostStatus.HIDDEN}
MAX_REASON = 1000


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
        moderator = self.ensure_moderator(actor)
        if action not in ACTIONS:
            raise Invalid("Choose one of: " + ", ".join(ACTIONS) + ".", {"action": "Choose an action."})
        reason = (reason or "").strip() or None
        if reason and len(reason) > MAX_REASON:
            raise Invalid("Keep the reason under 1,000 characters.", {"reason": "Keep it under 1,000 characters."})
        if action in ("remove", "warn", "suspend", "ban") and not reason:
            why = "the author will see it" if action in ("remove", "warn") else "it goes in the log"
            raise Invalid(f"Please give a reason: {why}.", {"reason": "Write a sentence or two."})
        if action == "suspend":
            if days is None or not 1 <= int(days) <= MAX_SUSPENSION_DAYS:
                raise Invalid(f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days.", {"days": "How many days?"})
            days = int(days)
        if action == "warnings" and warnings is None:
            raise Invalid("Choose the content warnings to put on the post.", {"warnings": "Choose at least one."})

        flags, post, thread = await self._item(flag_id)
        await self._ensure_not_claimed_by_other(flags, moderator)
        appeal = await self._open_appeal(flags)
        if appeal is not None:
            await self._ensure_may_decide_appeal(appeal, moderator)
        author = await self.session.get(Member, post.author_id) if post.author_id else None
        if action in ("warn", "suspend", "ban"):
            self._ensure_may_act_on_member(moderator, author, action)

        before = state_of(post, thread)
        target = RESULT_STATUS[action]
        if target == PostStatus.HIDDEN and post.status == PostStatus.REMOVED:
            target = PostStatus.REMOVED
        if action == "warnings":
            await DiscussionWriter(self.session).set_warnings(post, thread, warnings or WarningInput(), moderator)
        changed = await DiscussionWriter(self.session).change_status(
            post, thread, target, reason if target == PostStatus.REMOVED else post.removal_reason)
        member_before = await self._act_on_member(author, action, days) if author else None

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
            .values(agreed=action in AGREEING_ACTIONS))
        if appeal is not None:
            appeal.status = "upheld" if target == PostStatus.PUBLISHED else "rejected"
            appeal.decided_by_id, appeal.decided_at = moderator.id, now

        notices = self._tell_author(action, post, thread, before.status, author, reason, days, appeal)
        await self.session.flush()
        entry = log_action(
            self.session, moderator, action, "post", post.id, reason,
            before=before.as_dict(), after=post.status, changed=changed, flags=[f.id for f in flags],
            sources=sorted({f.source for f in flags}), author_id=post.author_id, thread_id=thread.id,
            member_before=member_before, days=days, notices=[n.id for n in notices],
            appeal_id=appeal.id if appeal else None)
        await self.session.commit()
        return ActionResult(self._summary(action, author, days), post.id, entry.id, action in UNDOABLE)

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

    @staticmethod
    def _ensure_may_act_on_member(moderator: Member, author: Member | None, action: str) -> None:
        if author is None or author.status == MemberStatus.DELETED:
            raise Invalid("The author has deleted their account, so there is nobody to "
                          f"{'warn' if action == 'warn' else action}. You can hide or remove the post.")
        if author.id == moderator.id:
            raise Forbidden("That's your own post, so you can't warn, suspend or ban its author.")
        if action in ("suspend", "ban"):
            if author.is_admin:
                raise Forbidden("Admins can't be suspended or banned from the queue.")
            if author.is_moderator and not moderator.is_admin:
                raise Forbidden("Only an admin can suspend or ban a moderator.")

    async def _act_on_member(self, author: Member, action: str, days: int | None) -> dict[str, Any] | None:
        if action not in ("suspend", "ban"):
            return None
        before = {"status": author.status,
                  "suspended_until": author.suspended_until.isoformat() if author.suspended_until else None}
        if action == "suspend":
            author.status = MemberStatus.SUSPENDED
            author.suspended_until = utcnow() + dt.timedelta(days=days or 1)
        else:
            author.status = MemberStatus.BANNED
            author.suspended_until = None
        # Signed out everywhere at once: web sessions carry the epoch, API tokens are deleted.
        await AccountService(self.session).end_all_sessions(author)
        return before

    def _tell_author(self, action: str, post: Post, thread: Thread, status_before: str, author: Member | None,
                     reason: str | None, days: int | None, appeal: Appeal | None) -> list[Notice]:
        if author is None:
            return []
        title, link = quoted_title(thread), post_link(post)
        # ": the reason." whatever punctuation the moderator ended with, so the next sentence reads on.
        because = f": {reason}{'' if reason[-1] in '.!?' else '.'}" if reason else "."
        texts: list[tuple[str, str | None]] = []
        back = status_before != PostStatus.PUBLISHED and post.status == PostStatus.PUBLISHED
        if action in ("approve", "warnings") and back:
            texts.append(({
                PostStatus.PENDING: f"Your post in {title} has been approved and everyone can see it now. "
                           "Thank you for waiting.",
                PostStatus.REMOVED: f"Your appeal was accepted: your post in {title} is back for everyone to see.",
            }.get(status_before, f"A moderator has looked at your post in {title} and it's visible again. "
                                 "Sorry for the wait."), link))
        if action == "warnings":
            texts.append((f"A moderator added a content warning to your post in {title}, so readers can choose "
                          "whether to see it.", link))
        if action == "hide":
            texts.append((f"A moderator has hidden your post in {title}. Only you and the moderators can see it"
                          f"{because}", link))
        if action == "remove":
            if appeal is not None:
                texts.append((f"Another moderator looked at your appeal about {title}, and the removal stands"
                              f"{because}", link))
            else:
                texts.append((f"A moderator removed your post in {title}{because} If you think this was a mistake, "
                              "you can appeal once from this page.", "/notices"))
        if action == "warn":
            texts.append((f"A message from the moderators about your post in {title}{because} "
                          "The post is hidden for now.", link))
        if action == "suspend":
            until = (utcnow() + dt.timedelta(days=days or 1)).strftime("%d %B %Y")
            texts.append((f"Your account is paused for {days} day{'s' if days != 1 else ''}, until {until}, "
                          f"because of your post in {title}{because} You can still read the forum.", link))
        if action == "ban":
            texts.append((f"The moderators have closed your account{because}", None))
        return [n for text, target in texts if (n := notify(self.session, author.id, text, target)) is not None]

    @staticmethod
    def _summary(action: str, author: Member | None, days: int | None) -> str:
        name = author.username if author else "The author"
        return {
            "approve": "Approved: everyone can see the post.",
            "warnings": "Content warnings saved: the post is visible with them.",
            "hide": f"Hidden: only {name} and the moderators can see it now.",
            "remove": f"Removed: {name} sees your reason and can appeal once.",
            "warn": f"{name} has been warned, and the post is hidden.",
            "suspend": f"{name} is suspended for {days} day{'s' if days != 1 else ''} and signed out everywhere; "
                       "the post is hidden.",
            "ban": f"{name} is banned and signed out everywhere; the post is hidden.",
        }[action]

    # --- undo ------------------------------------------------------------------------------------

    async def undo(self, actor: Member | None, action_id: int) -> ActionResult:
        """Takes back the moderator's own last action on a post, within a few minutes."""
        moderator = self.ensure_moderator(actor)
        entry = await self.session.get(ModAction, action_id)
        if entry is None or entry.actor_id != moderator.id or entry.target_kind != "post":
            raise NotFound("We couldn't find that action of yours.")
        if entry.action not in UNDOABLE:
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
