"""Reader preferences: members keep them in their account, visitors in their session."""

from __future__ import annotations

import re

from forum.warnings.taxonomy import SEED_SLUGS
from tests.helpers.pages import PASSWORD, another_browser, form_post, sign_in, sign_out
from tests.helpers.warnings import new_reader, says

SEEDED = {*SEED_SLUGS, "other"}


def checked_mode(html: str, slug: str) -> str | None:
    """Which radio of /settings/warnings is checked for this warning."""
    for mode in ("show", "warn", "hide"):
        if re.search(rf'<input type="radio" name="mode-{re.escape(slug)}" value="{mode}"[^>]*\schecked', html):
            return mode
    return None


# --- the JSON API ----------------------------------------------------------------------------------


async def test_a_new_member_starts_from_the_defaults_with_suicide_and_self_harm_warned(api):
    await api.member("alice")
    r = await api.get("/api/v1/me/warning-preferences", "alice")
    assert r.status_code == 200
    prefs = r.json()
    assert prefs["gentle_mode"] is False
    modes = {k: v for k, v in prefs.items() if k not in ("gentle_mode", "gentle_until")}
    assert set(modes) == SEEDED
    assert modes["suicide"] == modes["self-harm"] == "warn"
    taxonomy = (await api.get("/api/v1/warnings")).json()["warnings"]
    assert modes == {w["slug"]: w["default_mode"] for w in taxonomy}


async def test_a_member_saves_some_choices_and_the_rest_keep_their_defaults(api):
    await api.member("alice")
    r = await api.call("PUT", "/api/v1/me/warning-preferences", "alice",
                       json={"violence": "hide", "suicide": "show", "medical": "warn"})
    assert r.status_code == 200, r.text
    assert (r.json()["violence"], r.json()["suicide"], r.json()["medical"]) == ("hide", "show", "warn")
    again = (await api.get("/api/v1/me/warning-preferences", "alice")).json()
    assert again == r.json()
    assert again["self-harm"] == "warn" and again["abuse"] == "show"
    r = await api.call("PUT", "/api/v1/me/warning-preferences", "alice", json={"violence": "warn"})
    assert r.json()["violence"] == "warn" and r.json()["suicide"] == "show"  # changes only what was sent


async def test_a_members_choices_are_their_own(api):
    await api.member("alice")
    await api.member("bob")
    await api.call("PUT", "/api/v1/me/warning-preferences", "alice", json={"violence": "hide"})
    assert (await api.get("/api/v1/me/warning-preferences", "bob")).json()["violence"] == "show"


BAD_CHOICES = [
    ({"no-such-warning": "hide"}, "no-such-warning"),
    ({"violence": "blur"}, "violence"),
    ({"violence": 3}, "violence"),
    ({"violence": "hide", "made-up": "hide"}, "made-up"),
    ({"violence": "hide", "gentle_mode": "yes"}, "gentle_mode"),
]


async def test_an_unknown_warning_or_mode_is_a_400_and_nothing_is_saved(api):
    await api.member("alice")
    for body, field in BAD_CHOICES:
        r = await api.call("PUT", "/api/v1/me/warning-preferences", "alice", json=body)
        assert r.status_code == 400, body
        assert r.json()["status_code"] == 400 and field in r.json()["fields"], body
        prefs = (await api.get("/api/v1/me/warning-preferences", "alice")).json()
        assert prefs["violence"] == "show" and prefs["gentle_mode"] is False, body


async def test_an_unknown_gentle_duration_is_a_400_and_nothing_is_saved(api):
    await api.member("alice")
    r = await api.call("PUT", "/api/v1/me/warning-preferences", "alice",
                       json={"violence": "hide", "gentle_mode": True, "gentle_for": "a-century"})
    assert r.status_code == 400
    assert (await api.get("/api/v1/me/warning-preferences", "alice")).json()["violence"] == "show"


async def test_preferences_on_the_api_need_a_signed_in_member(api):
    assert (await api.get("/api/v1/me/warning-preferences")).status_code == 401
    assert (await api.call("PUT", "/api/v1/me/warning-preferences", json={"violence": "hide"})).status_code == 401


async def test_a_members_choices_are_in_their_data_export(api):
    await api.member("alice")
    await api.call("PUT", "/api/v1/me/warning-preferences", "alice", json={"violence": "hide"})
    assert (await api.get("/api/v1/me/export", "alice")).json()["warning_preferences"] == {"violence": "hide"}


# --- /settings/warnings ----------------------------------------------------------------------------


async def test_the_settings_page_lists_every_warning_with_the_current_choice(api):
    page = (await api.client.get("/settings/warnings")).text
    defaults = {w["slug"]: w["default_mode"] for w in (await api.get("/api/v1/warnings")).json()["warnings"]}
    assert set(defaults) == SEEDED
    for slug in SEEDED:
        assert checked_mode(page, slug) == defaults[slug], slug
    assert checked_mode(page, "suicide") == checked_mode(page, "self-harm") == "warn"
    assert checked_mode(page, "violence") == "show"
    assert says(page, "your choices are kept for this browser session")


async def test_a_visitors_choices_are_kept_in_their_session_only(api):
    visitor = await new_reader(api, "visitor")
    await visitor.choose(self_harm="hide", violence="warn")
    page = (await visitor.page("/settings/warnings")).text
    assert checked_mode(page, "self-harm") == "hide" and checked_mode(page, "violence") == "warn"
    assert says(page, "Saved. Every page now follows these choices.")
    stranger = another_browser(api.client)
    async with stranger:
        assert checked_mode((await stranger.get("/settings/warnings")).text, "self-harm") == "warn"
    await visitor.close()


async def test_a_members_choices_on_the_page_are_saved_to_their_account(api):
    member = await new_reader(api, "member", "alice")
    r = await form_post(member.browser, "/settings/warnings", {"mode-self-harm": "hide", "mode-suicide": "show"})
    assert r.status_code in (302, 303) and r.headers["location"] == "/settings/warnings"
    prefs = (await api.get("/api/v1/me/warning-preferences", "alice")).json()
    assert prefs["self-harm"] == "hide" and prefs["suicide"] == "show"
    await sign_out(member.browser)
    assert checked_mode((await member.page("/settings/warnings")).text, "self-harm") == "warn"  # a visitor again
    elsewhere = another_browser(api.client)
    async with elsewhere:
        await sign_in(elsewhere, "alice", PASSWORD)
        assert checked_mode((await elsewhere.get("/settings/warnings")).text, "self-harm") == "hide"
    await member.close()


async def test_choices_made_through_the_api_show_on_the_settings_page(api):
    member = await new_reader(api, "member", "alice")
    await member.choose(violence="hide")
    assert checked_mode((await member.page("/settings/warnings")).text, "violence") == "hide"
    await member.close()


async def test_a_wrong_value_on_the_settings_page_is_shown_next_to_its_warning(api):
    visitor = await new_reader(api, "visitor")
    r = await form_post(visitor.browser, "/settings/warnings", {"mode-violence": "blur", "mode-suicide": "hide"})
    assert r.status_code == 400
    assert re.search(r'<p class="field-error"[^>]*>Choose show, warn or hide\.</p>', r.text)
    assert checked_mode((await visitor.page("/settings/warnings")).text, "suicide") == "warn"  # nothing saved
    await visitor.close()
