"""Who may do what: moderator routes refuse visitors and members, admin settings refuse moderators,
and members' own moderation pages refuse visitors. Every route is listed, pages and API alike."""

from __future__ import annotations

import pytest

from tests.helpers.moderation import flagged_reply
from tests.helpers.pages import another_browser, form_post, sign_in, text_of

MOD_API = [
    ("GET", "/api/v1/mod/queue"),
    ("GET", "/api/v1/mod/log"),
    ("POST", "/api/v1/mod/flags/{flag}/resolve"),
    ("POST", "/api/v1/mod/flags/{flag}/claim"),
    ("POST", "/api/v1/mod/flags/{flag}/unclaim"),
    ("POST", "/api/v1/mod/actions/{action}/undo"),
]
MOD_PAGES = ["/mod/queue", "/mod/log"]
MEMBER_API = [
    ("POST", "/api/v1/posts/{post}/reports"),
    ("POST", "/api/v1/posts/{post}/appeal"),
    ("GET", "/api/v1/me/notices"),
]
MEMBER_PAGES = ["/posts/{post}/report", "/notices"]


@pytest.fixture
async def world(forum) -> dict[str, int]:
    """A reported post, and one moderator action to try undoing."""
    await forum.members("ash", "bob", "cal", mod="sam", admin="ada")
    _, reply, item = await flagged_reply(forum)
    _, _, other_item = await flagged_reply(forum)
    done = (await forum.resolve("sam", other_item["id"], "hide")).json()
    return {"flag": item["id"], "post": reply["id"], "action": done["action_id"]}


def _fill(path: str, world: dict[str, int]) -> str:
    return path.format(**world)


BODY = {"action": "remove", "reason": "x", "note": "x"}


@pytest.mark.parametrize(("method", "path"), MOD_API)
async def test_the_moderation_api_answers_visitors_401_and_members_403(forum, world, method, path) -> None:
    url = _fill(path, world)
    visitor = await forum.api.call(method, url, json=BODY if method == "POST" else None)
    member = await forum.api.call(method, url, as_="cal", json=BODY if method == "POST" else None)
    assert (visitor.status_code, member.status_code) == (401, 403)
    assert set(member.json()) >= {"status_code", "detail"}
    assert await forum.post_status(world["post"]) == "published"


@pytest.mark.parametrize(("method", "path"), MOD_API[:2])
async def test_the_moderation_api_answers_moderators_and_admins(forum, world, method, path) -> None:
    for name in ("sam", "ada"):
        assert (await forum.api.call(method, _fill(path, world), as_=name)).status_code == 200


@pytest.mark.parametrize("path", MOD_PAGES)
async def test_moderation_pages_send_visitors_to_sign_in_and_tell_members_kindly(forum, world, path) -> None:
    visitor = await forum.api.client.get(path)
    assert visitor.status_code in (302, 303) and visitor.headers["location"].startswith("/login")

    browser = another_browser(forum.api.client)
    await sign_in(browser, "cal")
    member = await browser.get(path)
    assert member.status_code == 403
    assert "The moderation queue is for moderators." in text_of(member.text)
    await browser.aclose()


async def test_a_member_posting_a_queue_action_changes_nothing(forum, world) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "cal")
    for data in ({"flag_id": world["flag"], "action": "remove", "reason": "x"},
                 {"flag_id": world["flag"], "action": "claim"}, {"action": "undo", "action_id": world["action"]}):
        for htmx in (False, True):
            assert (await form_post(browser, "/mod/queue", data, htmx=htmx)).status_code == 403
    await browser.aclose()
    assert await forum.post_status(world["post"]) == "published"
    assert (await forum.item_for("sam", world["post"]))["claimed_by"] is None


async def test_a_visitor_posting_a_queue_action_changes_nothing(forum, world) -> None:
    browser = another_browser(forum.api.client)
    r = await form_post(browser, "/mod/queue", {"flag_id": world["flag"], "action": "hide"})
    assert r.status_code == 401
    await browser.aclose()
    assert await forum.post_status(world["post"]) == "published"


async def test_moderation_settings_are_for_admins_only(forum, world) -> None:
    from moderation.config import load_config

    assert (await forum.api.client.get("/admin/moderation")).headers["location"].startswith("/login")
    for name, page_status, saved in (("cal", 403, False), ("sam", 403, False), ("ada", 200, True)):
        browser = another_browser(forum.api.client)
        await sign_in(browser, name)
        assert (await browser.get("/admin/moderation")).status_code == page_status
        r = await form_post(browser, "/admin/moderation", {"section": "premod", "premod_first_posts": "5"})
        assert r.status_code in ((302, 303) if saved else (page_status,))
        async with forum.db.session() as s:
            assert (await load_config(s)).premod_first_posts == (5 if saved else 0)
        await browser.aclose()


@pytest.mark.parametrize(("method", "path"), MEMBER_API)
async def test_members_own_moderation_api_needs_signing_in(forum, world, method, path) -> None:
    body = {"reason": "spam", "note": "x"} if method == "POST" else None
    r = await forum.api.call(method, _fill(path, world), json=body)
    assert r.status_code == 401


@pytest.mark.parametrize("path", MEMBER_PAGES)
async def test_members_own_moderation_pages_send_visitors_to_sign_in(forum, world, path) -> None:
    r = await forum.api.client.get(_fill(path, world))
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


async def test_the_moderation_link_is_only_in_moderators_headers(forum, world) -> None:
    for name, expected in (("cal", False), ("sam", True)):
        browser = another_browser(forum.api.client)
        await sign_in(browser, name)
        assert ('href="/mod/queue"' in (await browser.get("/")).text) is expected
        await browser.aclose()
