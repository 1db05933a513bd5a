"""/api/v1 for moderation: the queue, resolving flags, the log; reports, appeals and notices.

Thin: parse, call a service, shape JSON. Visitors get 401 and members 403 on /api/v1/mod/*
(forum/accounts/guards.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.guards import moderators_only, provide_guarded_member
from forum.accounts.models import Member
from forum.warnings.services import WarningInput
from forum.warnings.visibility import Reader
from forum.web import provide_member
from moderation.actions import ActionService
from moderation.queue import QueueService
from moderation.reports import ReportService
from moderation.schemas import (
    ActionResultOut,
    AppealedOut,
    ClaimOut,
    LogOut,
    NoticeOut,
    NoticesOut,
    QueueOut,
    ReportedOut,
    ResolvedOut,
)


@dataclass
class ResolveIn:
    action: str
    reason: str | None = None
    days: int | None = None
    warnings: list[str] | None = None
    other_warning: str | None = None


@dataclass
class ReportIn:
    reason: str
    note: str | None = None


@dataclass
class AppealIn:
    note: str


class ModerationApi(Controller):
    path = "/api/v1"
    tags = ["moderation"]
    # `moderator` is the member the `moderators_only` guard let in; `member` anyone signed in.
    dependencies = {"member": Provide(provide_member), "moderator": Provide(provide_guarded_member)}

    @get("/mod/queue", guards=[moderators_only])
    async def queue(self, moderator: Member, reader: Reader, db_session: AsyncSession, page: int = 1) -> QueueOut:
        return QueueOut.from_page(await QueueService(db_session).page(reader, page))

    @post("/mod/flags/{flag_id:int}/resolve", status_code=HTTP_200_OK, guards=[moderators_only])
    async def resolve(self, flag_id: int, data: ResolveIn, moderator: Member,
                      db_session: AsyncSession) -> ResolvedOut:
        warnings = None
        if data.warnings is not None or data.other_warning:
            warnings = WarningInput(tuple(data.warnings or ()), data.other_warning)
        result = await ActionService(db_session).resolve(moderator, flag_id, data.action, data.reason, data.days,
                                                         warnings)
        return ResolvedOut.from_result(result, id=flag_id, action=data.action)

    @post("/mod/flags/{flag_id:int}/claim", status_code=HTTP_200_OK, guards=[moderators_only])
    async def claim(self, flag_id: int, moderator: Member, db_session: AsyncSession) -> ClaimOut:
        result = await ActionService(db_session).claim(moderator, flag_id)
        return ClaimOut.from_result(result, id=flag_id, claimed_by=moderator.username)

    @post("/mod/flags/{flag_id:int}/unclaim", status_code=HTTP_200_OK, guards=[moderators_only])
    async def unclaim(self, flag_id: int, moderator: Member, db_session: AsyncSession) -> ClaimOut:
        result = await ActionService(db_session).unclaim(moderator, flag_id)
        return ClaimOut.from_result(result, id=flag_id, claimed_by=None)

    @post("/mod/actions/{action_id:int}/undo", status_code=HTTP_200_OK, guards=[moderators_only])
    async def undo(self, action_id: int, moderator: Member, db_session: AsyncSession) -> ActionResultOut:
        return ActionResultOut.from_result(await ActionService(db_session).undo(moderator, action_id))

    @get("/mod/log", guards=[moderators_only])
    async def log(self, moderator: Member, db_session: AsyncSession, page: int = 1) -> LogOut:
        return LogOut.from_page(await QueueService(db_session).log(page))

    @post("/posts/{post_id:int}/reports", status_code=HTTP_201_CREATED)
    async def report(self, post_id: int, data: ReportIn, member: Member, reader: Reader,
                     db_session: AsyncSession) -> ReportedOut:
        done = await ReportService(db_session).report(member, post_id, data.reason, data.note, reader)
        return ReportedOut(id=done.report.id, post_id=post_id, reason=done.report.reason,
                           message="Thank you for telling us. A moderator will look at it soon.")

    @post("/posts/{post_id:int}/appeal", status_code=HTTP_201_CREATED)
    async def appeal(self, post_id: int, data: AppealIn, member: Member, db_session: AsyncSession) -> AppealedOut:
        appeal = await ReportService(db_session).appeal(member, post_id, data.note)
        return AppealedOut(id=appeal.id, post_id=post_id, status=appeal.status,
                           message="Your appeal is with the moderators. Someone other than the person who removed it "
                                   "will look at it.")

    @get("/me/notices")
    async def notices(self, member: Member, db_session: AsyncSession, page: int = 1) -> NoticesOut:
        service = ReportService(db_session)
        items, total = await service.notices(member, page)
        unread = await service.unread_count(member)
        return NoticesOut(items=[NoticeOut.from_notice(n) for n in items], total=total, unread=unread)
