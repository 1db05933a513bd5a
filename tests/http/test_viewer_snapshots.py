"""A signed-in member is answered from a per-process snapshot, which never outlives a change.

forum/accounts/viewers.py keeps the member and their saved choices under `members.version`. Each
test here warms that snapshot with a few pages, then changes the member straight in the database,
the way another process would, and expects the very next page to follow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update

from forum.accounts.models import Member
from forum.warnings.models import ContentWarning, WarningPreference
from tests.conftest import set_role
from tests.helpers.pages import another_browser, form_post, sign_in, signed_in_as

MOD_LINK = '<a href="/mod/queue">Moderation</a>'
TITLE = "Zq7 a rough night"


async def warmed_up(api: Any, name: str = "alice") -> Any:
    """`name`'s browser, signed in, after a few pages (so the snapshot is cached and reused)."""
    await api.member(name)
    await sign_in(api.client, name)
    for _ in range(3):
        page = await api.client.get("/")
        assert page.status_code == 200 and signed_in_as(page.text) == name
    return api.client


async def change(app: Any, statement: Any) -> None:
    """Runs one statement in a session of its own, as another process would."""
    async with app.state.db.session() as s:
        await s.execute(statement)
        await s.commit()


def member(name: str) -> Any:
    return update(Member).where(Member.username_key == name)


async def home(browser: Any) -> str:
    page = await browser.get("/")
    assert page.status_code == 200
    return page.text


async def violent_thread(api: Any) -> None:
    await api.member("writer")
    r = await api.post("/api/v1/topics/anxiety/threads", "writer",
                       json={"title": TITLE, "body": "words", "warnings": ["violence"]})
    assert r.status_code == 201, r.text


async def test_a_member_made_moderator_elsewhere_sees_the_moderation_link_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    assert MOD_LINK not in await home(browser)
    await change(api.client.app, member("alice").values(role="moderator"))
    assert MOD_LINK in await home(browser)
    await change(api.client.app, member("alice").values(role="member"))
    html = await home(browser)
    assert MOD_LINK not in html and signed_in_as(html) == "alice"


async def test_a_member_banned_elsewhere_is_signed_out_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    await change(api.client.app, member("alice").values(status="banned"))
    assert signed_in_as(await home(browser)) is None


async def test_a_member_suspended_elsewhere_is_signed_out_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    await change(api.client.app, member("alice").values(status="suspended", suspended_until=until))
    assert signed_in_as(await home(browser)) is None


async def test_a_new_session_epoch_signs_the_member_out_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    await change(api.client.app, member("alice").values(session_epoch=Member.session_epoch + 1))
    assert signed_in_as(await home(browser)) is None


async def test_an_account_marked_deleted_is_signed_out_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    await change(api.client.app, member("alice").values(status="deleted"))
    assert signed_in_as(await home(browser)) is None


async def test_an_account_removed_from_the_table_is_signed_out_on_the_next_page(api) -> None:
    browser = await warmed_up(api)
    await change(api.client.app, delete(Member).where(Member.username_key == "alice"))
    assert signed_in_as(await home(browser)) is None


async def test_a_choice_saved_elsewhere_hides_a_thread_on_the_next_topic_page(api) -> None:
    await violent_thread(api)
    browser = await warmed_up(api)
    for _ in range(2):
        assert TITLE in (await browser.get("/topics/anxiety")).text
    app = api.client.app
    async with app.state.db.session() as s:
        alice = await s.scalar(select(Member.id).where(Member.username_key == "alice"))
        violence = await s.scalar(select(ContentWarning.id).where(ContentWarning.slug == "violence"))
    await change(app, WarningPreference.__table__.insert().values(member_id=alice, warning_id=violence, mode="hide"))
    assert TITLE not in (await browser.get("/topics/anxiety")).text
    await change(app, delete(WarningPreference))
    assert TITLE in (await browser.get("/topics/anxiety")).text


async def test_a_member_who_saves_their_content_settings_sees_them_on_the_very_next_page(api) -> None:
    await violent_thread(api)
    browser = await warmed_up(api)
    assert TITLE in (await browser.get("/topics/anxiety")).text
    r = await form_post(browser, "/settings/warnings", {"mode-violence": "hide"})
    assert r.status_code in (302, 303), r.text
    assert TITLE not in (await browser.get("/topics/anxiety")).text
    settings = (await browser.get("/settings/warnings")).text
    assert 'name="mode-violence" value="hide" aria-label="Hide Violence" checked' in settings


async def test_a_member_who_turns_on_the_gentler_view_gets_it_on_the_very_next_page(api) -> None:
    await violent_thread(api)
    browser = await warmed_up(api)
    assert '<details class="gentle-menu">' in await home(browser)
    r = await form_post(browser, "/gentle", {"for": "hour", "next": "/"})
    assert r.status_code in (302, 303), r.text
    html = await home(browser)
    assert '<details class="gentle-menu">' not in html and signed_in_as(html) == "alice"
    assert TITLE not in (await browser.get("/topics/anxiety")).text


async def test_a_new_member_never_takes_on_the_snapshot_of_a_deleted_account(api) -> None:
    """SQLite hands a deleted member's id to the next sign-up; the snapshot is keyed by id and version only."""
    app = api.client.app
    await api.member("alice")
    await set_role(app, "alice", "moderator")
    browser = await warmed_up(api)  # alice's snapshot, as a moderator, is cached
    async with app.state.db.session() as s:
        alice_version = await s.scalar(select(Member.version).where(Member.username_key == "alice"))
    r = await form_post(browser, "/settings/account/delete", {"password": "a-long-password-123"})
    assert r.status_code == 200 and "Your account is deleted" in r.text
    await api.member("eve")
    for _ in range(alice_version):  # everyday changes (a saved choice, the gentler view) move eve's version
        await change(app, member("eve").values(is_demo=False))
    eve = another_browser(api.client)
    await sign_in(eve, "eve")
    html = await home(eve)
    assert signed_in_as(html) == "eve" and MOD_LINK not in html
    assert (await eve.get("/mod/queue")).status_code == 403
