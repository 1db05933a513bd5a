"""Topics, threads and posts through the JSON API (and the pages where the rule shows there)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, update

from forum.accounts.services import AccountService
from forum.discussions.models import Post, Thread
from forum.discussions.writing import DiscussionWriter
from forum.outbox.models import OutboxEvent
from tests.helpers.pages import another_browser, form_post, sign_in, text_of


async def start_thread(api: Any, who: str, title: str = "Mornings are hard", body: str = "Waking up anxious.",
                       topic: str = "anxiety", **extra: Any) -> dict[str, Any]:
    r = await api.post(f"/api/v1/topics/{topic}/threads", who, json={"title": title, "body": body, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def add_replies(app: Any, thread_id: int, author: str, count: int, start: int = 1) -> None:
    """Many replies at once, straight through the service (the API path is tested elsewhere)."""
    async with app.state.db.session() as s:
        member = await AccountService(s).by_username(author)
        service = DiscussionWriter(s)
        for n in range(start, start + count):
            await service.reply(member, thread_id, f"Reply number {n}.")


async def set_flags(app: Any, thread_id: int, **flags: bool) -> None:
    async with app.state.db.session() as s:
        moderator = await AccountService(s).by_username("mod")
        await DiscussionWriter(s).set_thread_flags(moderator, thread_id, **flags)


# --- topics ----------------------------------------------------------------------------------------


async def test_topics_are_listed_in_the_order_the_admins_chose(api):
    async with api.client.app.state.db.session() as s:
        service = DiscussionWriter(s)
        await service.save_topic("small-wins", "Small wins", "Good things", position=9)
        await service.save_topic("introductions", "Introductions", "Say hello", position=-1)
    r = await api.get("/api/v1/topics")
    assert [t["slug"] for t in r.json()["topics"]] == ["introductions", "anxiety", "small-wins"]
    page = text_of((await api.client.get("/")).text)
    assert page.index("Introductions") < page.index("Anxiety") < page.index("Small wins")


async def test_a_topic_counts_its_threads(api):
    await api.member("alice")
    await start_thread(api, "alice", "One")
    await start_thread(api, "alice", "Two")
    assert (await api.get("/api/v1/topics")).json()["topics"][0]["thread_count"] == 2
    assert "2 threads" in (await api.client.get("/")).text


# --- threads and replies ---------------------------------------------------------------------------


async def test_starting_a_thread_stores_the_title_and_the_rendered_first_post(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", "  First   week back  ", "I *made it* through.")
    assert thread["title"] == "First week back"
    assert thread["topic"] == "anxiety" and thread["author"] == "alice"
    assert thread["post"]["body_html"] == "<p>I <em>made it</em> through.</p>"
    assert thread["post"]["is_opening"] is True
    answer = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert answer["thread"]["title"] == "First week back"
    assert [p["body_html"] for p in answer["posts"]] == ["<p>I <em>made it</em> through.</p>"]
    post = answer["posts"][0]
    assert {"id", "thread_id", "author", "body_html", "warnings", "warning_mode", "status", "created_at"} <= set(post)


async def test_a_reply_is_added_to_the_thread_and_counted(api):
    await api.member("alice")
    await api.member("bob")
    thread = await start_thread(api, "alice")
    r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "bob", json={"body": "You're not alone."})
    assert r.status_code == 201, r.text
    reply = r.json()
    assert reply["author"] == "bob" and reply["thread_id"] == thread["id"]
    assert reply["crisis_resources"] is None
    answer = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert [p["author"] for p in answer["posts"]] == ["alice", "bob"]
    assert answer["thread"]["reply_count"] == 1
    assert answer["thread"]["last_activity_at"] > thread["last_activity_at"]


async def test_a_reply_on_the_page_without_javascript_goes_back_to_the_thread(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "Still here, a day later."})
    assert r.status_code in (302, 303)
    assert r.headers["location"] == f"/threads/{thread['id']}"
    assert "Still here, a day later." in (await api.client.get(r.headers["location"])).text


async def test_starting_a_thread_on_the_page_opens_it(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    form = await api.client.get("/topics/anxiety/new")
    assert form.status_code == 200 and 'name="title"' in form.text
    r = await form_post(api.client, "/topics/anxiety/new", {"title": "Panic on the bus", "body": "It passed."})
    assert r.status_code in (302, 303)
    page = await api.client.get(r.headers["location"])
    assert "<h1>Panic on the bus</h1>" in page.text and "<p>It passed.</p>" in page.text


# --- editing and deleting --------------------------------------------------------------------------


async def test_an_author_edits_their_post_which_is_re_rendered_and_marked_edited(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", body="Draft words")
    post_id = thread["post"]["id"]
    assert thread["post"]["edited_at"] is None
    r = await api.call("PATCH", f"/api/v1/posts/{post_id}", "alice", json={"body": "Better **words**"})
    assert r.status_code == 200, r.text
    assert r.json()["body_html"] == "<p>Better <strong>words</strong></p>"
    assert r.json()["edited_at"] is not None
    page = await api.client.get(f"/threads/{thread['id']}")
    assert "<p>Better <strong>words</strong></p>" in page.text and "Draft words" not in page.text
    assert "· edited" in page.text


async def test_an_author_can_retitle_their_thread_by_editing_the_opening_post(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", title="Old title")
    r = await api.call("PATCH", f"/api/v1/posts/{thread['post']['id']}", "alice", json={"title": "New title"})
    assert r.status_code == 200
    assert (await api.get(f"/api/v1/threads/{thread['id']}")).json()["thread"]["title"] == "New title"


async def test_nobody_else_may_edit_or_delete_a_post(api):
    await api.member("alice")
    await api.member("bob")
    thread = await start_thread(api, "alice", body="Mine")
    post_id = thread["post"]["id"]
    r = await api.call("PATCH", f"/api/v1/posts/{post_id}", "bob", json={"body": "Not yours"})
    assert r.status_code == 403
    assert r.json() == {"status_code": 403, "detail": "You can only change your own posts."}
    assert (await api.call("DELETE", f"/api/v1/posts/{post_id}", "bob")).status_code == 403
    await sign_in(api.client, "bob")
    assert (await form_post(api.client, f"/posts/{post_id}/edit", {"body": "Not yours"})).status_code == 403
    assert (await form_post(api.client, f"/posts/{post_id}/delete")).status_code == 403
    assert (await api.client.get(f"/posts/{post_id}/edit")).status_code == 403
    posts = (await api.get(f"/api/v1/threads/{thread['id']}")).json()["posts"]
    assert [p["body_html"] for p in posts] == ["<p>Mine</p>"]


async def test_a_moderator_may_edit_anyones_post(api):
    await api.member("alice")
    await api.member("mod", role="moderator")
    thread = await start_thread(api, "alice", body="Call me on 555 0100")
    r = await api.call("PATCH", f"/api/v1/posts/{thread['post']['id']}", "mod", json={"body": "(number removed)"})
    assert r.status_code == 200
    assert r.json()["body_html"] == "<p>(number removed)</p>"
    assert r.json()["author"] == "alice"


async def test_an_author_deletes_their_reply_and_readers_no_longer_see_it(api):
    await api.member("alice")
    await api.member("bob")
    thread = await start_thread(api, "alice")
    reply = (await api.post(f"/api/v1/threads/{thread['id']}/posts", "bob", json={"body": "Oops, wrong thread"})).json()
    r = await api.call("DELETE", f"/api/v1/posts/{reply['id']}", "bob")
    assert r.status_code == 200 and r.json()["status"] == "deleted"
    answer = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert [p["id"] for p in answer["posts"]] == [thread["post"]["id"]]
    assert answer["thread"]["reply_count"] == 0
    assert "Oops, wrong thread" not in (await api.client.get(f"/threads/{thread['id']}")).text
    assert (await api.call("PATCH", f"/api/v1/posts/{reply['id']}", "bob", json={"body": "back"})).status_code == 404


async def test_deleting_the_only_post_of_a_thread_on_the_page_deletes_the_thread(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, f"/posts/{thread['post']['id']}/delete")
    assert r.status_code in (302, 303) and r.headers["location"] == "/"
    assert (await api.client.get(f"/threads/{thread['id']}")).status_code == 404
    assert (await api.get("/api/v1/topics/anxiety/threads")).json()["threads"] == []


# --- pages of posts and threads --------------------------------------------------------------------


async def test_a_thread_shows_twenty_posts_a_page_with_numbered_pages(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", body="Reply number 0.")
    await add_replies(api.client.app, thread["id"], "alice", 44)
    first = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert (first["page"], first["pages"], first["total"]) == (1, 3, 45)
    assert len(first["posts"]) == 20
    second = (await api.get(f"/api/v1/threads/{thread['id']}?page=2")).json()
    assert [p["body_html"] for p in second["posts"]] == [f"<p>Reply number {n}.</p>" for n in range(20, 40)]
    third = (await api.get(f"/api/v1/threads/{thread['id']}?page=3")).json()
    assert len(third["posts"]) == 5
    page = await api.client.get(f"/threads/{thread['id']}?page=2")
    assert page.text.count('class="post"') == 20
    assert '<span aria-current="page">2</span>' in page.text
    for n in (1, 3):
        assert f'href="/threads/{thread["id"]}?page={n}"' in page.text
    assert "Reply number 19." not in page.text and "Reply number 20." in page.text


async def test_a_page_number_past_the_end_shows_the_last_page(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    await add_replies(api.client.app, thread["id"], "alice", 21)
    answer = (await api.get(f"/api/v1/threads/{thread['id']}?page=99")).json()
    assert answer["page"] == 2 and len(answer["posts"]) == 2


async def test_a_topic_lists_threads_by_last_activity_with_pinned_threads_first(api):
    await api.member("alice")
    await api.member("mod", role="moderator")
    quiet = await start_thread(api, "alice", "Quiet thread")
    busy = await start_thread(api, "alice", "Busy thread")
    rules = await start_thread(api, "mod", "Welcome and guidelines")
    newest = await start_thread(api, "alice", "Newest thread")
    await set_flags(api.client.app, rules["id"], pinned=True)
    async with api.client.app.state.db.session() as s:  # make the order of activity unmistakable
        base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        for offset, thread in enumerate((rules, quiet, busy, newest)):
            await s.execute(update(Thread).where(Thread.id == thread["id"])
                            .values(last_activity_at=base + dt.timedelta(hours=offset)))
        await s.commit()
    await api.post(f"/api/v1/threads/{busy['id']}/posts", "alice", json={"body": "bump"})
    titles = [t["title"] for t in (await api.get("/api/v1/topics/anxiety/threads")).json()["threads"]]
    assert titles == ["Welcome and guidelines", "Busy thread", "Newest thread", "Quiet thread"]
    page = text_of((await api.client.get("/topics/anxiety")).text)
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "Pinned" in page


async def test_a_topic_shows_twenty_five_threads_a_page(api):
    await api.member("alice")
    async with api.client.app.state.db.session() as s:
        alice = await AccountService(s).by_username("alice")
        for n in range(27):
            await DiscussionWriter(s).create_thread(alice, "anxiety", f"Thread {n}", "body")
    first = (await api.get("/api/v1/topics/anxiety/threads")).json()
    assert (len(first["threads"]), first["pages"], first["total"]) == (25, 2, 27)
    second = (await api.get("/api/v1/topics/anxiety/threads?page=2")).json()
    assert len(second["threads"]) == 2
    assert '<span aria-current="page">2</span>' in (await api.client.get("/topics/anxiety?page=2")).text


# --- locked threads --------------------------------------------------------------------------------


async def test_a_locked_thread_refuses_replies_with_a_clear_message(api):
    await api.member("alice")
    await api.member("bob")
    await api.member("mod", role="moderator")
    thread = await start_thread(api, "alice")
    await set_flags(api.client.app, thread["id"], locked=True)
    r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "bob", json={"body": "Late reply"})
    assert r.status_code == 403
    assert r.json()["detail"] == "This thread is closed to new replies. You're welcome to start a new thread."
    await sign_in(api.client, "bob")
    page = await api.client.get(f"/threads/{thread['id']}")
    assert "This thread is closed to new replies." in page.text
    assert 'id="reply-form"' not in page.text
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "Late reply"})
    assert r.status_code == 403 and "closed to new replies" in r.text
    assert (await api.get(f"/api/v1/threads/{thread['id']}")).json()["thread"]["reply_count"] == 0
    r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "mod", json={"body": "Closing note"})
    assert r.status_code == 201  # moderators may still post in a locked thread


# --- bad input -------------------------------------------------------------------------------------


BAD_THREADS = [
    ("", "words", "title", "Give your thread a title, so others can find it."),
    ("   ", "words", "title", "Give your thread a title, so others can find it."),
    ("t" * 201, "words", "title", "Keep the title under 200 characters (it's 201 now)."),
    ("A title", "", "body", "Write something before posting. Even a few words are welcome."),
    ("A title", " \n ", "body", "Write something before posting. Even a few words are welcome."),
    ("A title", "b" * 50_001, "body",
     "That's longer than we can take (50,001 of 50,000 characters). Could you split it?"),
]


async def test_an_empty_or_over_long_thread_is_refused_with_a_kind_message(api):
    await api.member("alice")
    for title, body, field, message in BAD_THREADS:
        r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": title, "body": body})
        assert r.status_code == 400, (title[:10], body[:10])
        assert r.json()["status_code"] == 400
        assert r.json()["fields"][field] == message
    assert (await api.get("/api/v1/topics/anxiety/threads")).json()["total"] == 0


async def test_the_longest_allowed_title_and_body_are_accepted(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", "t" * 200, "b" * 50_000)
    assert len(thread["title"]) == 200
    r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "alice", json={"body": "c" * 50_000})
    assert r.status_code == 201


async def test_an_empty_or_over_long_reply_or_edit_is_refused(api):
    await api.member("alice")
    thread = await start_thread(api, "alice", body="Kept")
    for body in ("", "x" * 50_001):
        r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "alice", json={"body": body})
        assert r.status_code == 400 and "body" in r.json()["fields"]
        r = await api.call("PATCH", f"/api/v1/posts/{thread['post']['id']}", "alice", json={"body": body})
        assert r.status_code == 400 and "body" in r.json()["fields"]
    r = await api.call("PATCH", f"/api/v1/posts/{thread['post']['id']}", "alice", json={"title": "x" * 201})
    assert r.status_code == 400 and "title" in r.json()["fields"]
    answer = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert [p["body_html"] for p in answer["posts"]] == ["<p>Kept</p>"]


async def test_the_page_form_keeps_what_was_typed_and_shows_the_error_next_to_the_field(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/topics/anxiety/new", {"title": "", "body": "My words, kept"})
    assert r.status_code == 400
    assert 'id="title-error"' in r.text and "Give your thread a title" in r.text
    assert "My words, kept" in r.text


async def test_unknown_topics_threads_and_posts_are_404(api):
    await api.member("alice")
    for path in ("/api/v1/topics/no-such-topic/threads", "/api/v1/threads/999999"):
        r = await api.get(path)
        assert r.status_code == 404
        assert r.json()["status_code"] == 404 and r.json()["detail"]
    r = await api.post("/api/v1/topics/no-such-topic/threads", "alice", json={"title": "t", "body": "b"})
    assert r.status_code == 404
    r = await api.post("/api/v1/threads/999999/posts", "alice", json={"body": "b"})
    assert r.status_code == 404
    r = await api.call("PATCH", "/api/v1/posts/999999", "alice", json={"body": "b"})
    assert r.status_code == 404
    for path in ("/topics/no-such-topic", "/threads/999999"):
        page = await api.client.get(path)
        assert page.status_code == 404
        assert "We couldn" in page.text and "<html" in page.text


async def test_writing_needs_a_signed_in_member_401_on_the_api(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    for method, path, body in [
        ("POST", "/api/v1/topics/anxiety/threads", {"title": "t", "body": "b"}),
        ("POST", f"/api/v1/threads/{thread['id']}/posts", {"body": "b"}),
        ("PATCH", f"/api/v1/posts/{thread['post']['id']}", {"body": "b"}),
        ("DELETE", f"/api/v1/posts/{thread['post']['id']}", None),
        ("POST", "/api/v1/posts/preview", {"body": "b"}),
        ("GET", "/api/v1/me", None),
    ]:
        r = await api.client.request(method, path, json=body)
        assert r.status_code == 401, (method, path)
        assert r.json()["status_code"] == 401
    r = await api.client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert r.status_code == 401


async def test_pages_that_need_a_member_send_visitors_to_sign_in_and_back(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    for path in ("/topics/anxiety/new", f"/posts/{thread['post']['id']}/edit", "/settings/account"):
        r = await api.client.get(path)
        assert r.status_code in (302, 303), path
        location = urlsplit(r.headers["location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]
    visitor = await api.client.get(f"/threads/{thread['id']}")
    assert f'/login?next=/threads/{thread["id"]}' in visitor.text
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "sneaky"})
    assert r.status_code == 401
    assert (await api.get(f"/api/v1/threads/{thread['id']}")).json()["thread"]["reply_count"] == 0


# --- preview ---------------------------------------------------------------------------------------


async def test_preview_renders_the_body_and_stores_nothing(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")

    async def counts() -> tuple[int, int, int]:
        async with api.client.app.state.db.session() as s:
            return (await s.scalar(select(func.count()).select_from(Post)),
                    await s.scalar(select(func.count()).select_from(Thread)),
                    await s.scalar(select(func.count()).select_from(OutboxEvent)))

    before = await counts()
    r = await api.post("/api/v1/posts/preview", "alice", json={"body": "Hello *there* <script>x()</script>"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["body_html"].startswith("<p>Hello <em>there</em>")
    assert "<script" not in answer["body_html"]
    assert answer["suggested_warnings"] == []
    assert answer["crisis_resources"] is None
    assert await counts() == before
    assert (await api.get(f"/api/v1/threads/{thread['id']}")).json()["total"] == 1


async def test_preview_of_nothing_is_a_400_not_a_crash(api):
    await api.member("alice")
    r = await api.post("/api/v1/posts/preview", "alice", json={"body": "   "})
    assert r.status_code == 400 and "body" in r.json()["fields"]


async def test_the_preview_button_works_without_javascript(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/topics/anxiety/new",
                        {"title": "Draft", "body": "Seeing **how** it looks", "action": "preview"})
    assert r.status_code == 200
    assert "<strong>how</strong>" in r.text and 'aria-label="Preview"' in r.text
    assert (await api.get("/api/v1/topics/anxiety/threads")).json()["total"] == 0


# --- the outbox ------------------------------------------------------------------------------------


async def test_posting_writes_an_outbox_event_with_the_post(api):
    await api.member("alice")
    thread = await start_thread(api, "alice")
    reply = (await api.post(f"/api/v1/threads/{thread['id']}/posts", "alice", json={"body": "more"})).json()
    async with api.client.app.state.db.session() as s:
        events = list(await s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "post.created")
                                      .order_by(OutboxEvent.id)))
    assert [e.payload["post_id"] for e in events] == [thread["post"]["id"], reply["id"]]
    assert all(e.payload["thread_id"] == thread["id"] and e.done_at is None for e in events)


async def test_a_post_and_its_event_are_stored_together_or_not_at_all(api, monkeypatch):
    from forum.discussions import writing
    from forum.outbox import events

    await api.member("alice")
    thread = await start_thread(api, "alice")

    def broken_emit(session: Any, kind: str, **payload: Any) -> OutboxEvent:
        return events.emit(session, kind, **payload, unstorable=object())  # fails when the transaction commits

    monkeypatch.setattr(writing, "emit", broken_emit)
    r = await api.post(f"/api/v1/threads/{thread['id']}/posts", "alice", json={"body": "Lost in the crash"})
    assert r.status_code == 500
    assert r.json()["detail"].startswith("Something went wrong on our side.")
    monkeypatch.undo()
    async with api.client.app.state.db.session() as s:
        lost = select(func.count()).select_from(Post).where(Post.body_source == "Lost in the crash")
        assert await s.scalar(lost) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxEvent)) == 1  # the thread's own
    answer = (await api.get(f"/api/v1/threads/{thread['id']}")).json()
    assert answer["total"] == 1 and answer["thread"]["reply_count"] == 0


async def test_two_members_writing_at_once_each_keep_their_own_session(api):
    await api.member("alice")
    await api.member("bob")
    thread = await start_thread(api, "alice")
    bob = another_browser(api.client)
    async with bob:
        await sign_in(api.client, "alice")
        await sign_in(bob, "bob")
        await form_post(api.client, f"/threads/{thread['id']}", {"body": "from alice"})
        await form_post(bob, f"/threads/{thread['id']}", {"body": "from bob"})
    posts = (await api.get(f"/api/v1/threads/{thread['id']}")).json()["posts"]
    assert [(p["author"], p["body_html"]) for p in posts[1:]] == [("alice", "<p>from alice</p>"),
                                                                  ("bob", "<p>from bob</p>")]
