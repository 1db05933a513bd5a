"""The small protocols `forum` defines and other packages fill in at the composition root.

`forum` never imports `moderation` or `search`; `forum/app.py` and `forum/cli.py` register their
pieces here (the crisis check, crisis resources, pre-moderation, outbox subscribers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member


@dataclass(frozen=True)
class InlineFinding:
    """What a fast check at submission noticed, e.g. the crisis check firing."""

    check: str
    category: str
    matched: tuple[str, ...] = ()
    show_crisis_resources: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "category": self.category, "matched": list(self.matched),
                "show_crisis_resources": self.show_crisis_resources}


class InlineCheck(Protocol):
    name: str

    def check(self, text: str) -> InlineFinding | None: ...


CrisisResourcesProvider = Callable[[AsyncSession], Awaitable[list[dict[str, Any]]]]
# Decides whether a new post waits for a moderator: "published" or "pending".
PostPolicy = Callable[[AsyncSession, Member], Awaitable[str]]


@dataclass
class Extensions:
    inline_checks: list[InlineCheck] = field(default_factory=list)
    crisis_resources: CrisisResourcesProvider | None = None
    post_policy: PostPolicy | None = None

    def run_checks(self, text: str) -> list[InlineFinding]:
        return [f for c in self.inline_checks if (f := c.check(text)) is not None]

    async def resources(self, session: AsyncSession) -> list[dict[str, Any]]:
        return await self.crisis_resources(session) if self.crisis_resources else []

    async def initial_status(self, session: AsyncSession, member: Member) -> str:
        return await self.post_policy(session, member) if self.post_policy else "published"


HealthCheck = Callable[[], Awaitable[None]]


@dataclass
class Installed:
    """What a package (moderation, search) adds to the app at the composition root."""

    route_handlers: list[Any] = field(default_factory=list)
    subscribers: list[Any] = field(default_factory=list)
    # name -> an awaitable that raises when that part is not ready (for /readyz and `forum doctor`).
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    # Lines for `forum doctor`, start-up logs and /admin: what is configured and why.
    status_lines: list[str] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Sections of /admin that live in this package: (label, path).
    admin_links: list[tuple[str, str]] = field(default_factory=list)
