"""What /api/v1/auth and /api/v1/me answer (the requests they take are beside the routes, in api.py)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import Struct

from forum.accounts.models import Member
from forum.schemas import Timestamp
from forum.warnings.models import Mode


class MemberOut(Struct, kw_only=True):
    id: int
    username: str
    role: str
    status: str
    created_at: Timestamp

    @classmethod
    def from_member(cls, member: Member) -> MemberOut:
        return cls(id=member.id, username=member.username, role=member.role, status=member.status,
                   created_at=member.created_at.isoformat())


class TokenOut(Struct, kw_only=True):
    """A bearer token: send it as `Authorization: Bearer <token>`."""

    token: str
    token_type: Literal["bearer"]


class ExportedMemberOut(Struct, kw_only=True):
    username: str
    email: str | None
    role: str
    joined: Timestamp
    region: str | None


class ExportedPostOut(Struct, kw_only=True):
    id: int
    thread_id: int
    thread_title: str
    body: str
    status: str
    created_at: Timestamp
    edited_at: Timestamp | None


class ExportedReactionOut(Struct, kw_only=True):
    post_id: int
    kind: str


class DataExportOut(Struct, kw_only=True):
    """Everything the forum holds that the member wrote or chose (AccountService.export)."""

    member: ExportedMemberOut
    posts: list[ExportedPostOut]
    reactions: list[ExportedReactionOut]
    # warning slug -> the member's saved choice
    warning_preferences: dict[str, Mode]
    exported_at: Timestamp

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> DataExportOut:
        return msgspec.convert(content, cls)


class AccountDeletedOut(Struct, kw_only=True):
    deleted: bool
