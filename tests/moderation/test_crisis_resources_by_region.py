"""Crisis resources with structure: countries, one entry per emergency number, text options as
number and words. Admins keep them on /admin/moderation; migration 0010 brought old forums along."""

from __future__ import annotations

from typing import Any

import pytest

from forum.discussions.crisis_help import order_for_reader, sms_href, split_phones, structure, tel_href
from tests.helpers.pages import another_browser, form_post, sign_in, text_of

CRISIS = "I'm going to kill myself tonight."


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", admin="ada")


async def _crisis_reply(forum, accept_language: str) -> list[dict[str, Any]]:
    thread = await forum.thread("ash")
    r = await forum.api.client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": CRISIS},
                                    headers={**forum.api.auth("ash"), "Accept-Language": accept_language})
    assert r.status_code == 201, r.text
    return r.json()["crisis_resources"]


async def test_an_admin_adds_a_service_with_a_text_option_and_readers_there_see_it_first(forum, people) -> None:
    admin = another_browser(forum.api.client)
    await sign_in(admin, "ada")
    r = await form_post(admin, "/admin/moderation", {
        "section": "resource", "name": "Lifeline Aotearoa", "region": "New Zealand", "phone": "0800 543 354",
        "sms_number": "4357", "sms_body": "", "hours": "24/7", "url": "https://www.lifeline.org.nz"})
    assert r.status_code in (302, 303), r.text

    resources = await _crisis_reply(forum, "en-NZ")

    first = resources[0]
    assert (first["name"], first["countries"], first["primary"]) == ("Lifeline Aotearoa", ["NZ"], True)
    assert first["phones"] == [{"number": "0800 543 354", "label": "", "tel": "tel:0800543354"}]
    assert first["sms"]["href"] == "sms:4357" and first["text"] == "Text 4357"
    elsewhere = await _crisis_reply(forum, "en-GB")
    assert not next(r for r in elsewhere if r["name"] == "Lifeline Aotearoa")["primary"]
    page = text_of((await admin.get("/admin/moderation")).text)
    assert "Number to text" in page and "Words to send" in page and "Countries" in page
    await admin.aclose()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "call us", "Write the number in digits"),
    ("countries", "Britain", "Use two-letter country codes"),
    ("sms_number", "SHOUT", "Write the number to text in digits"),
])
async def test_a_resource_that_could_not_be_tapped_is_refused_with_a_reason(forum, people, field, value,
                                                                            message) -> None:
    admin = another_browser(forum.api.client)
    await sign_in(admin, "ada")
    form = {"section": "resource", "name": "Somebody", "url": "https://example.org", field: value}
    r = await form_post(admin, "/admin/moderation", form)
    assert r.status_code == 400 and message in text_of(r.text)
    await admin.aclose()


def test_links_dial_and_text_exactly_one_number() -> None:
    assert tel_href("116 123") == "tel:116123" and tel_href("+44 116 123") == "tel:+44116123"
    assert tel_href("1-800-668-6868") == "tel:18006686868"
    # The form both iOS and Android fill in: ?&body=, the words URL-encoded.
    assert sms_href("85258", "SHOUT") == "sms:85258?&body=SHOUT"
    assert sms_href("741 741", "HOME NOW") == "sms:741741?&body=HOME%20NOW"
    assert sms_href("988") == "sms:988"
    assert [p["tel"] for p in split_phones("999 (UK), 112 (EU and Ireland); 911 or 000")] == [
        "tel:999", "tel:112", "tel:911", "tel:000"]
    assert split_phones("999 (UK), 112")[0]["label"] == "UK"
    assert split_phones("ask at reception") == []


def test_prose_from_before_becomes_links_and_the_order_is_one_rule() -> None:
    old = structure({"name": "Old line", "region": "US", "phone": "", "text": "Text HOME to 741741", "url": "",
                     "hours": "", "description": ""})
    assert old["sms"]["href"] == "sms:741741?&body=HOME" and old["countries"] == ["US"] and old["note"] == ""
    assert structure(old) == old, "structuring twice changes nothing"
    items = [{"name": n, "region": region, "countries": c} for n, region, c in [
        ("Lifeline", "Australia", "AU"), ("Directory", "Anywhere", ""), ("Samaritans", "UK & Ireland", "GB IE"),
        ("Local", "Scotland", "GB")]]
    assert [r["name"] for r in order_for_reader(items, "IE")] == ["Samaritans", "Directory", "Local", "Lifeline"]
    assert [r["primary"] for r in order_for_reader(items, "IE")] == [True, True, False, False]
    assert [r["name"] for r in order_for_reader(items, None) if r["primary"]] == ["Directory"]
    only_local = [i for i in items if i["countries"]]
    assert all(r["primary"] for r in order_for_reader(only_local, "US")), "never nothing to see at once"


# --- migration 0010 on a forum that had the old list ------------------------------------------------

OLD_ROWS = [  # what migration 0002 seeded before 0010 (and what an admin added: "Lifeline NZ")
    ("Emergency services", "Anywhere", "999 (UK), 112 (EU and Ireland), 911 (US and Canada), 000 (Australia)", "", 1),
    ("Samaritans", "UK & Ireland", "116 123", "Email jo@samaritans.org", 2),
    ("Shout", "UK", "", "Text SHOUT to 85258", 3),
    ("Crisis Text Line", "US", "", "Text HOME to 741741", 5),
    ("Lifeline NZ", "New Zealand", "0800 543 354", "Text 4357", 10),
]


def test_migration_0010_splits_the_emergency_numbers_and_keeps_text_options_both_ways(settings) -> None:
    import datetime as dt

    import sqlalchemy as sa
    from alembic import command

    from forum.aio import run_sync
    from forum.db.engine import Database
    from forum.db.migrate import alembic_config

    config = alembic_config(settings)
    command.downgrade(config, "0010-1")

    async def execute(statement: str, params: list[dict[str, Any]] | None = None) -> list[Any]:
        database = Database(settings)
        try:
            async with database.engine.begin() as conn:
                result = await conn.execute(sa.text(statement), params or {})
                return list(result) if result.returns_rows else []
        finally:
            await database.dispose()

    now = dt.datetime.now(dt.UTC)
    run_sync(execute("DELETE FROM mod_crisis_resources"))
    run_sync(execute(
        "INSERT INTO mod_crisis_resources (name, region, phone, text, url, hours, description, position, active, "
        "created_at, updated_at) VALUES (:n, :r, :p, :t, '', '24/7', '', :pos, true, :now, :now)",
        [{"n": n, "r": r, "p": p, "t": t, "pos": pos, "now": now} for n, r, p, t, pos in OLD_ROWS]))

    command.upgrade(config, "heads")
    rows = run_sync(execute("SELECT name, region, countries, phone, text, sms_number, sms_body, position "
                            "FROM mod_crisis_resources ORDER BY position, id"))
    emergency = [(r.region, r.countries, r.phone) for r in rows if r.name == "Emergency services"]
    assert emergency == [("UK", "GB", "999"), ("Ireland", "IE", "112, 999"), ("US", "US", "911"),
                         ("Canada", "CA", "911"), ("Australia", "AU", "000"), ("Anywhere", "", "112")]
    by_name = {r.name: r for r in rows}
    assert (by_name["Shout"].sms_number, by_name["Shout"].sms_body, by_name["Shout"].text) == ("85258", "SHOUT", "")
    assert by_name["Samaritans"].countries == "GB IE" and by_name["Samaritans"].text == "Email jo@samaritans.org"
    assert (by_name["Lifeline NZ"].countries, by_name["Lifeline NZ"].sms_number) == ("NZ", "4357")

    command.downgrade(config, "0010-1")
    rows = run_sync(execute("SELECT name, region, phone, text FROM mod_crisis_resources ORDER BY position, id"))
    assert sorted((r.name, r.region, r.phone, r.text) for r in rows) == sorted(
        (n, r, p, t) for n, r, p, t, _ in OLD_ROWS)
    command.upgrade(config, "heads")
