"""The HTML pages: CSRF on every form, htmx fragments, and pages that work without JavaScript."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers.pages import CSRF_COOKIE, csrf_token, form_post, sign_in, signed_in_as, text_of


async def _thread(api: Any, who: str = "alice", body: str = "Opening words.") -> dict[str, Any]:
    r = await api.post("/api/v1/topics/anxiety/threads", who, json={"title": "Evenings", "body": body})
    assert r.status_code == 201, r.text
    return r.json()


# --- CSRF ------------------------------------------------------------------------------------------


async def test_a_page_gives_the_browser_a_csrf_cookie_and_puts_the_token_in_its_forms(client):
    r = await client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    assert f'name="_csrf_token" value="{token}"' in r.text


async def test_a_form_post_without_a_csrf_token_is_refused(api):
    await api.member("alice")
    await csrf_token(api.client)  # the cookie alone is not enough
    r = await api.client.post("/login", data={"username": "alice", "password": "a-long-password-123"})
    assert r.status_code == 403
    assert "This form has expired" in text_of(r.text)
    assert signed_in_as((await api.client.get("/")).text) is None


async def test_a_form_post_with_a_wrong_csrf_token_is_refused(api):
    await api.member("alice")
    real = await csrf_token(api.client)
    forged = ("0" if real[0] != "0" else "1") + real[1:]
    for token in (forged, "not-a-token", ""):
        r = await api.client.post("/login", data={"username": "alice", "password": "a-long-password-123",
                                                  "_csrf_token": token})
        assert r.status_code == 403, token
    assert signed_in_as((await api.client.get("/")).text) is None


async def test_a_form_post_without_the_csrf_cookie_is_refused_even_with_a_token(api):
    await api.member("alice")
    token = await csrf_token(api.client)
    api.client.cookies.clear()
    r = await api.client.post("/login", data={"username": "alice", "password": "a-long-password-123",
                                              "_csrf_token": token})
    assert r.status_code == 403


async def test_a_reply_form_post_without_csrf_stores_nothing(api):
    await api.member("alice")
    thread = await _thread(api)
    await sign_in(api.client, "alice")
    r = await api.client.post(f"/threads/{thread['id']}", data={"body": "forged reply"})
    assert r.status_code == 403
    assert (await api.get(f"/api/v1/threads/{thread['id']}")).json()["total"] == 1


async def test_htmx_sends_the_token_as_a_header(api):
    await api.member("alice")
    thread = await _thread(api)
    await sign_in(api.client, "alice")
    page = await api.client.get(f"/threads/{thread['id']}")
    token = api.client.cookies.get(CSRF_COOKIE)
    assert f'"x-csrftoken": "{token}"' in page.text  # on <body hx-headers=...>
    r = await api.client.post(f"/threads/{thread['id']}", data={"body": "by header"},
                              headers={"x-csrftoken": token, "hx-request": "true"})
    assert r.status_code == 200, r.text


async def test_the_json_api_needs_no_csrf_token(api):
    await api.member("alice")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": "t", "body": "b"})
    assert r.status_code == 201


# --- htmx ------------------------------------------------------------------------------------------


async def test_an_htmx_reply_answers_with_a_fragment_holding_the_post_and_a_fresh_form(api):
    await api.member("alice")
    thread = await _thread(api)
    await sign_in(api.client, "alice")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "In place, **kindly**."}, htmx=True)
    assert r.status_code == 200
    assert "<html" not in r.text and "<!doctype" not in r.text.lower()
    posts = re.search(r'<div id="posts" hx-swap-oob="beforeend">(.*?)</div>\s*<div id="composer-notice"', r.text, re.S)
    assert posts, r.text
    assert "<p>In place, <strong>kindly</strong>.</p>" in posts.group(1)
    form = re.search(r'<form [^>]*id="reply-form".*?</form>', r.text, re.S).group(0)
    assert re.search(r'<textarea id="body"[^>]*></textarea>', form), "the reply form is reset"
    assert "Your reply is posted." in r.text
    page = await api.client.get(f"/threads/{thread['id']}")
    assert "<p>In place, <strong>kindly</strong>.</p>" in page.text


async def test_an_htmx_reply_with_nothing_in_it_answers_with_the_form_and_its_error(api):
    await api.member("alice")
    thread = await _thread(api)
    await sign_in(api.client, "alice")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "  "}, htmx=True)
    assert r.status_code == 400
    assert "<html" not in r.text and 'id="reply-form"' in r.text
    assert 'id="body-error"' in r.text and "Write something before posting" in r.text
    assert 'hx-swap-oob' not in r.text


async def test_a_reply_with_nothing_in_it_without_javascript_shows_the_page_with_the_error(api):
    await api.member("alice")
    thread = await _thread(api)
    await sign_in(api.client, "alice")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": ""})
    assert r.status_code == 400
    assert "<html" in r.text and 'id="body-error"' in r.text
    assert "Opening words." in r.text


async def test_the_live_preview_fragment_renders_the_body(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/posts/preview", {"body": "Some *care*", "show_body": "1"}, htmx=True)
    assert r.status_code == 200
    assert "<html" not in r.text and "<p>Some <em>care</em></p>" in r.text


# --- editing on the page ---------------------------------------------------------------------------


async def test_the_edit_page_holds_the_markdown_as_written_and_saving_marks_the_post_edited(api):
    await api.member("alice")
    thread = await _thread(api, body="First *draft*")
    post_id = thread["post"]["id"]
    await sign_in(api.client, "alice")
    form = await api.client.get(f"/posts/{post_id}/edit")
    assert form.status_code == 200
    assert "First *draft*</textarea>" in form.text
    r = await form_post(api.client, f"/posts/{post_id}/edit", {"title": "Evenings", "body": "Second **go**"})
    assert r.status_code in (302, 303)
    assert r.headers["location"] == f"/threads/{thread['id']}#post-{post_id}"
    page = await api.client.get(f"/threads/{thread['id']}")
    assert "<p>Second <strong>go</strong></p>" in page.text and "· edited" in page.text


async def test_the_edit_and_delete_controls_show_only_on_posts_the_reader_may_change(api):
    await api.member("alice")
    await api.member("bob")
    thread = await _thread(api)
    reply = (await api.post(f"/api/v1/threads/{thread['id']}/posts", "bob", json={"body": "hi"})).json()
    await sign_in(api.client, "bob")
    page = await api.client.get(f"/threads/{thread['id']}")
    assert f'href="/posts/{reply["id"]}/edit"' in page.text
    assert f'href="/posts/{thread["post"]["id"]}/edit"' not in page.text


# --- pages for everyone ----------------------------------------------------------------------------


async def test_pages_have_a_skip_link_a_main_region_and_labelled_fields(api):
    for path in ("/", "/login", "/register", "/topics/anxiety", "/settings/warnings"):
        r = await api.client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="en">' in r.text
        assert '<a class="skip-link" href="#main">' in r.text and '<main id="main"' in r.text
        for field_id in re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', r.text):
            assert f'for="{field_id}"' in r.text, f"{path}: #{field_id} has no label"


async def test_a_visitor_reads_a_thread_and_is_invited_to_sign_in_to_reply(api):
    await api.member("alice")
    thread = await _thread(api)
    page = await api.client.get(f"/threads/{thread['id']}")
    assert page.status_code == 200
    assert "Opening words." in page.text
    assert 'id="reply-form"' not in page.text
    assert f'href="/login?next=/threads/{thread["id"]}"' in page.text


async def test_htmx_is_served_from_static(client):
    r = await client.get("/static/vendor/htmx.min.js")
    assert r.status_code == 200 and "htmx" in r.text[:2000]
    assert '<script src="/static/vendor/htmx.min.js"' in (await client.get("/")).text


async def test_the_openapi_schema_describes_the_json_api(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/topics", "/api/v1/threads/{thread_id}",
                 "/api/v1/posts/preview", "/api/v1/me/warning-preferences"):
        assert path in paths, path


async def test_markup_in_a_title_or_post_reaches_every_page_as_text_only(api):
    await api.member("alice")
    title = '<script>alert("t")</script><img src=x onerror=alert(1)>'
    body = '<svg onload=alert(1)> [click](javascript:alert(2)) <a href="https://example.org">x</a> https://example.org'
    r = await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": title, "body": body})
    assert r.status_code == 201
    thread_id = r.json()["id"]
    for path in ("/topics/anxiety", f"/threads/{thread_id}", "/members/alice"):
        html = (await api.client.get(path)).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, path
        assert 'href="javascript:' not in html, path
    thread_page = (await api.client.get(f"/threads/{thread_id}")).text
    assert "&lt;script&gt;" in thread_page  # shown, as text
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in thread_page
    answer = (await api.get(f"/api/v1/threads/{thread_id}")).json()
    assert answer["thread"]["title"] == title  # stored as written; pages escape it
    assert "<svg" not in answer["posts"][0]["body_html"] and 'href="javascript' not in answer["posts"][0]["body_html"]
