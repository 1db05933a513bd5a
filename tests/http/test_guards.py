"""Who gets through which door: every /mod, /admin and /api/v1/mod route (and the members' own
moderation pages), tried as a visitor, a member, a moderator and an admin.

A visitor is sent to sign in on a page they GET, and told 401 otherwise; someone signed in but not
let in is told 403 in the route's own words; whoever is let in gets the route's own answer (for a
form posted empty, its own "needs another look"; for a flag or action that doesn't exist, its 404).
Every such route must have a row here, and be guarded by the guard its row names.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from forum.accounts.guards import ADMINS_ONLY, MODERATORS_ONLY, admins_only, moderators_only, signed_in
from tests.conftest import Api
from tests.helpers.pages import another_browser, form_post, signed_in_browser, text_of

ROLES = ("visitor", "member", "moderator", "admin")
OPEN_TO = {
    "everyone": set(ROLES),
    "members": {"member", "moderator", "admin"},
    "moderators": {"moderator", "admin"},
    "admins": {"admin"},
}
GUARD = {"members": signed_in, "moderators": moderators_only, "admins": admins_only}
REFUSAL = {"moderators": MODERATORS_ONLY, "admins": ADMINS_ONLY}
NAMES = {"member": "mia", "moderator": "sam", "admin": "ada"}
GUARDED_PREFIXES = ("/mod", "/admin", "/api/v1/mod")


@dataclass(frozen=True)
class Door:
    method: str
    path: str  # as the app lists the route
    open_to: str
    admitted: int  # what someone let in is answered to this request
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def url(self, post_id: int) -> str:
        values = {"post_id": post_id, "flag_id": 999999, "action_id": 999999, "slug": "no-such-warning"}
        return re.sub(r"\{(\w+):\w+\}", lambda m: str(values[m.group(1)]), self.path)


DOORS = [
    Door("GET", "/mod/queue", "moderators", 200),
    Door("GET", "/mod/queue/poll", "moderators", 200),
    Door("POST", "/mod/queue", "moderators", 302, {"action": ""}),
    Door("GET", "/mod/log", "moderators", 200),
    Door("GET", "/mod/badge", "everyone", 200),
    Door("GET", "/admin", "admins", 200),
    Door("POST", "/admin/topics", "admins", 302),
    Door("POST", "/admin/warnings", "admins", 302),
    Door("POST", "/admin/warnings/{slug:str}", "admins", 302),
    Door("GET", "/admin/moderation", "admins", 200),
    Door("POST", "/admin/moderation", "admins", 400, {"section": ""}),
    Door("GET", "/api/v1/mod/queue", "moderators", 200),
    Door("GET", "/api/v1/mod/log", "moderators", 200),
    Door("POST", "/api/v1/mod/flags/{flag_id:int}/resolve", "moderators", 404, {"action": "approve"}),
    Door("POST", "/api/v1/mod/flags/{flag_id:int}/claim", "moderators", 404),
    Door("POST", "/api/v1/mod/flags/{flag_id:int}/unclaim", "moderators", 404),
    Door("POST", "/api/v1/mod/actions/{action_id:int}/undo", "moderators", 404),
    # The members' own moderation pages: reporting a post, notices and appeals.
    Door("GET", "/posts/{post_id:int}/report", "members", 200),
    Door("POST", "/posts/{post_id:int}/report", "members", 400, {"reason": ""}),
    Door("GET", "/notices", "members", 200),
    Door("POST", "/notices", "members", 400, {"note": ""}),
]


def _route_handlers(app: Any) -> dict[tuple[str, str], Any]:
    return {(method, route.path): handler for route in app.routes for handler in route.route_handlers
            for method in getattr(handler, "http_methods", ()) if method not in ("HEAD", "OPTIONS")}


def test_every_moderator_and_admin_route_has_a_row_and_the_guard_it_names(app: Any) -> None:
    handlers = _route_handlers(app)
    listed = {(d.method, d.path) for d in DOORS}
    guarded_routes = {key for key in handlers if key[1].startswith(GUARDED_PREFIXES)}
    assert guarded_routes - listed == set(), "a /mod, /admin or /api/v1/mod route has no row in DOORS"
    assert listed - set(handlers) == set(), "a row in DOORS names a route the app doesn't have"
    for door in DOORS:
        guards = handlers[(door.method, door.path)].resolve_guards()
        expected = GUARD.get(door.open_to)
        assert (expected in guards) if expected else not guards, f"{door.method} {door.path}: guards {guards}"


async def _knock(door: Door, role: str, api: Api, browser: httpx.AsyncClient, post_id: int) -> httpx.Response:
    url = door.url(post_id)
    if door.is_api:
        return await api.call(door.method, url, NAMES.get(role), json=door.body or None)
    if door.method == "GET":
        return await browser.get(url)
    return await form_post(browser, url, door.body)


def _what_went_wrong(door: Door, role: str, r: httpx.Response) -> str | None:
    """None when `role` met the door as the table says, else what happened instead."""
    if role in OPEN_TO[door.open_to]:
        return None if r.status_code == door.admitted else f"expected {door.admitted}, got {r.status_code}"
    if role == "visitor":
        if not door.is_api and door.method == "GET":
            location = r.headers.get("location", "")
            return None if r.status_code in (302, 303) and location.startswith("/login?next=") else \
                f"expected the sign-in redirect, got {r.status_code} {location}"
        if r.status_code != 401:
            return f"expected 401, got {r.status_code}"
        return None if not door.is_api or r.json()["detail"] == "Please sign in to do that." else r.text
    if r.status_code != 403:
        return f"expected 403, got {r.status_code}"
    said = r.json()["detail"] if door.is_api else text_of(r.text)
    return None if REFUSAL[door.open_to] in said else f"expected {REFUSAL[door.open_to]!r} in {said[:200]!r}"


async def test_each_role_gets_through_exactly_the_doors_open_to_it(api: Api) -> None:
    await api.member("ash")
    for role, name in NAMES.items():
        await api.member(name, role=None if role == "member" else role)
    r = await api.post("/api/v1/topics/anxiety/threads", "ash", json={"title": "Mornings", "body": "Hard ones."})
    assert r.status_code == 201, r.text
    post_id = r.json()["post"]["id"]

    wrong = []
    async with contextlib.AsyncExitStack() as stack:
        browsers = {"visitor": another_browser(api.client)}
        stack.push_async_callback(browsers["visitor"].aclose)
        for role, name in NAMES.items():
            browsers[role] = await stack.enter_async_context(signed_in_browser(api.client, name))
        for door in DOORS:
            for role in ROLES:
                response = await _knock(door, role, api, browsers[role], post_id)
                if problem := _what_went_wrong(door, role, response):
                    wrong.append(f"{door.method} {door.path} as {role}: {problem}")
    assert not wrong, "\n".join(wrong)
