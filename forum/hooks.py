"""The small protocols `forum` defines and other packages fill in at the composition root.

`forum` never imports `moderation` or `search` (except its composition root: forum/app.py,
forum/cli.py and the migrations' env.py). Instead each of those packages has a `plugin.py` whose
`install()` fills in the forum's `Extensions` (the crisis check, crisis resources, pre-moderation)
and returns a `Plugin`: what else it adds to the app (pages, outbox subscribers, its health).
forum/app.py's `compose()` does that for both and keeps the result as a `Composition`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.models import PostStatus
from forum.health import Health, safety_check_health, safety_model_health
from forum.safety.heads import unusable
from forum.safety.model import SafetyModel, TextAnalysis
from forum.warnings.suggest import Suggestion, WarningSuggester

if TYPE_CHECKING:
    from forum.outbox.worker import Subscriber


class FindingSource(StrEnum):
    """Which layer of a check decided: its rules, its model, or both."""

    RULES = "rules"
    MODEL = "model"
    BOTH = "rules+model"


@dataclass(frozen=True)
class InlineFinding:
    """What a fast check at submission noticed, e.g. the crisis check firing."""

    check: str
    category: str
    matched: tuple[str, ...] = ()
    show_crisis_resources: bool = False
    # Warnings the forum itself adds to the post, so readers who asked to be warned are ("added by the forum").
    add_warnings: tuple[str, ...] = ()
    # What decided it (kept in the outbox event, so moderators can see it).
    source: FindingSource = FindingSource.RULES

    def as_dict(self) -> dict[str, Any]:
        """For the outbox event's JSON payload; `from_dict` reads it back."""
        return {"check": self.check, "category": self.category, "matched": list(self.matched),
                "show_crisis_resources": self.show_crisis_resources, "add_warnings": list(self.add_warnings),
                "source": self.source.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InlineFinding:
        """A finding as an outbox event carried it (events stored before a field existed lack it)."""
        return cls(check=str(data.get("check") or ""), category=str(data.get("category") or ""),
                   matched=tuple(data.get("matched") or ()),
                   show_crisis_resources=bool(data.get("show_crisis_resources")),
                   add_warnings=tuple(data.get("add_warnings") or ()),
                   source=FindingSource(data.get("source") or FindingSource.RULES))

    @property
    def is_crisis(self) -> bool:
        return self.check == "crisis" or self.show_crisis_resources


class InlineCheck(Protocol):
    name: str

    def check(self, text: str, analysis: TextAnalysis | None, suggestions: list[Suggestion]) -> InlineFinding | None:
        """``analysis`` is the post's embeddings, or None when the safety model is not loaded (rules only);
        ``suggestions`` are the content warnings the suggester found (a check may add some of them)."""
        ...


CrisisResourcesProvider = Callable[[AsyncSession], Awaitable[list[dict[str, Any]]]]
# Decides whether a new post waits for a moderator: PUBLISHED or PENDING.
PostPolicy = Callable[[AsyncSession, Member], Awaitable[PostStatus]]


@dataclass(frozen=True)
class Assessment:
    """What the fast checks make of a text at submission: warning suggestions and inline findings."""

    suggestions: list[Suggestion]
    findings: list[InlineFinding]

    @property
    def crisis(self) -> bool:
        return any(f.show_crisis_resources for f in self.findings)

    @property
    def forum_warnings(self) -> list[str]:
        return list(dict.fromkeys(slug for f in self.findings for slug in f.add_warnings))


@dataclass
class Extensions:
    """The forum's extension points: what forum's own services call while serving a request, filled in
    at start-up by the packages' `plugin.install()`. Left empty (as some tests do), the forum works on
    its own: no crisis check, and every post is published at once."""

    inline_checks: list[InlineCheck] = field(default_factory=list)
    crisis_resources: CrisisResourcesProvider | None = None
    post_policy: PostPolicy | None = None
    safety: SafetyModel = field(default_factory=lambda: SafetyModel("off"))
    suggester: WarningSuggester = field(default_factory=WarningSuggester.rules_only)
    # What a moderator's header shows on every full page (the urgent count), filled in by moderation;
    # with JavaScript it refreshes itself, without it this is how the badge reaches every page.
    moderator_header: Callable[[AsyncSession], Awaitable[dict[str, Any]]] | None = None
    # What the checks on the safety model other than forum's own suggester run on (the crisis check);
    # asked once the model has loaded.
    safety_health: list[Callable[[], Health]] = field(default_factory=list)

    def safety_report(self) -> list[Health]:
        """The safety model and the checks on it, for the start-up log, `forum doctor` and /admin."""
        heads = self.suggester.heads
        suggester = safety_check_health(self.suggester.describe(self.safety), safety=self.safety,
                                        uses_model=heads is not None and unusable(heads, self.safety) is None)
        return [safety_model_health(self.safety), suggester, *(health() for health in self.safety_health)]

    async def assess(self, text: str) -> Assessment:
        """Embed once (off the event loop), then let the suggester and every inline check read it."""
        analysis = await self.safety.analyse(text)
        suggestions = self.suggester.suggest(text, analysis)
        return Assessment(suggestions, [f for c in self.inline_checks
                                        if (f := c.check(text, analysis, suggestions)) is not None])

    async def resources(self, session: AsyncSession) -> list[dict[str, Any]]:
        return await self.crisis_resources(session) if self.crisis_resources else []

    async def initial_status(self, session: AsyncSession, member: Member) -> PostStatus:
        return await self.post_policy(session, member) if self.post_policy else PostStatus.PUBLISHED


# Raises when its part can't serve right now (the search engine is down); for /readyz and `forum doctor`.
ReadinessCheck = Callable[[], Awaitable[None]]


@dataclass
class Plugin:
    """What one package (moderation, search) adds to the app besides filling in the `Extensions`:
    returned by its `plugin.install()`, mounted by forum/app.py."""

    route_handlers: list[Any] = field(default_factory=list)
    subscribers: list[Subscriber] = field(default_factory=list)
    # name -> its readiness check, e.g. "search" -> the backend's ready().
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    # What this package runs on and whether it works, for `forum doctor`, the start-up log and /admin;
    # asked each time it is shown (the classifier's changes once the worker has loaded it).
    health: list[Callable[[], Health]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Sections of /admin that live in this package: (label, path).
    admin_links: list[tuple[str, str]] = field(default_factory=list)
