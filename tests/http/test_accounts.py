"""Members: joining with a pseudonym, signing in and out, passwords, their own data, roles."""

from __future__ import annotations

import asyncio
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select

from forum.accounts.models import ApiToken, Member
from forum.discussions.models import Post
from tests.helpers.pages import (
    PASSWORD,
    another_browser,
    form_post,
    register_page,
    sign_in,
    sign_out,
    signed_in_as,
    text_of,
)

# --- joining ---------------------------------------------------------------------------------------


async def _member_row(app: Any, name: str) -> Member | None:
    async with app.state.db.session() as s:
        return await s.scalar(select(Member).where(Member.username_key == name.lower()))


async def test_joining_needs_only_a_pseudonym_and_a_password(client):
    r = await client.post("/api/v1/auth/register", json={"username": "quiet.river", "password": PASSWORD})
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["username"] == "quiet.river"
    assert answer["role"] == "member"
    assert "password" not in r.text and "email" not in answer
    member = await _member_row(client.app, "quiet.river")
    assert member is not None and member.email is None


async def test_an_email_address_is_kept_when_given_and_checked_for_shape(client):
    r = await client.post("/api/v1/auth/register",
                          json={"username": "robin", "password": PASSWORD, "email": "robin@example.org"})
    assert r.status_code == 201
    assert (await _member_row(client.app, "robin")).email == "robin@example.org"
    r = await client.post("/api/v1/auth/register", json={"username": "wren", "password": PASSWORD, "email": "nope"})
    assert r.status_code == 400
    assert "email" in r.json()["fields"]


async def test_a_name_is_taken_whatever_its_capitals(client):
    first = await client.post("/api/v1/auth/register", json={"username": "Willow", "password": PASSWORD})
    assert first.status_code == 201
    r = await client.post("/api/v1/auth/register", json={"username": "wILLOW", "password": PASSWORD})
    assert r.status_code == 409
    body = r.json()
    assert body["status_code"] == 409
    assert "already taken" in body["detail"]
    assert "username" in body["fields"]
    async with client.app.state.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == 1


async def test_a_weak_password_is_refused_with_a_message_next_to_the_field(client):
    r = await client.post("/api/v1/auth/register", json={"username": "fern", "password": "short"})
    assert r.status_code == 400
    assert r.json()["fields"]["password"] == "Use at least 10 characters for your password."
    assert await _member_row(client.app, "fern") is None


async def test_an_unusable_name_is_refused_kindly(client):
    r = await client.post("/api/v1/auth/register", json={"username": "a b", "password": PASSWORD})
    assert r.status_code == 400
    assert "doesn't need to be your real name" in r.json()["fields"]["username"]


async def test_the_join_page_shows_each_problem_next_to_its_field(client):
    r = await register_page(client, "x", password="short")
    assert r.status_code == 400
    assert 'id="username-error"' in r.text
    assert 'id="password-error"' in r.text and "Use at least 10 characters" in r.text
    assert 'value="x"' in r.text  # what was typed is kept


async def test_joining_on_the_page_signs_the_new_member_in(client):
    r = await register_page(client, "marigold")
    assert r.status_code in (302, 303) and r.headers["location"] == "/"
    home = await client.get("/")
    assert signed_in_as(home.text) == "marigold"
    assert "Welcome, marigold." in home.text


async def test_only_an_argon2id_hash_of_the_password_is_stored(client):
    await client.post("/api/v1/auth/register", json={"username": "heron", "password": PASSWORD})
    member = await _member_row(client.app, "heron")
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash
    assert PasswordHasher().verify(member.password_hash, PASSWORD)


# --- signing in and out ----------------------------------------------------------------------------


async def test_a_wrong_password_gets_the_same_answer_as_an_unknown_name(api):
    await api.member("alice")
    wrong = await api.post("/api/v1/auth/token", json={"username": "alice", "password": "not-her-password"})
    unknown = await api.post("/api/v1/auth/token", json={"username": "nobody-here", "password": "not-her-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_the_sign_in_page_says_the_same_for_a_wrong_password_and_an_unknown_name(api):
    await api.member("alice")
    wrong = await form_post(api.client, "/login", {"username": "alice", "password": "not-her-password"})
    unknown = await form_post(api.client, "/login", {"username": "nobody-here", "password": "not-her-password"})
    assert wrong.status_code == unknown.status_code == 400
    assert "didn't match" in text_of(wrong.text)
    assert wrong.text.replace("alice", "NAME") == unknown.text.replace("nobody-here", "NAME")


async def test_signing_in_takes_the_member_where_they_were_going_and_only_within_the_site(api):
    await api.member("alice")
    r = await sign_in(api.client, "alice", next="/topics/anxiety")
    assert r.headers["location"] == "/topics/anxiety"
    await sign_out(api.client)
    r = await sign_in(api.client, "alice", next="//evil.example/phish")
    assert r.headers["location"] == "/"


async def test_signing_in_is_case_insensitive_for_the_name(api):
    await api.member("Alice")
    r = await api.post("/api/v1/auth/token", json={"username": "ALICE", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["token"]


async def test_signing_out_ends_the_session(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    assert signed_in_as((await api.client.get("/")).text) == "alice"
    r = await sign_out(api.client)
    assert r.status_code in (302, 303)
    assert signed_in_as((await api.client.get("/")).text) is None
    r = await api.client.get("/settings/account")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


# --- passwords -------------------------------------------------------------------------------------


async def test_changing_the_password_signs_out_every_other_session_and_token(api):
    token = await api.member("alice")
    here, elsewhere = api.client, another_browser(api.client)
    async with elsewhere:
        await sign_in(here, "alice")
        await sign_in(elsewhere, "alice")
        r = await form_post(here, "/settings/account/password",
                            {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"})
        assert r.status_code in (302, 303)
        assert signed_in_as((await here.get("/")).text) == "alice", "the device that changed it stays signed in"
        assert signed_in_as((await elsewhere.get("/")).text) is None
        assert (await elsewhere.get("/settings/account")).status_code in (302, 303)
    assert (await api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    old = await api.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    new = await api.post("/api/v1/auth/token", json={"username": "alice", "password": "a-brand-new-passphrase"})
    assert old.status_code == 401 and new.status_code == 200
    async with api.client.app.state.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ApiToken)) == 1  # only the new one


async def test_a_password_change_needs_the_current_password(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/settings/account/password",
                        {"current_password": "not-the-password", "new_password": "a-brand-new-passphrase"})
    assert r.status_code == 400
    assert "That isn't your current password" in text_of(r.text)
    assert (await api.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})).status_code == 200


# --- my data ---------------------------------------------------------------------------------------


async def _thread_with_reply(api: Any, author: str = "alice", replier: str = "bob") -> int:
    r = await api.post("/api/v1/topics/anxiety/threads", author,
                       json={"title": "Mornings are hard", "body": "Waking up with a racing heart.", "warnings": []})
    assert r.status_code == 201, r.text
    thread_id = r.json()["id"]
    r = await api.post(f"/api/v1/threads/{thread_id}/posts", replier, json={"body": "Same here, every day."})
    assert r.status_code == 201, r.text
    return thread_id


async def test_a_member_can_download_everything_they_wrote_as_json(api):
    await api.member("alice")
    await api.member("bob")
    thread_id = await _thread_with_reply(api, "bob", "alice")
    await api.post(f"/api/v1/threads/{thread_id}/posts", "alice", json={"body": "And the evenings too."})
    r = await api.get("/api/v1/me/export", "alice")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["member"]["username"] == "alice"
    assert [p["body"] for p in data["posts"]] == ["Same here, every day.", "And the evenings too."]
    assert all(p["thread_title"] == "Mornings are hard" for p in data["posts"])
    assert "password" not in r.text and "$argon2" not in r.text


async def test_the_account_page_offers_the_same_export_as_a_file(api):
    await api.member("alice")
    await api.member("bob")
    await _thread_with_reply(api, "alice", "bob")
    await sign_in(api.client, "alice")
    r = await api.client.get("/settings/account/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert 'filename="haven-alice-export.json"' in r.headers["content-disposition"]
    assert [p["body"] for p in r.json()["posts"]] == ["Waking up with a racing heart."]


# --- deleting an account ---------------------------------------------------------------------------


async def test_deleting_an_account_and_its_posts_removes_them_for_every_reader(api):
    await api.member("alice")
    await api.member("bob")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice",
                       json={"title": "Alice's own thread", "body": "Alice opening words."})
    own_thread = r.json()["id"]
    r = await api.post("/api/v1/topics/anxiety/threads", "bob", json={"title": "Bob's thread", "body": "Bob asks."})
    bobs_thread = r.json()["id"]
    await api.post(f"/api/v1/threads/{bobs_thread}/posts", "alice", json={"body": "Alice answers Bob."})
    r = await api.call("DELETE", "/api/v1/me", "alice", json={"password": PASSWORD, "remove_posts": True})
    assert r.status_code == 200, r.text
    assert (await api.get(f"/api/v1/threads/{own_thread}")).status_code == 404
    assert (await api.client.get(f"/threads/{own_thread}")).status_code == 404
    page = await api.client.get(f"/threads/{bobs_thread}")
    assert "Alice answers Bob." not in page.text
    assert "Bob asks." in page.text
    assert [p["author"] for p in (await api.get(f"/api/v1/threads/{bobs_thread}")).json()["posts"]] == ["bob"]
    topic = (await api.get("/api/v1/topics/anxiety/threads")).json()
    assert [t["title"] for t in topic["threads"]] == ["Bob's thread"]
    assert topic["threads"][0]["reply_count"] == 0
    async with api.client.app.state.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Post).where(Post.body_source.contains("Alice"))) == 0
    assert (await api.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})).status_code == 401


async def test_deleting_an_account_but_keeping_the_posts_shows_them_as_a_former_members(api):
    await api.member("alice")
    await api.member("bob")
    thread_id = await _thread_with_reply(api, "alice", "bob")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/settings/account/delete", {"posts": "keep", "password": PASSWORD})
    assert r.status_code == 200
    assert "Your account is deleted" in r.text
    answer = (await api.get(f"/api/v1/threads/{thread_id}")).json()
    assert answer["thread"]["author"] == "Former member"
    assert [p["author"] for p in answer["posts"]] == ["Former member", "bob"]
    page = await api.client.get(f"/threads/{thread_id}")
    assert "Waking up with a racing heart." in page.text and "Former member" in page.text
    assert "alice" not in page.text
    assert signed_in_as(page.text) is None


async def test_an_account_is_only_deleted_with_its_password(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    r = await form_post(api.client, "/settings/account/delete", {"posts": "remove", "password": "not-the-password"})
    assert r.status_code == 400
    assert "nothing was deleted" in r.text
    r = await api.call("DELETE", "/api/v1/me", "alice", json={"password": "not-the-password"})
    assert r.status_code == 401
    assert await _member_row(api.client.app, "alice") is not None


# --- roles -----------------------------------------------------------------------------------------


async def test_members_moderators_and_admins_have_their_roles(api):
    await api.member("alice")
    await api.member("mod", role="moderator")
    await api.member("boss", role="admin")
    assert [(await api.get("/api/v1/me", name)).json()["role"] for name in ("alice", "mod", "boss")] == [
        "member", "moderator", "admin"]


async def test_only_admins_open_the_admin_page(api):
    await api.member("mod", role="moderator")
    await api.member("boss", role="admin")
    moderator, admin = api.client, another_browser(api.client)
    async with admin:
        await sign_in(moderator, "mod")
        await sign_in(admin, "boss")
        assert (await moderator.get("/admin")).status_code == 403
        r = await admin.get("/admin")
        assert r.status_code == 200 and "Content warnings" in r.text
        assert '<a href="/admin">Admin</a>' in r.text
        assert '<a href="/admin">Admin</a>' not in (await moderator.get("/")).text


def test_the_createadmin_command_makes_an_admin_and_promotes_an_existing_member(settings):
    from click.testing import CliRunner

    from forum.cli import main

    env = {"FORUM_DATABASE_URL": settings.database_url, "FORUM_DATA_DIR": str(settings.data_dir),
           "FORUM_SECRET_KEY": settings.secret_key, "FORUM_FAST_PASSWORD_HASHING": "1"}
    runner = CliRunner()
    made = runner.invoke(main, ["createadmin", "keeper", "--password", PASSWORD], env=env)
    assert made.exit_code == 0, made.output
    again = runner.invoke(main, ["createadmin", "KEEPER", "--password", PASSWORD], env=env)
    assert again.exit_code == 0, again.output

    async def roles() -> list[str]:
        from forum.db.engine import Database

        db = Database(settings)
        try:
            async with db.session() as s:
                return list(await s.scalars(select(Member.role).where(Member.username_key == "keeper")))
        finally:
            await db.dispose()

    assert asyncio.run(roles()) == ["admin"]
