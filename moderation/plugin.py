"""How moderation plugs into the forum at the composition root (forum/app.py calls `install`).

It registers the crisis check as an inline check, the crisis resources, the pre-moderation
policy, the outbox subscribers (flags, classifier, alerts), the /mod and /admin/moderation pages,
the moderation API, and its health: which classifier runs and why. Nothing heavy
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
from forum.health import Health, safety_check_health
from forum.hooks import Extensions, InlineFinding, Plugin
from forum.safety.heads import unusable
from forum.safety.model import TextAnalysis
from forum.settings import Settings
from forum.warnings.suggest import Suggestion
from moderation.admin import active_resources
from moderation.classifying import ClassifierHolder
from moderation.crisis import CrisisCategory, CrisisCheck
from moderation.crisis_model import CrisisModel, combine
from moderation.policy import premoderation_policy
from moderation.subscribers import ClassifierSubscriber, FlagRaiser

log = logging.getLogger("moderation")


# The warning the forum adds when the crisis check fires, so a reader who asked to be warned about
# it is: the suggester's own pick among these when it made one, else the first.
FORUM_WARNINGS: dict[CrisisCategory, tuple[str, ...]] = {
    "intent": ("suicide", "self-harm"),
    "in_progress": ("suicide", "self-harm"),
    "passive": ("suicide", "self-harm"),
    "danger": ("violence", "domestic-violence", "sexual-violence", "suicide", "self-harm"),
}


def forum_warnings(category: CrisisCategory, suggestions: list[Suggestion]) -> tuple[str, ...]:
    allowed = FORUM_WARNINGS[category]
    picked = tuple(s.slug for s in suggestions if s.slug in allowed)
    return picked or allowed[:1]


class CrisisInlineCheck:
    """The forum's InlineCheck protocol over the crisis check: the rules, and the model when loaded."""

    name = "crisis"

    def __init__(self, model: CrisisModel | None = None) -> None:
        self._rules = CrisisCheck()
        self.model = model

    def check(self, text: str, analysis: TextAnalysis | None,
              suggestions: list[Suggestion]) -> InlineFinding | None:
        by_model = self.model.signal(analysis) if self.model is not None and analysis is not None else None
        combined = combine(self._rules.check(text), by_model)
        if combined is None:
            return None
        signal, source = combined
        return InlineFinding(check="crisis", category=signal.category, matched=tuple(signal.matched),
                             show_crisis_resources=True, add_warnings=forum_warnings(signal.category, suggestions),
                             source=source)


async def moderator_header(session: AsyncSession) -> dict[str, Any]:
    """The urgent count every moderator's header shows, also without JavaScript."""
    from moderation.queue import QueueService

    return {"mod_urgent": await QueueService(session).urgent_count()}


def crisis_status(model: CrisisModel | None, why: str, extensions: Extensions) -> Health:
    """What the crisis check runs on, in plain words (refreshed once the safety model has loaded)."""
    safety = extensions.safety
    if model is None:
        return safety_check_health(f"crisis check: its rules only ({why})", uses_model=False, safety=safety)
    if reason := unusable(model.heads, safety):
        return safety_check_health(f"crisis check: its rules only ({reason})", uses_model=False, safety=safety)
    thresholds = ", ".join(f"{name} {value:.2f}" for name, value in model.heads.thresholds.items())
    return safety_check_health(f"crisis check: its rules and the model (thresholds: {thresholds})",
                               uses_model=True, safety=safety)


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


def install(settings: Settings, db: Database, extensions: Extensions) -> Plugin:
    """Fills in the forum's extension points with moderation's, and returns the rest it adds to the app."""
    from moderation.api import ModerationApi
    from moderation.pages import AdminModerationPages, MemberModerationPages, ModeratorPages

    try:
        crisis_model: CrisisModel | None = CrisisModel.load(settings.data_dir) if extensions.safety.wanted else None
        why = "FORUM_SAFETY_MODEL=off"
    except (OSError, ValueError, KeyError) as exc:
        log.error("could not read the crisis heads: %s", exc)
        crisis_model, why = None, f"its trained heads could not be read: {exc}"
    extensions.inline_checks.append(CrisisInlineCheck(crisis_model))
    extensions.crisis_resources = crisis_resources
    extensions.post_policy = premoderation_policy
    extensions.safety_health.append(lambda: crisis_status(crisis_model, why, extensions))
    extensions.moderator_header = moderator_header

    holder = ClassifierHolder(settings)

    def provide_holder() -> ClassifierHolder:
        return holder

    router = Router(path="/", route_handlers=[ModeratorPages, MemberModerationPages, AdminModerationPages,
                                               ModerationApi],
                    dependencies={"classifier_holder": Provide(provide_holder, sync_to_thread=False)})
    return Plugin(
        route_handlers=[router],
        # Flags first: a crisis flag must never wait behind the classifier.
        subscribers=[FlagRaiser(db), ClassifierSubscriber(db, holder), *FlagRaiser.alert_subscribers(db, settings)],
        readiness_checks={"classifier": holder.ready},
        health=[holder.health],
        admin_links=[("Moderation settings", "/admin/moderation")],
    )
