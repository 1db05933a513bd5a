"""Gentle mode: one switch in the header hides everything tagged, for a while, without touching
the saved choices."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import update

from forum.accounts.models import Member
from forum.warnings.services import FOREVER, gentle_until
from tests.helpers.pages import form_post
from tests.helpers.warnings import hidden_count, new_reader, says, thread

TAGGED_TITLES = ("Marker-a violence", "Marker-b medical", "Marker-c other")


async def some_threads(api) -> None:
    await api.member("writer")
    await thread(api, "writer", "Marker-plain", "words")
    await thread(api, "writer", TAGGED_TITLES[0], "words", ["violence"])
    await thread(api, "writer", TAGGED_TITLES[1], "words", ["medical"])
    await thread(api, "writer", TAGGED_TITLES[2], "words", other="loud noises")


async def test_the_gentler_view_hides_every_tagged_thread_and_leaves_the_rest(api):
    await some_threads(api)
    for kind in ("visitor", "member"):
        reader = await new_reader(api, kind)
        assert 'action="/gentle"' in (await reader.page("/topics/anxiety")).text
        await reader.gentle("hour")
        page = (await reader.page("/topics/anxiety")).text
        assert "Marker-plain" in page, kind
        assert not any(title in page for title in TAGGED_TITLES), kind
        assert hidden_count(page) == 3, kind
        assert says(page, "Gentler view is on until"), kind
        assert 'value="off"' in page, kind  # the way back is on every page
        await reader.close()


async def test_the_gentler_view_does_not_change_the_saved_choices(api):
    for kind in ("visitor", "member"):
        reader = await new_reader(api, kind)
        await reader.choose(violence="show", suicide="hide")
        await reader.gentle("off-switch")
        settings_page = (await reader.page("/settings/warnings")).text
        assert re.search(r'name="mode-violence" value="show"[^>]*checked', settings_page), kind
        assert re.search(r'name="mode-suicide" value="hide"[^>]*checked', settings_page), kind
        if kind == "member":
            prefs = (await reader.api("/api/v1/me/warning-preferences")).json()
            assert prefs["violence"] == "show" and prefs["suicide"] == "hide" and prefs["gentle_mode"] is True
        await reader.close()


async def test_turning_the_gentler_view_off_brings_everything_back(api):
    await some_threads(api)
    for kind in ("visitor", "member"):
        reader = await new_reader(api, kind, f"reader-{kind}")
        await reader.gentle("today")
        await reader.gentle("off")
        page = (await reader.page("/topics/anxiety")).text
        assert all(title in page for title in TAGGED_TITLES), kind
        assert hidden_count(page) == 0 and not says(page, "Gentler view is on"), kind
        await reader.close()


async def test_a_members_gentler_view_holds_on_the_api_too(api):
    await some_threads(api)
    member = await new_reader(api, "member")
    await member.gentle("hour")
    listing = (await member.api("/api/v1/topics/anxiety/threads")).json()
    assert [t["title"] for t in listing["threads"]] == ["Marker-plain"]
    assert listing["hidden_by_settings"] == 3
    await member.close()


async def test_the_gentler_view_can_be_turned_on_and_off_through_the_api(api):
    await some_threads(api)
    member = await new_reader(api, "member")
    r = await member.browser.put("/api/v1/me/warning-preferences", headers=member.auth,
                                 json={"gentle_mode": True, "gentle_for": "hour"})
    assert r.status_code == 200 and r.json()["gentle_mode"] is True
    until = dt.datetime.fromisoformat(r.json()["gentle_until"])
    assert dt.timedelta(minutes=55) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
    assert "gentle" in (await member.page("/topics/anxiety")).text.lower()
    assert len((await member.api("/api/v1/topics/anxiety/threads")).json()["threads"]) == 1
    r = await member.browser.put("/api/v1/me/warning-preferences", headers=member.auth, json={"gentle_mode": False})
    assert r.json()["gentle_mode"] is False and r.json()["gentle_until"] is None
    assert len((await member.api("/api/v1/topics/anxiety/threads")).json()["threads"]) == 4
    await member.close()


async def test_the_gentler_view_ends_by_itself_when_its_time_is_up(api):
    await some_threads(api)
    member = await new_reader(api, "member")
    await member.gentle("hour")
    async with api.client.app.state.db.session() as s:
        await s.execute(update(Member).where(Member.username_key == "reader")
                        .values(gentle_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        await s.commit()
    page = (await member.page("/topics/anxiety")).text
    assert all(title in page for title in TAGGED_TITLES)
    assert (await member.api("/api/v1/me/warning-preferences")).json()["gentle_mode"] is False
    await member.close()


async def test_until_i_turn_it_off_has_no_end_time_on_the_banner(api):
    visitor = await new_reader(api, "visitor")
    await visitor.gentle("off-switch")
    page = (await visitor.page("/")).text
    assert says(page, "Gentler view is on") and not says(page, "Gentler view is on until")
    await visitor.close()


async def test_the_gentle_switch_returns_to_the_page_it_was_used_on_and_only_within_the_site(api):
    visitor = await new_reader(api, "visitor")
    r = await form_post(visitor.browser, "/gentle", {"for": "hour", "next": "/topics/anxiety"})
    assert r.headers["location"] == "/topics/anxiety"
    r = await form_post(visitor.browser, "/gentle", {"for": "off", "next": "https://evil.example/"})
    assert r.headers["location"] == "/"
    r = await form_post(visitor.browser, "/gentle", {"for": "hour", "next": "/"}, htmx=True)
    assert r.headers["hx-redirect"] == "/"
    await visitor.close()


async def test_an_unknown_duration_is_refused_kindly(api):
    visitor = await new_reader(api, "visitor")
    r = await form_post(visitor.browser, "/gentle", {"for": "forever-and-ever"})
    assert r.status_code == 400 and says(r.text, "Choose how long the gentler view should last.")
    await visitor.close()


def test_the_durations_are_an_hour_the_rest_of_today_and_until_turned_off():
    now = dt.datetime(2025, 3, 10, 21, 30, tzinfo=dt.UTC)
    assert gentle_until("hour", now) == now + dt.timedelta(hours=1)
    assert gentle_until("today", now) == dt.datetime(2025, 3, 11, tzinfo=dt.UTC)
    # "today" ends at the reader's own midnight: 21:30 UTC is 23:30 at UTC+2, so it ends at 22:00 UTC
    assert gentle_until("today", now, tz_offset_minutes=120) == dt.datetime(2025, 3, 10, 22, 0, tzinfo=dt.UTC)
    assert gentle_until("off-switch", now) == FOREVER
