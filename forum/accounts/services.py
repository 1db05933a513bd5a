"""Members: sign-up, sign-in, tokens, password changes, export and deletion of one's own data."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import ApiToken, Member, MemberStatus, Role
from forum.accounts.passwords import MIN_PASSWORD_LENGTH, dummy_verify, hash_password, verify_password
from forum.db.base import utcnow
from forum.discussions.models import Post, Reaction, Thread
from forum.discussions.writing import DiscussionWriter
from forum.errors import Conflict, Forbidden, Invalid, NotSignedIn
from forum.outbox.events import MEMBER_DELETED, emit
from forum.warnings.models import WarningPreference

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRONG_SIGN_IN = "That username and password didn't match. Try again, or check the spelling of your name."


def username_key(username: str) -> str:
    return username.strip().casefold()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class DataExport:
    filename: str
    content: dict[str, Any]


class AccountService:
    def __init__(self, session: AsyncSession, fast_hashing: bool = False) -> None:
        self.session = session
        self.fast_hashing = fast_hashing

    # --- sign-up and sign-in -------------------------------------------------------------

    async def register(self, username: str, password: str, email: str | None = None, role: Role = Role.MEMBER,
                       is_demo: bool = False) -> Member:
        username = (username or "").strip()
        email = (email or "").strip() or None
        errors: dict[str, str] = {}
        if not USERNAME.match(username):
            errors["username"] = ("Choose a name of 3 to 30 letters, numbers, dots, dashes or underscores. "
                                  "It doesn't need to be your real name.")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            errors["password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters for your password."
        elif len(password) > 1000:
            errors["password"] = "That password is very long. Please use fewer than 1,000 characters."
        if email is not None and (len(email) > 320 or not EMAIL.match(email)):
            errors["email"] = "That email address doesn't look quite right. You can also leave it empty."
        if errors:
            raise Invalid("Some details need another look.", errors)
        if await self.by_username(username) is not None:
            raise Conflict("That name is already taken. Try adding a word or a number.",
                           {"username": "That name is already taken. Try adding a word or a number."})
        member = Member(username=username, username_key=username_key(username), email=email,
                        password_hash=hash_password(password, self.fast_hashing), role=role, is_demo=is_demo)
        self.session.add(member)
        try:
            await self.session.commit()
        except IntegrityError as exc:  # two sign-ups racing for one name
            await self.session.rollback()
            raise Conflict("That name is already taken. Try adding a word or a number.",
                           {"username": "That name is already taken."}) from exc
        return member

    async def by_username(self, username: str) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.username_key == username_key(username)))

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def authenticate(self, username: str, password: str) -> Member:
        """The member, if the password matches; the same answer for an unknown name or a wrong password."""
        member = await self.by_username(username or "")
        if member is None or member.status == MemberStatus.DELETED:
            dummy_verify(password or "", self.fast_hashing)
            raise NotSignedIn(WRONG_SIGN_IN)
        if not verify_password(member.password_hash, password or "", self.fast_hashing):
            raise NotSignedIn(WRONG_SIGN_IN)
        self.ensure_may_sign_in(member)
        return member

    @staticmethod
    def ensure_may_sign_in(member: Member) -> None:
        if member.status == MemberStatus.BANNED:
            raise Forbidden("This account has been closed by the moderators.")
        if member.status == MemberStatus.SUSPENDED and member.suspended_until and member.suspended_until > utcnow():
            until = member.suspended_until.strftime("%d %B %Y, %H:%M UTC")
            raise Forbidden(f"This account is paused until {until}. You can still read the forum.")

    @staticmethod
    def session_data(member: Member) -> dict[str, Any]:
        """What a signed-in browser session remembers: which account, and the epoch that ends every
        session at once. The account is its id *and* when it was made: SQLite gives a deleted
        account's id to the next newcomer, whose pages must never open with an old session."""
        return {"member_id": member.id, "since": member.created_at.isoformat(), "epoch": member.session_epoch}

    @staticmethod
    def session_holds(member: Member, data: Mapping[str, Any]) -> bool:
        """Whether a session made by session_data() still signs this member in."""
        return (data.get("since") == member.created_at.isoformat() and data.get("epoch") == member.session_epoch
                and AccountService.is_active(member))

    @staticmethod
    def is_active(member: Member) -> bool:
        if member.status in (MemberStatus.BANNED, MemberStatus.DELETED):
            return False
        suspended = member.status == MemberStatus.SUSPENDED
        return not (suspended and member.suspended_until and member.suspended_until > utcnow())

    async def issue_token(self, member: Member) -> str:
        token = secrets.token_urlsafe(32)
        self.session.add(ApiToken(member_id=member.id, token_hash=token_digest(token), epoch=member.session_epoch))
        await self.session.commit()
        return token

    async def member_for_token(self, token: str) -> Member | None:
        row = (await self.session.execute(
            select(Member, ApiToken.epoch).join(ApiToken, ApiToken.member_id == Member.id)
            .where(ApiToken.token_hash == token_digest(token))
        )).first()
        if row is None:
            return None
        member, epoch = row
        if epoch != member.session_epoch or not self.is_active(member):
            return None
        return member

    async def end_all_sessions(self, member: Member) -> None:
        """Signs the member out everywhere: web sessions carry the epoch, tokens are dropped."""
        member.session_epoch += 1
        await self.session.execute(delete(ApiToken).where(ApiToken.member_id == member.id))

    # --- the member's own account --------------------------------------------------------

    async def change_password(self, member: Member, current: str, new: str) -> None:
        if not verify_password(member.password_hash, current or "", self.fast_hashing):
            raise Invalid("Your current password didn't match.",
                          {"current_password": "That isn't your current password. Try again."})
        if len(new or "") < MIN_PASSWORD_LENGTH:
            raise Invalid("Choose a longer password.",
                          {"new_password": f"Use at least {MIN_PASSWORD_LENGTH} characters."})
        member.password_hash = hash_password(new, self.fast_hashing)
        await self.end_all_sessions(member)
        await self.session.commit()

    async def set_region(self, member: Member, region: str | None) -> None:
        """Where the member's crisis help comes from: a country code, "ZZ" (somewhere else) or None
        (go by the browser's language)."""
        from forum.accounts.regions import SOMEWHERE_ELSE, is_country_code

        value = (region or "").strip().upper() or None
        if value is not None and value != SOMEWHERE_ELSE and not is_country_code(value):
            raise Invalid("Choose a country from the list.", {"region": "Choose a country from the list."})
        member.region = value
        await self.session.commit()

    async def set_role(self, member: Member, role: str) -> None:
        if role not in tuple(Role):
            raise Invalid(f"Unknown role {role!r}.")
        member.role = Role(role)
        await self.session.commit()

    async def export(self, member: Member) -> DataExport:
        """Everything the forum holds that this member wrote or chose, as JSON."""
        posts = (await self.session.execute(
            select(Post, Thread.title).join(Thread, Thread.id == Post.thread_id)
            .where(Post.author_id == member.id).order_by(Post.id)
        )).all()
        reactions = (await self.session.scalars(select(Reaction).where(Reaction.member_id == member.id))).all()
        prefs = (await self.session.scalars(
            select(WarningPreference).where(WarningPreference.member_id == member.id))).all()
        from forum.warnings.models import ContentWarning

        slugs = dict((await self.session.execute(select(ContentWarning.id, ContentWarning.slug))).all())
        content = {
            "member": {"username": member.username, "email": member.email, "role": member.role,
                       "joined": member.created_at.isoformat(), "region": member.region},
            "posts": [{"id": p.id, "thread_id": p.thread_id, "thread_title": title, "body": p.body_source,
                       "status": p.status, "created_at": p.created_at.isoformat(),
                       "edited_at": p.edited_at.isoformat() if p.edited_at else None} for p, title in posts],
            "reactions": [{"post_id": r.post_id, "kind": r.kind} for r in reactions],
            "warning_preferences": {slugs.get(p.warning_id, str(p.warning_id)): p.mode for p in prefs},
            "exported_at": utcnow().isoformat(),
        }
        return DataExport(filename=f"haven-{member.username}-export.json", content=content)

    async def delete_account(self, member: Member, remove_posts: bool) -> None:
        """Deletes the account. Posts go too, or stay as a "former member"'s: the member decides."""
        post_ids = await DiscussionWriter(self.session).forget_author(member, remove_posts)
        emit(self.session, MEMBER_DELETED, member_id=member.id, post_ids=post_ids, posts_removed=remove_posts)
        await self.session.execute(delete(ApiToken).where(ApiToken.member_id == member.id))
        await self.session.delete(member)
        await self.session.commit()
