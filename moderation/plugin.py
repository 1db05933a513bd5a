"""How moderation plugs into the forum at the composition root (forum/app.py calls `install`).

It registers the crisis check as an inline check, the crisis resources, the pre-moderation
policy, the two outbox subscribers (flags, classifier), the /mod and /admin/moderation pages,
the moderation API, and a status line saying which classifier runs and why. Nothing heavy
happens here: the classifier is loaded by the worker on first use, so `forum serve` starts fast.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, is_dataclass
from typing import Any

from litestar import Router
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from forum.db.engine import Database
from forum.hooks import Extensions, InlineFinding, Installed
from forum.settings import Settings
from moderation.admin import active_resources
from moderation.classifying import ClassifierHolder
from moderation.crisis import CrisisCheck
from moderation.policy import premoderation_policy
from moderation.subscribers import ClassifierSubscriber, FlagRaiser

log = logging.getLogger("moderation")


class CrisisInlineCheck:
    """The forum's InlineCheck protocol over the crisis-language check."""

    name = "crisis"

    def __init__(self) -> None:
        self._check = CrisisCheck()

    def check(self, text: str) -> InlineFinding | None:
        signal = self._check.check(text)
        if signal is None:
            return None
        return InlineFinding(check="crisis", category=signal.category, matched=tuple(signal.matched),
                             show_crisis_resources=True)


def seed_resources() -> list[dict[str, Any]]:
    from moderation.resources import SEED_CRISIS_RESOURCES

    fields = ("name", "region", "phone", "text", "url", "hours", "description")
    out = []
    for seed in SEED_CRISIS_RESOURCES:
        data = asdict(seed) if is_dataclass(seed) else dict(seed)  # type: ignore[call-overload]
        out.append({k: data.get(k) or "" for k in fields})
    return out


async def crisis_resources(session: AsyncSession) -> list[dict[str, Any]]:
    """Active resources from the database. Someone in danger is always shown somewhere to turn:
    if the table can't be read or is empty, the seeded list is used instead of nothing."""
    try:
        rows = await active_resources(session)
    except Exception:
        log.exception("could not read crisis resources; showing the built-in list")
        await session.rollback()
        rows = []
    return rows or seed_resources()


def install(settings: Settings, db: Database, extensions: Extensions) -> Installed:
    from moderation.api import ModerationApi
    from moderation.pages import AdminModerationPages, MemberModerationPages, ModeratorPages

    extensions.inline_checks.append(CrisisInlineCheck())
    extensions.crisis_resources = crisis_resources
    extensions.post_policy = premoderation_policy

    status_lines: list[str] = []
    holder = ClassifierHolder(settings, status_lines)

    def provide_holder() -> ClassifierHolder:
        return holder

    router = Router(path="/", route_handlers=[ModeratorPages, MemberModerationPages, AdminModerationPages,
                                               ModerationApi],
                    dependencies={"classifier_holder": Provide(provide_holder, sync_to_thread=False)})
    return Installed(
        route_handlers=[router],
        # Flags first: a crisis flag must never wait behind the classifier.
        subscribers=[FlagRaiser(db), ClassifierSubscriber(db, holder), *FlagRaiser.alert_subscribers(db, settings)],
        health_checks={"classifier": holder.health},
        status_lines=status_lines,
        admin_links=[("Moderation settings", "/admin/moderation")],
    )
