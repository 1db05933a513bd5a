"""Member accounts and API tokens."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from advanced_alchemy.extensions.litestar.store import StoreModelMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.db.base import BigIntAuditBase, DateTimeUTC, EnumText


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def moderates(self) -> bool:
        return self in (Role.MODERATOR, Role.ADMIN)


class MemberStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # until `suspended_until`
    BANNED = "banned"
    DELETED = "deleted"  # the row is going; their posts show "Former member"


class Member(BigIntAuditBase):
    __tablename__ = "members"

    username: Mapped[str] = mapped_column(String(40))
    # Lower-cased copy so "Willow" and "willow" can't both exist; unique in the database itself.
    username_key: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(EnumText(Role), default=Role.MEMBER)
    status: Mapped[MemberStatus] = mapped_column(EnumText(MemberStatus), default=MemberStatus.ACTIVE)
    suspended_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Bumped to end every session and token at once (password change, suspension, ban).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Gentle mode hides everything tagged, until this moment, without touching saved preferences.
    gentle_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The country whose crisis services this member sees first (forum/accounts/regions.py): an ISO
    # code, "ZZ" for somewhere not listed, or None to go by the browser's language (migration 0010).
    region: Mapped[str | None] = mapped_column(String(8), default=None)
    # Kept by database triggers: bumped by any change to this row, to the member's warning
    # preferences (migration 0005) or to their reactions (0007). Never set it here; it is read
    # fresh at the start of each request (forum/accounts/viewers.py).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_moderator(self) -> bool:
        return Role(self.role).moderates

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return "Former member" if self.status == MemberStatus.DELETED else self.username


class ApiToken(BigIntAuditBase):
    __tablename__ = "api_tokens"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # Only a SHA-256 of the token is kept, so a copy of the database signs nobody in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)


class StoreEntry(StoreModelMixin):
    """Key-value rows behind server-side sessions and rate limits when Redis is not configured."""

    __tablename__ = "store_entries"
