"""Content-warning test helpers: readers of each kind, and the surfaces they read.

A reader is either a visitor (choices kept in their session, set on /settings/warnings) or a
member (choices saved in their account through PUT /api/v1/me/warning-preferences, read on pages
through a signed-in session and on the API with their token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from forum.discussions.writing import DiscussionWriter
from forum.warnings.services import WarningInput
from tests.helpers.pages import another_browser, form_post, sign_in

HIDDEN_LINE = re.compile(r'<p class="hidden-line">(\d+) (posts?|threads?) hidden by your settings')


@dataclass
class Reader:
    """One reader: a page client (cookies) and, for members, an API token."""

    kind: str  # "visitor" or "member"
    browser: httpx.AsyncClient
    token: str | None = None
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def page(self, path: str) -> httpx.Response:
        return await self.browser.get(path)

    async def api(self, path: str) -> httpx.Response:
        return await self.browser.get(path, headers=self.auth)

    async def choose(self, **modes: str) -> None:
        """Saves show / warn / hide per warning (keyword names use _ for -: self_harm="hide")."""
        choices = {slug.replace("_", "-"): mode for slug, mode in modes.items()}
        if self.kind == "member":
            r = await self.browser.put("/api/v1/me/warning-preferences", json=choices, headers=self.auth)
            assert r.status_code == 200, r.text
        else:
            r = await form_post(self.browser, "/settings/warnings", {f"mode-{s}": m for s, m in choices.items()})
            assert r.status_code in (302, 303), r.text

    async def gentle(self, for_: str = "hour") -> None:
        r = await form_post(self.browser, "/gentle", {"for": for_, "next": "/"})
        assert r.status_code in (302, 303), r.text

    async def close(self) -> None:
        await self.browser.aclose()


async def new_reader(api: Any, kind: str, name: str = "reader") -> Reader:
    browser = another_browser(api.client)
    if kind == "visitor":
        return Reader(kind, browser)
    token = await api.member(name)
    await sign_in(browser, name)
    return Reader(kind, browser, token, name)


async def thread(api: Any, who: str, title: str, body: str, warnings: list[str] | None = None,
                 other: str | None = None, topic: str = "anxiety") -> dict[str, Any]:
    payload: dict[str, Any] = {"title": title, "body": body, "warnings": warnings or []}
    if other:
        payload["other_warning"] = other
    r = await api.post(f"/api/v1/topics/{topic}/threads", who, json=payload)
    assert r.status_code == 201, r.text
    return r.json()


async def reply(api: Any, who: str, thread_id: int, body: str, warnings: list[str] | None = None,
                other: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body, "warnings": warnings or []}
    if other:
        payload["other_warning"] = other
    r = await api.post(f"/api/v1/threads/{thread_id}/posts", who, json=payload)
    assert r.status_code == 201, r.text
    return r.json()


async def bulk_replies(app: Any, author: str, thread_id: int, bodies: list[tuple[str, list[str]]]) -> None:
    """Many replies straight through the service: (body, warning slugs) each."""
    from forum.accounts.services import AccountService

    async with app.state.db.session() as s:
        member = await AccountService(s).by_username(author)
        service = DiscussionWriter(s)
        for body, slugs in bodies:
            await service.reply(member, thread_id, body, WarningInput(tuple(slugs)))


def hidden_count(html: str) -> int:
    """The number on the quiet "N posts hidden by your settings" line, 0 when there is none."""
    match = HIDDEN_LINE.search(html)
    return int(match.group(1)) if match else 0


def head_of(html: str) -> str:
    """The page's <head>: its <title> and <meta> tags."""
    return html.split("</head>", 1)[0]


def details_around(html: str, marker: str) -> str | None:
    """The <details class="warned"> element that holds `marker`, or None when it isn't behind one."""
    for match in re.finditer(r'<details class="warned[^"]*"( open)?>(.*?)</details>', html, re.S):
        if marker in match.group(2):
            return match.group(0)
    return None


def says(html: str | None, phrase: str) -> bool:
    """Whether the visible text says `phrase` (case and spacing aside, so wording tweaks don't matter)."""
    if html is None:
        return False
    from tests.helpers.pages import text_of

    squeeze = " ".join(phrase.split()).lower()
    return squeeze in text_of(html).lower()
