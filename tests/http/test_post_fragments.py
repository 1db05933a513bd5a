"""Posts are rendered once per look and shared (forum/templating.py post_article), yet every reader
gets their own: their own CSRF token in the forms, the actions they may take, their own reactions,
the current text and a "3 hours ago" that keeps moving."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

from jinja2 import Environment, FileSystemLoader

import forum.templating as templating
from forum.app import ROOT
from forum.discussions.reading import PostView
from tests.helpers.pages import another_browser, csrf_token, form_post, sign_in

STAND_IN = "haven-csrf-stand-in"


async def thread_with_a_reply(api: Any) -> tuple[int, int, int]:
    """alice's thread with bob's reply: (thread id, alice's post id, bob's post id)."""
    await api.member("alice")
    await api.member("bob")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": "Slow days", "body": "Opening qx1"})
    assert r.status_code == 201, r.text
    thread_id, opening = r.json()["id"], r.json()["post"]["id"]
    r = await api.post(f"/api/v1/threads/{thread_id}/posts", "bob", json={"body": "Reply qx2"})
    assert r.status_code == 201, r.text
    return thread_id, opening, r.json()["id"]


async def browser_of(api: Any, name: str) -> Any:
    browser = another_browser(api.client)
    await sign_in(browser, name)
    return browser


def article(html: str, post_id: int) -> str:
    match = re.search(rf'<article class="post[^"]*" id="post-{post_id}">.*?</article>', html, re.S)
    assert match, f"post {post_id} is not on the page"
    return match.group(0)


def articles(html: str) -> str:
    return "".join(re.findall(r'<article class="post.*?</article>', html, re.S))


def tokens_in(html: str) -> list[str]:
    return re.findall(r'name="_csrf_token" value="([^"]*)"', html)


async def relate_button(browser: Any, thread_id: int, post_id: int) -> tuple[str, str]:
    """(aria-pressed, visible text) of the "I relate" button on a post, as this browser sees it."""
    html = article((await browser.get(f"/threads/{thread_id}")).text, post_id)
    match = re.search(r'<button[^>]*value="relate"[^>]*aria-pressed="(\w+)">(.*?)</button>', html, re.S)
    assert match, "no I-relate button"
    return match.group(1), re.sub(r"<[^>]+>", "", match.group(2)).strip()


async def test_each_member_finds_their_own_csrf_token_in_the_post_forms(api) -> None:
    thread_id, _, _ = await thread_with_a_reply(api)
    await api.member("carol")
    bob, carol = await browser_of(api, "bob"), await browser_of(api, "carol")  # alice's post looks alike to both
    mine = {bob: await csrf_token(bob), carol: await csrf_token(carol)}
    assert mine[bob] != mine[carol]
    for browser, other in ((bob, carol), (carol, bob), (bob, carol), (carol, bob)):  # each reuses the other's render
        html = (await browser.get(f"/threads/{thread_id}")).text
        posts = articles(html)
        assert len(tokens_in(posts)) >= 2 and set(tokens_in(posts)) == {mine[browser]}
        assert mine[other] not in html and STAND_IN not in html


async def test_the_author_may_edit_or_delete_their_post_and_others_may_report_it(api) -> None:
    thread_id, opening, reply = await thread_with_a_reply(api)
    alice, bob = await browser_of(api, "alice"), await browser_of(api, "bob")
    for _ in range(2):
        own = article((await alice.get(f"/threads/{thread_id}")).text, opening)
        assert f'href="/posts/{opening}/edit"' in own and f'action="/posts/{opening}/delete"' in own
        assert "/report" not in own
        seen_by_bob = (await bob.get(f"/threads/{thread_id}")).text
        other = article(seen_by_bob, opening)
        assert f'href="/posts/{opening}/report"' in other
        assert "/edit" not in other and "/delete" not in other
        assert f'href="/posts/{reply}/edit"' in article(seen_by_bob, reply)


async def test_a_visitor_sees_posts_without_any_forms(api) -> None:
    thread_id, _, _ = await thread_with_a_reply(api)
    alice = await browser_of(api, "alice")
    assert "<form" in articles((await alice.get(f"/threads/{thread_id}")).text)
    visitor = another_browser(api.client)
    posts = articles((await visitor.get(f"/threads/{thread_id}")).text)
    assert "Opening qx1" in posts and "Reply qx2" in posts
    assert "<form" not in posts and "_csrf_token" not in posts and "/edit" not in posts and "/report" not in posts


async def test_a_reaction_is_pressed_only_for_the_member_who_gave_it(api) -> None:
    thread_id, opening, _ = await thread_with_a_reply(api)
    await api.member("carol")
    bob, carol = await browser_of(api, "bob"), await browser_of(api, "carol")
    for browser in (bob, carol):
        assert await relate_button(browser, thread_id, opening) == ("false", "I relate")
    r = await form_post(bob, f"/posts/{opening}/react", {"kind": "relate"})
    assert r.status_code in (302, 303), r.text
    for _ in range(2):
        assert await relate_button(bob, thread_id, opening) == ("true", "I relate 1")
        assert await relate_button(carol, thread_id, opening) == ("false", "I relate 1")


async def test_an_edit_reaches_every_reader_with_the_edited_marker(api) -> None:
    thread_id, opening, _ = await thread_with_a_reply(api)
    readers = [await browser_of(api, "alice"), await browser_of(api, "bob"), another_browser(api.client)]
    for browser in readers:
        post = article((await browser.get(f"/threads/{thread_id}")).text, opening)
        assert "Opening qx1" in post and "edited" not in post
    r = await api.call("PATCH", f"/api/v1/posts/{opening}", "alice", json={"body": "Rewritten qx3"})
    assert r.status_code == 200, r.text
    for browser in readers:
        post = article((await browser.get(f"/threads/{thread_id}")).text, opening)
        assert "Rewritten qx3" in post and "Opening qx1" not in post
        assert '<span class="quiet">· edited</span>' in post


# --- post_article on its own ----------------------------------------------------------------------


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=True)
    templating.configure_environment(SimpleNamespace(engine=env))
    return env


def a_post(post_id: int, created_at: dt.datetime) -> PostView:
    return PostView(id=post_id, thread_id=1, author="ann", author_id=1, body_html="<p>Steady qx4</p>", tags=[],
                    mode="show", status="published", is_opening=True, created_at=created_at, edited_at=None,
                    removal_reason=None)


def time_text(html: str) -> str:
    return re.search(r"<time [^>]*>(.*?)</time>", html).group(1)


def test_the_time_since_a_post_is_never_served_stale(monkeypatch) -> None:
    written = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    clock = [written + dt.timedelta(seconds=5)]
    real_ago = templating.ago
    monkeypatch.setattr(templating, "ago", lambda moment: real_ago(moment, now=clock[0]))
    page = environment().from_string("{{ post_article(post) }}")
    post = a_post(918273, written)
    seen = []
    for later in (dt.timedelta(seconds=5), dt.timedelta(seconds=30), dt.timedelta(hours=3), dt.timedelta(days=2)):
        clock[0] = written + later
        seen.append(time_text(page.render(post=post, viewer=None)))
    assert seen == ["just now", "just now", "3 hours ago", "2 days ago"]


def test_a_shared_render_carries_each_readers_own_csrf_field() -> None:
    page = environment().from_string("{{ post_article(post) }}")
    post = a_post(918274, dt.datetime.now(dt.UTC))
    field = '<input type="hidden" name="_csrf_token" value="{}" />'
    first = page.render(post=post, viewer=SimpleNamespace(id=7), csrf_input=field.format("token-of-seven"))
    second = page.render(post=post, viewer=SimpleNamespace(id=8), csrf_input=field.format("token-of-eight"))
    assert tokens_in(first) == ["token-of-seven"] and tokens_in(second) == ["token-of-eight"]
    assert STAND_IN not in first + second


async def test_a_reader_who_never_wrote_in_the_thread_sees_their_own_reactions_come_and_go(api) -> None:
    # carol wrote nothing here, so she gets the page shared by everyone with her settings, with her
    # own reactions marked from what her process keeps under her members.version.
    from sqlalchemy import delete, select

    from forum.accounts.models import Member
    from forum.discussions.models import Reaction

    thread_id, opening, _ = await thread_with_a_reply(api)
    await api.member("carol")
    carol = await browser_of(api, "carol")
    assert await relate_button(carol, thread_id, opening) == ("false", "I relate")
    r = await form_post(carol, f"/posts/{opening}/react", {"kind": "relate"})
    assert r.status_code in (302, 303), r.text
    assert await relate_button(carol, thread_id, opening) == ("true", "I relate 1")
    db = api.client.app.state.db
    async with db.session() as s:  # taken back elsewhere, as another process would
        await s.execute(delete(Reaction).where(Reaction.post_id == opening))
        await s.commit()
    assert await relate_button(carol, thread_id, opening) == ("false", "I relate")
    async with db.session() as s:  # and given again elsewhere
        carol_id = await s.scalar(select(Member.id).where(Member.username == "carol"))
        s.add(Reaction(post_id=opening, member_id=carol_id, kind="relate"))
        await s.commit()
    assert await relate_button(carol, thread_id, opening) == ("true", "I relate 1")
