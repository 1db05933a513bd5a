"""/api/v1 for moderation: the queue, resolving flags, the log; reports, appeals and notices.

Thin: parse, call a service, shape JSON. Visitors get 401 and members 403 on /api/v1/mod/*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.schemas import tag_json
from forum.warnings.services import WarningInput
from forum.warnings.visibility import Reader
from forum.web import provide_member
from moderation.actions import ActionResult, ActionService
from moderation.queue import Card, LogEntry, QueueService
from moderation.reports import ReportService, notice_json


async def provide_moderator(member: Member) -> Member:
    return ActionService.ensure_moderator(member)


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


def card_json(card: Card) -> dict[str, Any]:
    return {
        "id": card.flag_id,
        "flag_ids": card.flag_ids,
        "post": {"id": card.post_id, "thread_id": card.thread_id, "thread_title": card.thread_title,
                 "author": card.author.name, "body_html": card.body_html, "warnings": [t.slug for t in card.tags],
                 "warning_details": [tag_json(t) for t in card.tags], "warning_mode": card.mode,
                 "status": card.post_status, "is_opening": card.is_opening, "removal_reason": card.removal_reason},
        "author": {"name": card.author.name, "joined": card.author.joined.isoformat() if card.author.joined else None,
                   "posts": card.author.posts, "previous_actions": card.author.previous_actions,
                   "status": card.author.status},
        "sources": card.sources,
        "priority": card.priority,
        "urgent": card.urgent,
        "scores": card.scores,
        "score_labels": card.score_labels,
        "crisis": card.crisis and {"category": card.crisis.get("category"), "matched": card.crisis.get("matched", [])},
        "reports": [{"reason": r.reason, "label": r.label, "note": r.note, "reporter": r.reporter,
                     "created_at": r.created_at.isoformat()} for r in card.reports],
        "appeal": card.appeal and {"note": card.appeal["note"], "removed_by": card.appeal["removed_by"]},
        "claimed_by": card.claimed_by,
        "claimed_at": card.claimed_at.isoformat() if card.claimed_at else None,
        "created_at": card.created_at.isoformat(),
    }


def log_json(entry: LogEntry) -> dict[str, Any]:
    return {"id": entry.id, "actor": entry.actor, "action": entry.action,
            "target": {"kind": entry.target_kind, "id": entry.target_id, "label": entry.target_label},
            "reason": entry.reason, "details": entry.details, "created_at": entry.created_at.isoformat()}


def result_json(result: ActionResult, **extra: Any) -> dict[str, Any]:
    return {"post_id": result.post_id, "message": result.message, "action_id": result.action_id,
            "undoable": result.undoable, **extra}


class ModerationApi(Controller):
    path = "/api/v1"
    tags = ["moderation"]
    dependencies = {"member": Provide(provide_member), "moderator": Provide(provide_moderator)}

    @get("/mod/queue")
    async def queue(self, moderator: Member, reader: Reader, db_session: AsyncSession, page: int = 1) -> dict[str, Any]:
        result = await QueueService(db_session).page(reader, page)
        return {"items": [card_json(c) for c in result.cards], "waiting": result.waiting, "urgent": result.urgent,
                "page": result.number, "pages": result.pages}

    @post("/mod/flags/{flag_id:int}/resolve", status_code=HTTP_200_OK)
    async def resolve(self, flag_id: int, data: ResolveIn, moderator: Member,
                      db_session: AsyncSession) -> dict[str, Any]:
        warnings = None
        if data.warnings is not None or data.other_warning:
            warnings = WarningInput(tuple(data.warnings or ()), data.other_warning)
        result = await ActionService(db_session).resolve(moderator, flag_id, data.action, data.reason, data.days,
                                                         warnings)
        return result_json(result, id=flag_id, action=data.action)

    @post("/mod/flags/{flag_id:int}/claim", status_code=HTTP_200_OK)
    async def claim(self, flag_id: int, moderator: Member, db_session: AsyncSession) -> dict[str, Any]:
        result = await ActionService(db_session).claim(moderator, flag_id)
        return result_json(result, id=flag_id, claimed_by=moderator.username)

    @post("/mod/flags/{flag_id:int}/unclaim", status_code=HTTP_200_OK)
    async def unclaim(self, flag_id: int, moderator: Member, db_session: AsyncSession) -> dict[str, Any]:
        result = await ActionService(db_session).unclaim(moderator, flag_id)
        return result_json(result, id=flag_id, claimed_by=None)

    @post("/mod/actions/{action_id:int}/undo", status_code=HTTP_200_OK)
    async def undo(self, action_id: int, moderator: Member, db_session: AsyncSession) -> dict[str, Any]:
        return result_json(await ActionService(db_session).undo(moderator, action_id))

    @get("/mod/log")
    async def log(self, moderator: Member, db_session: AsyncSession, page: int = 1) -> dict[str, Any]:
        result = await QueueService(db_session).log(page)
        return {"items": [log_json(e) for e in result.items], "page": result.number, "pages": result.pages,
                "total": result.total}

    @post("/posts/{post_id:int}/reports", status_code=HTTP_201_CREATED)
    async def report(self, post_id: int, data: ReportIn, member: Member, reader: Reader,
                     db_session: AsyncSession) -> dict[str, Any]:
        done = await ReportService(db_session).report(member, post_id, data.reason, data.note, reader)
        return {"id": done.report.id, "post_id": post_id, "reason": done.report.reason,
                "message": "Thank you for telling us. A moderator will look at it soon."}

    @post("/posts/{post_id:int}/appeal", status_code=HTTP_201_CREATED)
    async def appeal(self, post_id: int, data: AppealIn, member: Member, db_session: AsyncSession) -> dict[str, Any]:
        appeal = await ReportService(db_session).appeal(member, post_id, data.note)
        return {"id": appeal.id, "post_id": post_id, "status": appeal.status,
                "message": "Your appeal is with the moderators. Someone other than the person who removed it "
                           "will look at it."}

    @get("/me/notices")
    async def notices(self, member: Member, db_session: AsyncSession, page: int = 1) -> dict[str, Any]:
        service = ReportService(db_session)
        items, total = await service.notices(member, page)
        unread = await service.unread_count(member)
        return {"items": [notice_json(n) for n in items], "total": total, "unread": unread}
