"""Every reader's choice holds on every surface: modes (show / warn / hide / gentle / the default)
for visitors and members, across topic pages, thread pages, the JSON API, htmx fragments,
revealing, and the page's <title> and <meta>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers.pages import form_post, sign_in
from tests.helpers.warnings import (
    Reader,
    bulk_replies,
    details_around,
    head_of,
    hidden_count,
    new_reader,
    reply,
    says,
    thread,
)

SH_TITLE, SH_BODY = "Marker-sh-title nights", "Marker-sh-body the urge"
SH_REPLY = "Marker-sh-reply scars fading"
PLAIN_TITLE, PLAIN_BODY, PLAIN_REPLY = "Marker-plain-title", "Marker-plain-body", "Marker-plain-reply"
OTHER_TITLE, OTHER_BODY = "Marker-other-title", "Marker-other-body"
OTHER_WORDS = "hospital visit, needles"

# What the reader's choice for self-harm comes to. "default": nothing chosen (self-harm starts at warn);
# "gentle": self-harm set to show, then the gentler view turned on.
EFFECT = {"show": "show", "warn": "warn", "hide": "hide", "default": "warn", "gentle": "hide"}


@dataclass
class World:
    plain: dict[str, Any]
    self_harm: dict[str, Any]
    other: dict[str, Any]
    sh_reply: dict[str, Any]


async def build_world(api: Any) -> World:
    await api.member("writer")
    plain = await thread(api, "writer", PLAIN_TITLE, PLAIN_BODY)
    sh_reply = await reply(api, "writer", plain["id"], SH_REPLY, ["self-harm"])
    await reply(api, "writer", plain["id"], PLAIN_REPLY)
    self_harm = await thread(api, "writer", SH_TITLE, SH_BODY, ["self-harm"])
    other = await thread(api, "writer", OTHER_TITLE, OTHER_BODY, other=OTHER_WORDS)
    return World(plain, self_harm, other, sh_reply)


async def reader_in_mode(api: Any, kind: str, mode: str, name: str = "reader") -> Reader:
    reader = await new_reader(api, kind, name)
    if mode in ("show", "warn", "hide"):
        await reader.choose(self_harm=mode)
    elif mode == "gentle":
        await reader.choose(self_harm="show")
        await reader.gentle("hour")
    return reader


async def check_topic_page(reader: Reader, world: World, mode: str) -> None:
    html = (await reader.page("/topics/anxiety")).text
    effect, ctx = EFFECT[mode], f"topic page, {reader.kind} in {mode}"
    assert PLAIN_TITLE in html and details_around(html, PLAIN_TITLE) is None, ctx
    if effect == "show":
        assert f'<a class="thread-title" href="/threads/{world.self_harm["id"]}">{SH_TITLE}</a>' in html, ctx
        assert details_around(html, SH_TITLE) is None and hidden_count(html) == 0, ctx
    elif effect == "warn":
        notice = details_around(html, SH_TITLE)
        assert notice is not None and " open" not in notice.split(">", 1)[0], ctx
        summary = re.search(r"<summary>(.*?)</summary>", notice, re.S).group(1)
        assert says(summary, "A thread that mentions self-harm (added by the author)"), ctx
        assert SH_TITLE not in summary and hidden_count(html) == 0, ctx
    else:
        assert SH_TITLE not in html and not says(html.split("<main", 1)[1], "self-harm"), ctx
        assert hidden_count(html) == (2 if mode == "gentle" else 1), ctx  # gentle hides the "other" thread too
        assert '<a href="/settings/warnings">change</a>' in html, ctx


async def check_thread_page(reader: Reader, world: World, mode: str) -> None:
    r = await reader.page(f"/threads/{world.plain['id']}")
    html, effect, ctx = r.text, EFFECT[mode], f"thread page, {reader.kind} in {mode}"
    assert r.status_code == 200 and PLAIN_BODY in html and PLAIN_REPLY in html, ctx
    if effect == "show":
        assert SH_REPLY in html and details_around(html, SH_REPLY) is None, ctx
    elif effect == "warn":
        notice = details_around(html, SH_REPLY)
        assert notice is not None and not notice.startswith('<details class="warned" open'), ctx
        assert says(notice, "This post mentions self-harm (added by the author)"), ctx
        assert says(notice, "Show post"), ctx  # the control that reveals it, without JavaScript
        assert hidden_count(html) == 0, ctx
    else:
        assert SH_REPLY not in html, ctx
        assert hidden_count(html) == 1 and says(html, "1 post hidden by your settings"), ctx


async def check_tagged_thread_page(reader: Reader, world: World, mode: str) -> None:
    r = await reader.page(f"/threads/{world.self_harm['id']}")
    effect, ctx = EFFECT[mode], f"tagged thread page, {reader.kind} in {mode}"
    if effect == "hide":
        assert r.status_code == 404, ctx
        assert SH_TITLE not in r.text and SH_BODY not in r.text, ctx
        return
    assert r.status_code == 200, ctx
    head = head_of(r.text)
    if effect == "show":
        assert f"<title>{SH_TITLE} · Haven</title>" in head, ctx
        assert f"<h1>{SH_TITLE}</h1>" in r.text and details_around(r.text, SH_TITLE) is None, ctx
    else:
        assert SH_TITLE not in head and SH_BODY not in head, ctx
        assert "<title>A thread in Anxiety · Haven</title>" in head, ctx
        assert says(details_around(r.text, SH_TITLE), "This thread mentions self-harm"), ctx
        assert details_around(r.text, SH_BODY) is not None, ctx  # the thread's warning covers its posts
    assert '<meta name="description" content="A conversation in Anxiety on Haven.">' in head, ctx


async def check_home_page(reader: Reader, mode: str) -> None:
    expected = {"show": 3, "warn": 3, "default": 3, "hide": 2, "gentle": 1}[mode]
    assert says((await reader.page("/")).text, f"{expected} thread"), f"home page, {reader.kind} in {mode}"


async def check_api(reader: Reader, world: World, mode: str) -> None:
    effect, ctx = EFFECT[mode], f"API, {reader.kind} in {mode}"
    listing = (await reader.api("/api/v1/topics/anxiety/threads")).json()
    by_id = {t["id"]: t for t in listing["threads"]}
    assert by_id[world.plain["id"]]["warning_mode"] == "show" and by_id[world.plain["id"]]["warnings"] == [], ctx
    posts = (await reader.api(f"/api/v1/threads/{world.plain['id']}")).json()
    post_modes = {p["id"]: p["warning_mode"] for p in posts["posts"]}
    single = await reader.api(f"/api/v1/threads/{world.self_harm['id']}")
    if effect == "hide":
        assert world.self_harm["id"] not in by_id, ctx
        assert listing["hidden_by_settings"] == (2 if mode == "gentle" else 1), ctx
        assert world.sh_reply["id"] not in post_modes and posts["hidden_by_settings"] == 1, ctx
        assert single.status_code == 404, ctx
        for answer in (listing, posts, single.json()):
            assert "Marker-sh" not in str(answer), ctx
    else:
        assert by_id[world.self_harm["id"]]["warning_mode"] == effect, ctx
        assert by_id[world.self_harm["id"]]["warnings"] == ["self-harm"], ctx
        assert post_modes[world.sh_reply["id"]] == effect, ctx
        assert listing["hidden_by_settings"] == posts["hidden_by_settings"] == 0, ctx
        answer = single.json()
        assert answer["thread"]["warning_mode"] == effect, ctx
        assert [p["warning_mode"] for p in answer["posts"]] == [effect], ctx


@pytest.mark.parametrize("mode", list(EFFECT))
async def test_every_surface_follows_the_readers_choice_for_visitors_and_members(api, mode):
    """Topic page, thread pages with their <title> and <meta>, the home page's counts, and (for
    members, whose choices the API knows through their token) the thread list and threads."""
    world = await build_world(api)
    for kind in ("visitor", "member"):
        reader = await reader_in_mode(api, kind, mode)
        try:
            await check_topic_page(reader, world, mode)
            await check_thread_page(reader, world, mode)
            await check_tagged_thread_page(reader, world, mode)
            await check_home_page(reader, mode)
            if kind == "member":
                await check_api(reader, world, mode)
        finally:
            await reader.close()


async def test_a_visitors_api_calls_carry_no_session_so_the_defaults_apply(api):
    world = await build_world(api)
    visitor = await reader_in_mode(api, "visitor", "hide")
    listing = (await visitor.api("/api/v1/topics/anxiety/threads")).json()
    assert {t["id"]: t["warning_mode"] for t in listing["threads"]}[world.self_harm["id"]] == "warn"
    await visitor.close()


# --- the htmx reply fragment and revealing ---------------------------------------------------------


async def test_the_htmx_reply_fragment_shows_the_authors_own_tagged_reply_never_hiding_it(api):
    world = await build_world(api)
    for mode in ("show", "warn", "hide", "gentle"):
        reader = await reader_in_mode(api, "member", mode, name=f"reader-{mode}")
        words = f"Marker-my-own words in {mode}"
        r = await form_post(reader.browser, f"/threads/{world.plain['id']}",
                            {"body": words, "warnings": ["self-harm"]}, htmx=True)
        assert r.status_code == 200, r.text
        assert words in r.text, mode
        assert SH_REPLY not in r.text and SH_TITLE not in r.text, mode  # nothing but the reader's own post
        own = details_around(r.text, words)
        if mode == "show":
            assert own is None
        else:  # warned, or hidden for others: the author's own words are collapsed, never taken away
            assert says(own, "This post mentions self-harm"), mode
        await reader.close()


async def test_a_hidden_post_cannot_be_revealed_reacted_to_or_opened_for_editing(api):
    world = await build_world(api)
    reader = await reader_in_mode(api, "member", "hide")
    post_id = world.sh_reply["id"]
    r = await reader.browser.post(f"/api/v1/posts/{post_id}/reactions", json={"kind": "support"}, headers=reader.auth)
    assert r.status_code == 404 and SH_REPLY not in r.text
    r = await form_post(reader.browser, f"/posts/{post_id}/react", {"kind": "support"}, htmx=True)
    assert r.status_code == 404 and SH_REPLY not in r.text
    r = await reader.page(f"/posts/{post_id}/edit")
    assert r.status_code == 404 and SH_REPLY not in r.text
    await reader.close()


async def test_a_warned_post_is_revealed_by_opening_its_notice_and_then_reads_in_full(api):
    world = await build_world(api)
    reader = await reader_in_mode(api, "visitor", "warn")
    html = (await reader.page(f"/threads/{world.plain['id']}")).text
    notice = details_around(html, SH_REPLY)
    summary, body = notice.split("</summary>", 1)
    assert SH_REPLY not in summary  # the notice names the warning, not the content
    assert f"<p>{SH_REPLY}</p>" in body
    await reader.close()


# --- pages are not left short ----------------------------------------------------------------------


async def test_hiding_posts_does_not_leave_thread_pages_short(api):
    await api.member("writer")
    first = await thread(api, "writer", "A long thread", "opening")
    bodies = [(f"Marker-hidden-{n}", ["violence"]) if n % 3 == 0 else (f"Visible reply {n}", [])
              for n in range(1, 46)]
    await bulk_replies(api.client.app, "writer", first["id"], bodies)
    reader = await reader_in_mode(api, "member", "show")
    await reader.choose(violence="hide")
    visible = 1 + sum(1 for _, tags in bodies if not tags)  # 31
    html = (await reader.page(f"/threads/{first['id']}")).text
    assert html.count('class="post"') == 20
    assert hidden_count(html) == 15 and "Marker-hidden" not in html
    page2 = (await reader.page(f"/threads/{first['id']}?page=2")).text
    assert page2.count('class="post"') == visible - 20
    assert '<span aria-current="page">2</span>' in page2 and "?page=3" not in page2
    answer = (await reader.api(f"/api/v1/threads/{first['id']}")).json()
    assert (len(answer["posts"]), answer["total"], answer["pages"]) == (20, visible, 2)
    await reader.close()


async def test_hiding_threads_does_not_leave_topic_pages_short(api):
    from forum.accounts.services import AccountService
    from forum.discussions.writing import DiscussionWriter
    from forum.warnings.services import WarningInput

    await api.member("writer")
    async with api.client.app.state.db.session() as s:
        writer = await AccountService(s).by_username("writer")
        for n in range(40):
            tags = WarningInput(("violence",)) if n % 4 == 0 else WarningInput()
            await DiscussionWriter(s).create_thread(writer, "anxiety", f"Marker-t{n}-end", "words", tags)
    reader = await reader_in_mode(api, "visitor", "show")
    await reader.choose(violence="hide")
    html = (await reader.page("/topics/anxiety")).text
    assert html.count('class="thread-row') == 25
    assert hidden_count(html) == 10
    assert not any(f"Marker-t{n}-end" in html for n in range(0, 40, 4))
    page2 = (await reader.page("/topics/anxiety?page=2")).text
    assert page2.count('class="thread-row') == 5
    await reader.close()


# --- authors, "other", moderators ------------------------------------------------------------------


async def test_authors_see_their_own_tagged_content_even_when_they_hide_that_warning(api):
    world = await build_world(api)
    writer = await new_reader(api, "member", "writer")
    await writer.choose(self_harm="hide")
    topic = (await writer.page("/topics/anxiety")).text
    assert details_around(topic, SH_TITLE) is not None
    page = (await writer.page(f"/threads/{world.plain['id']}")).text
    assert details_around(page, SH_REPLY) is not None and hidden_count(page) == 0
    answer = (await writer.api(f"/api/v1/threads/{world.self_harm['id']}")).json()
    assert answer["thread"]["warning_mode"] == "warn" and answer["posts"][0]["warning_mode"] == "warn"
    await writer.close()


@pytest.mark.parametrize("mode", ["show", "warn", "hide"])
async def test_other_in_the_authors_own_words_behaves_like_any_warning(api, mode):
    world = await build_world(api)
    for kind in ("visitor", "member"):
        reader = await new_reader(api, kind)
        await reader.choose(other=mode)
        topic = (await reader.page("/topics/anxiety")).text
        page = await reader.page(f"/threads/{world.other['id']}")
        if mode == "show":
            assert OTHER_TITLE in topic and details_around(topic, OTHER_TITLE) is None, kind
            assert OTHER_WORDS in topic, kind
            assert OTHER_BODY in page.text and details_around(page.text, OTHER_BODY) is None, kind
        elif mode == "warn":
            assert says(details_around(topic, OTHER_TITLE), f"A thread that mentions {OTHER_WORDS}"), kind
            assert says(details_around(page.text, OTHER_BODY), f"This post mentions {OTHER_WORDS}"), kind
        else:
            assert OTHER_TITLE not in topic and OTHER_WORDS not in topic and hidden_count(topic) == 1, kind
            assert page.status_code == 404 and OTHER_BODY not in page.text, kind
        await reader.close()


async def test_other_without_words_of_its_own_is_refused(api):
    await api.member("writer")
    r = await api.post("/api/v1/topics/anxiety/threads", "writer",
                       json={"title": "t", "body": "b", "warnings": ["other"]})
    assert r.status_code == 400 and "warnings" in r.json()["fields"]


async def test_a_warning_added_by_a_moderator_says_so(api):
    world = await build_world(api)
    await api.member("mod", role="moderator")
    post_id = world.plain["post"]["id"]
    r = await api.call("PATCH", f"/api/v1/posts/{post_id}", "mod", json={"warnings": ["violence"]})
    assert r.status_code == 200, r.text
    assert r.json()["warning_details"] == [{"slug": "violence", "label": "Violence", "added_by": "moderator"}]
    reader = await new_reader(api, "visitor")
    await reader.choose(violence="warn")
    topic = (await reader.page("/topics/anxiety")).text
    assert says(details_around(topic, PLAIN_TITLE), "A thread that mentions violence (added by a moderator)")
    page = (await reader.page(f"/threads/{world.plain['id']}")).text
    assert says(details_around(page, PLAIN_BODY), "This post mentions violence (added by a moderator)")
    await reader.close()


async def test_a_moderator_adding_a_warning_keeps_the_authors_own_credited_to_the_author(api):
    world = await build_world(api)
    await api.member("mod", role="moderator")
    r = await api.call("PATCH", f"/api/v1/posts/{world.sh_reply['id']}", "mod",
                       json={"warnings": ["self-harm", "violence"]})
    assert r.status_code == 200, r.text
    assert {d["slug"]: d["added_by"] for d in r.json()["warning_details"]} == {"self-harm": "author",
                                                                              "violence": "moderator"}
    reader = await reader_in_mode(api, "visitor", "warn")
    page = (await reader.page(f"/threads/{world.plain['id']}")).text
    assert says(details_around(page, SH_REPLY), "(added by the author and a moderator)")
    await reader.close()


async def test_an_author_editing_cannot_drop_a_warning_a_moderator_added(api):
    world = await build_world(api)
    await api.member("mod", role="moderator")
    post_id = world.sh_reply["id"]
    await api.call("PATCH", f"/api/v1/posts/{post_id}", "mod", json={"warnings": ["self-harm", "violence"]})
    r = await api.call("PATCH", f"/api/v1/posts/{post_id}", "writer", json={"body": "reworded", "warnings": []})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == ["violence"]
    r = await api.call("PATCH", f"/api/v1/posts/{post_id}", "mod", json={"warnings": []})
    assert r.json()["warnings"] == []


async def test_editing_a_reply_on_the_page_keeps_its_own_warnings_and_not_its_threads(api):
    world = await build_world(api)
    in_tagged = await reply(api, "writer", world.self_harm["id"], "Marker-plain-in-tagged")
    await sign_in(api.client, "writer")
    form = (await api.client.get(f"/posts/{in_tagged['id']}/edit")).text
    assert not re.search(r'value="self-harm" checked', form), "the thread's warning is not the reply's own"
    r = await form_post(api.client, f"/posts/{in_tagged['id']}/edit", {"body": "Marker-plain-in-tagged, edited"})
    assert r.status_code in (302, 303)
    tagged_reply_form = (await api.client.get(f"/posts/{world.sh_reply['id']}/edit")).text
    assert re.search(r'value="self-harm" checked', tagged_reply_form)
    answer = (await api.get(f"/api/v1/threads/{world.self_harm['id']}", "writer")).json()
    edited = next(p for p in answer["posts"] if p["id"] == in_tagged["id"])
    assert edited["warnings"] == ["self-harm"]  # from the thread
    await api.call("PATCH", f"/api/v1/posts/{world.self_harm['post']['id']}", "writer", json={"warnings": []})
    answer = (await api.get(f"/api/v1/threads/{world.self_harm['id']}", "writer")).json()
    assert next(p for p in answer["posts"] if p["id"] == in_tagged["id"])["warnings"] == []
