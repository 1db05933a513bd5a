"""What each moderator decision means, one small object per decision.

A decision owns its own rules: what it asks of the moderator (a reason, a number of days, the
warnings), where it moves the post, what it does to the author's account, what the author is told
and the one line the moderator reads back. `moderation/actions.py` runs them the same way
(load, check, apply, log, commit) and undoes them from the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from forum.accounts.models import Member, MemberStatus
from forum.db.base import utcnow
from forum.discussions.models import PostStatus
from forum.errors import Forbidden, Invalid
from forum.warnings.services import WarningInput
from moderation.rules import MAX_SUSPENSION_DAYS

MAX_REASON = 1000


@dataclass(frozen=True)
class Request:
    """What the moderator sent with the decision."""

    reason: str | None = None
    days: int | None = None
    warnings: WarningInput | None = None


@dataclass(frozen=True)
class Context:
    """What the notice to the author needs to say."""

    title: str  # the thread's title, quoted
    link: str  # the post
    status_before: PostStatus
    status_after: PostStatus
    reason: str | None
    days: int | None
    on_appeal: bool


Notice = tuple[str, str | None]  # (text, link)


def _because(reason: str | None) -> str:
    # ": the reason." whatever punctuation the moderator ended with, so the next sentence reads on.
    return f": {reason}{'' if reason[-1] in '.!?' else '.'}" if reason else "."


class Decision:
    name: ClassVar[str]
    # Where the post goes (a removed post stays removed when the decision only hides).
    target: ClassVar[PostStatus]
    # Whether the classifier's flag was right (its calibration learns from this).
    agrees_with_classifier: ClassVar[bool] = True
    undoable: ClassVar[bool] = True
    # Set when the author must be told why; the words say who reads the reason.
    reason_needed_because: ClassVar[str | None] = None

    def check(self, request: Request) -> Request:
        reason = (request.reason or "").strip() or None
        if reason and len(reason) > MAX_REASON:
            raise Invalid("Keep the reason under 1,000 characters.", {"reason": "Keep it under 1,000 characters."})
        if self.reason_needed_because and not reason:
            raise Invalid(f"Please give a reason: {self.reason_needed_because}.",
                          {"reason": "Write a sentence or two."})
        return Request(reason, request.days, request.warnings)

    def target_for(self, current: PostStatus) -> PostStatus:
        if self.target == PostStatus.HIDDEN and current == PostStatus.REMOVED:
            return PostStatus.REMOVED
        return self.target

    def ensure_may_act_on(self, moderator: Member, author: Member | None) -> None:
        """Decisions about the author's account check who they may be taken against."""

    def member_status(self, request: Request) -> tuple[MemberStatus, dt.datetime | None] | None:
        """The author's account afterwards, for decisions that touch it; None leaves it alone."""
        return None

    def notices(self, c: Context) -> list[Notice]:
        return []

    def summary(self, name: str, days: int | None) -> str:
        raise NotImplementedError


class Approve(Decision):
    name = "approve"
    target = PostStatus.PUBLISHED
    agrees_with_classifier = False

    def notices(self, c: Context) -> list[Notice]:
        if c.status_before == PostStatus.PUBLISHED or c.status_after != PostStatus.PUBLISHED:
            return []
        return [({
            PostStatus.PENDING: f"Your post in {c.title} has been approved and everyone can see it now. "
                                "Thank you for waiting.",
            PostStatus.REMOVED: f"Your appeal was accepted: your post in {c.title} is back for everyone to see.",
        }.get(c.status_before, f"A moderator has looked at your post in {c.title} and it's visible again. "
                               "Sorry for the wait."), c.link)]

    def summary(self, name: str, days: int | None) -> str:
        return "Approved: everyone can see the post."


class SetWarnings(Approve):
    name = "warnings"
    undoable = False  # the warnings stay; act on the post again to change them

    def check(self, request: Request) -> Request:
        if request.warnings is None:
            raise Invalid("Choose the content warnings to put on the post.", {"warnings": "Choose at least one."})
        return super().check(request)

    def notices(self, c: Context) -> list[Notice]:
        return [*super().notices(c), (f"A moderator added a content warning to your post in {c.title}, so readers "
                                      "can choose whether to see it.", c.link)]

    def summary(self, name: str, days: int | None) -> str:
        return "Content warnings saved: the post is visible with them."


class Hide(Decision):
    name = "hide"
    target = PostStatus.HIDDEN

    def notices(self, c: Context) -> list[Notice]:
        return [(f"A moderator has hidden your post in {c.title}. Only you and the moderators can see it"
                 f"{_because(c.reason)}", c.link)]

    def summary(self, name: str, days: int | None) -> str:
        return f"Hidden: only {name} and the moderators can see it now."


class Remove(Decision):
    name = "remove"
    target = PostStatus.REMOVED
    reason_needed_because = "the author will see it"

    def notices(self, c: Context) -> list[Notice]:
        if c.on_appeal:
            return [(f"Another moderator looked at your appeal about {c.title}, and the removal stands"
                     f"{_because(c.reason)}", c.link)]
        return [(f"A moderator removed your post in {c.title}{_because(c.reason)} If you think this was a mistake, "
                 "you can appeal once from this page.", "/notices")]

    def summary(self, name: str, days: int | None) -> str:
        return f"Removed: {name} sees your reason and can appeal once."


class _AboutTheAuthor(Decision):
    """Warn, suspend and ban say the post was a problem, so it goes out of sight too (a removed post
    stays removed). To keep a post up and still talk to its author, approve it and warn separately."""

    target = PostStatus.HIDDEN

    def ensure_may_act_on(self, moderator: Member, author: Member | None) -> None:
        if author is None or author.status == MemberStatus.DELETED:
            raise Invalid("The author has deleted their account, so there is nobody to "
                          f"{'warn' if self.name == 'warn' else self.name}. You can hide or remove the post.")
        if author.id == moderator.id:
            raise Forbidden("That's your own post, so you can't warn, suspend or ban its author.")


class Warn(_AboutTheAuthor):
    name = "warn"
    reason_needed_because = "the author will see it"

    def notices(self, c: Context) -> list[Notice]:
        return [(f"A message from the moderators about your post in {c.title}{_because(c.reason)} "
                 "The post is hidden for now.", c.link)]

    def summary(self, name: str, days: int | None) -> str:
        return f"{name} has been warned, and the post is hidden."


class _AccountAction(_AboutTheAuthor):
    reason_needed_because = "it goes in the log"

    def ensure_may_act_on(self, moderator: Member, author: Member | None) -> None:
        super().ensure_may_act_on(moderator, author)
        assert author is not None
        if author.is_admin:
            raise Forbidden("Admins can't be suspended or banned from the queue.")
        if author.is_moderator and not moderator.is_admin:
            raise Forbidden("Only an admin can suspend or ban a moderator.")


class Suspend(_AccountAction):
    name = "suspend"

    def check(self, request: Request) -> Request:
        checked = super().check(request)
        if request.days is None or not 1 <= int(request.days) <= MAX_SUSPENSION_DAYS:
            raise Invalid(f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days.", {"days": "How many days?"})
        return Request(checked.reason, int(request.days), checked.warnings)

    def member_status(self, request: Request) -> tuple[MemberStatus, dt.datetime | None]:
        return MemberStatus.SUSPENDED, utcnow() + dt.timedelta(days=request.days or 1)

    def notices(self, c: Context) -> list[Notice]:
        until = (utcnow() + dt.timedelta(days=c.days or 1)).strftime("%d %B %Y")
        return [(f"Your account is paused for {c.days} day{'s' if c.days != 1 else ''}, until {until}, "
                 f"because of your post in {c.title}{_because(c.reason)} You can still read the forum.", c.link)]

    def summary(self, name: str, days: int | None) -> str:
        return (f"{name} is suspended for {days} day{'s' if days != 1 else ''} and signed out everywhere; "
                "the post is hidden.")


class Ban(_AccountAction):
    name = "ban"

    def member_status(self, request: Request) -> tuple[MemberStatus, dt.datetime | None]:
        return MemberStatus.BANNED, None

    def notices(self, c: Context) -> list[Notice]:
        return [(f"The moderators have closed your account{_because(c.reason)}", None)]

    def summary(self, name: str, days: int | None) -> str:
        return f"{name} is banned and signed out everywhere; the post is hidden."


DECISIONS: dict[str, Decision] = {d.name: d for d in (Approve(), Hide(), Remove(), SetWarnings(), Warn(), Suspend(),
                                                      Ban())}
