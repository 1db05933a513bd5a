"""Support reactions instead of likes: one of each kind per member per post, toggled in place."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from forum.discussions.models import Reaction
from tests.helpers.pages import form_post, sign_in

NONE = {"relate": 0, "support": 0, "thanks": 0}


async def _post(api: Any) -> tuple[int, int]:
    await api.member("alice")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": "A hard week", "body": "Tired."})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["post"]["id"]


async def react(api: Any, who: str, post_id: int, kind: str) -> dict[str, Any]:
    r = await api.post(f"/api/v1/posts/{post_id}/reactions", who, json={"kind": kind})
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_reaction_is_counted_and_marked_as_the_members_own(api):
    thread_id, post_id = await _post(api)
    await api.member("bob")
    answer = await react(api, "bob", post_id, "support")
    assert answer["reactions"] == {**NONE, "support": 1}
    assert answer["my_reactions"] == ["support"]
    post = (await api.get(f"/api/v1/threads/{thread_id}", "bob")).json()["posts"][0]
    assert post["reactions"]["support"] == 1 and post["my_reactions"] == ["support"]
    assert (await api.get(f"/api/v1/threads/{thread_id}", "alice")).json()["posts"][0]["my_reactions"] == []


async def test_reacting_again_with_the_same_kind_takes_it_back(api):
    _, post_id = await _post(api)
    await api.member("bob")
    await react(api, "bob", post_id, "relate")
    answer = await react(api, "bob", post_id, "relate")
    assert answer["reactions"] == NONE and answer["my_reactions"] == []


async def test_a_member_may_give_each_kind_once_and_several_members_add_up(api):
    _, post_id = await _post(api)
    for name in ("bob", "carol"):
        await api.member(name)
        for kind in ("relate", "support", "thanks"):
            await react(api, name, post_id, kind)
    answer = await react(api, "alice", post_id, "thanks")
    assert answer["reactions"] == {"relate": 2, "support": 2, "thanks": 3}
    assert answer["my_reactions"] == ["thanks"]
    async with api.client.app.state.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Reaction)) == 7


async def test_reacting_needs_a_signed_in_member_and_a_real_post(api):
    _, post_id = await _post(api)
    r = await api.client.post(f"/api/v1/posts/{post_id}/reactions", json={"kind": "support"})
    assert r.status_code == 401
    r = await api.post("/api/v1/posts/999999/reactions", "alice", json={"kind": "support"})
    assert r.status_code == 404
    r = await api.post(f"/api/v1/posts/{post_id}/reactions", "alice", json={"kind": "like"})
    assert r.status_code == 400


async def test_there_is_no_karma_or_ranking_of_people(api):
    _, post_id = await _post(api)
    await api.member("bob")
    await react(api, "bob", post_id, "support")
    me = (await api.get("/api/v1/me", "alice")).json()
    assert not {"karma", "score", "reputation", "likes"} & set(me)


async def test_an_htmx_reaction_answers_with_the_reactions_fragment_of_that_post(api):
    thread_id, post_id = await _post(api)
    await api.member("bob")
    await sign_in(api.client, "bob")
    page = await api.client.get(f"/threads/{thread_id}")
    assert f'hx-post="/posts/{post_id}/react"' in page.text
    r = await form_post(api.client, f"/posts/{post_id}/react", {"kind": "relate"}, htmx=True)
    assert r.status_code == 200
    assert "<html" not in r.text
    # The fragment is the whole reactions form, which replaces itself in place.
    assert re.match(rf'<form method="post" action="/posts/{post_id}/react" class="reactions" id="reactions-{post_id}"',
                    r.text.lstrip())
    pressed = re.search(r'<button[^>]*aria-pressed="true"[^>]*>([^<]+)', r.text)
    assert pressed and pressed.group(1).strip() == "I relate"
    assert '<span class="count">1</span>' in r.text
    r = await form_post(api.client, f"/posts/{post_id}/react", {"kind": "relate"}, htmx=True)
    assert 'aria-pressed="true"' not in r.text and 'class="count"' not in r.text


async def test_a_reaction_without_javascript_goes_back_to_the_post(api):
    thread_id, post_id = await _post(api)
    await api.member("bob")
    await sign_in(api.client, "bob")
    r = await form_post(api.client, f"/posts/{post_id}/react", {"kind": "thanks"})
    assert r.status_code in (302, 303)
    assert r.headers["location"] == f"/threads/{thread_id}#post-{post_id}"
    page = await api.client.get(f"/threads/{thread_id}")
    assert re.search(r'aria-pressed="true">Thank you <span class="count">1</span>', page.text)


async def test_visitors_see_the_counts_without_buttons(api):
    thread_id, post_id = await _post(api)
    await api.member("bob")
    await react(api, "bob", post_id, "support")
    page = await api.client.get(f"/threads/{thread_id}")
    assert 'Sending support <span class="count">1</span>' in page.text
    assert f'action="/posts/{post_id}/react"' not in page.text
