"""The author's moment: someone posts that they are in danger, and help is in front of them.

Help for where they are comes first (their chosen region, else their browser's language, else what
works anywhere), every number is its own tel: link and every text option an sms: link, the page
they land on without JavaScript opens on the panel, and the API keeps the shape it always had.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.pages import another_browser, form_post, sign_in, text_of

CRISIS = "I'm going to kill myself tonight."
OLD_KEYS = {"name", "region", "phone", "text", "url", "hours", "description"}


async def start_thread(api: Any, name: str, body: str = "Mornings are the hardest part for me.") -> dict[str, Any]:
    r = await api.post("/api/v1/topics/anxiety/threads", as_=name, json={"title": "Mornings", "body": body})
    assert r.status_code == 201, r.text
    return r.json()


async def reply(api: Any, name: str, thread_id: int, body: str = CRISIS,
                accept_language: str | None = None) -> dict[str, Any]:
    headers = api.auth(name) | ({"Accept-Language": accept_language} if accept_language else {})
    r = await api.client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def shown_first(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in resources if r["primary"]]


def panel_of(html: str, anchor: str = "crisis-help") -> str:
    match = re.search(rf'<section class="crisis-panel" id="{anchor}".*?</section>', html, re.S)
    assert match, f"no crisis panel #{anchor} on the page"
    return match.group(0)


def hrefs(html: str, scheme: str) -> list[str]:
    return re.findall(rf'href="({scheme}:[^"]*)"', html.replace("&amp;", "&"))


# --- whose services come first ---------------------------------------------------------------------


@pytest.mark.parametrize(("accept_language", "country", "emergency"), [
    ("en-GB,en;q=0.9", "GB", "999"),
    ("en-US,en;q=0.9", "US", "911"),
    ("en-CA", "CA", "911"),
    ("fr-CA,fr;q=0.9,en;q=0.5", "CA", "911"),
    ("en-AU", "AU", "000"),
    ("en-IE,en;q=0.8", "IE", "112"),
])
async def test_the_browser_s_language_and_region_put_that_country_s_services_first(
        api, accept_language: str, country: str, emergency: str) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")

    resources = (await reply(api, "ash", thread["id"], accept_language=accept_language))["crisis_resources"]

    first = shown_first(resources)
    local = [r for r in first if country in r["countries"]]
    assert local and first[:len(local)] == local, "the reader's own country leads"
    assert first[0]["name"] == "Emergency services" and first[0]["phones"][0]["number"] == emergency
    assert all(r["countries"] == [] for r in first[len(local):]), "then only what works anywhere"
    assert not any(country in r["countries"] for r in resources if not r["primary"])
    assert {r["name"] for r in resources} >= {"Samaritans", "Shout", "Crisis Text Line", "Lifeline Australia"}


async def test_with_nothing_to_go_on_what_works_anywhere_comes_first_and_the_rest_is_grouped_by_country(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")

    resources = (await reply(api, "ash", thread["id"], accept_language="en"))["crisis_resources"]

    assert [(r["name"], r["region"]) for r in shown_first(resources)] == [
        ("Emergency services", "Anywhere"), ("Find A Helpline", "Anywhere")]
    assert shown_first(resources)[0]["phones"][0]["tel"] == "tel:112"
    rest = [r for r in resources if not r["primary"]]
    groups = [r["countries"][0] for r in rest]
    assert groups == sorted(groups, key=["GB", "IE", "US", "CA", "AU"].index), "grouped, one country after another"
    assert [r["name"] for r in rest if r["countries"][0] == "US"] == [
        "Emergency services", "988 Suicide & Crisis Lifeline", "Crisis Text Line"]


async def test_a_region_chosen_in_settings_wins_over_the_browser_and_is_kept_in_the_export(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")
    page = await api.client.get("/settings/account", headers={"Accept-Language": "en-GB"})
    assert 'id="region"' in page.text and "Go by my browser (it says United Kingdom)" in text_of(page.text)

    r = await form_post(api.client, "/settings/account/region", {"region": "AU"})
    assert r.status_code in (302, 303) and r.headers["location"] == "/settings/account#region"
    page = await api.client.get("/settings/account")
    assert '<option value="AU" selected>Australia</option>' in page.text
    assert "help in Australia will come first" in text_of(page.text)

    resources = (await reply(api, "ash", thread["id"], accept_language="en-GB"))["crisis_resources"]
    assert [r["name"] for r in shown_first(resources)][:2] == ["Emergency services", "Lifeline Australia"]
    assert shown_first(resources)[0]["phones"][0]["number"] == "000"
    exported = await api.client.get("/settings/account/export")
    assert exported.json()["member"]["region"] == "AU"

    # "Somewhere else": anywhere first, whatever the browser says; and back to the browser.
    await form_post(api.client, "/settings/account/region", {"region": "ZZ"})
    resources = (await reply(api, "ash", thread["id"], accept_language="en-GB"))["crisis_resources"]
    assert all(r["countries"] == [] for r in shown_first(resources))
    await form_post(api.client, "/settings/account/region", {"region": ""})
    resources = (await reply(api, "ash", thread["id"], accept_language="en-US"))["crisis_resources"]
    assert "US" in shown_first(resources)[0]["countries"]


async def test_a_region_that_is_not_a_country_is_refused_kindly(api) -> None:
    await api.member("ash")
    await sign_in(api.client, "ash")
    r = await form_post(api.client, "/settings/account/region", {"region": "Narnia"})
    assert r.status_code == 400 and "Choose a country from the list." in text_of(r.text)


async def test_the_help_page_puts_the_reader_s_country_first_and_the_others_behind_other_countries(api) -> None:
    page = await api.client.get("/help", headers={"Accept-Language": "en-US"})
    assert page.status_code == 200
    first, _, others = page.text.partition('<details class="other-countries big">')
    assert "988 Suicide &amp; Crisis Lifeline" in first and "Samaritans" not in first
    assert "Samaritans" in others and "<summary>Other countries</summary>" in page.text


# --- one tap per number, one tap per text option -----------------------------------------------------


async def test_every_number_is_its_own_tel_link_and_every_text_option_an_sms_link_with_its_words(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")

    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": CRISIS},
                        headers={"Accept-Language": "en-GB"})
    panel = panel_of((await api.client.get(r.headers["location"], headers={"Accept-Language": "en-GB"})).text)

    tels = hrefs(panel, "tel")
    assert {"tel:999", "tel:116123", "tel:112", "tel:911", "tel:988", "tel:18006686868", "tel:000",
            "tel:131114"} <= set(tels)
    assert all(re.fullmatch(r"tel:\+?\d+", t) for t in tels), tels
    assert set(hrefs(panel, "sms")) == {"sms:85258?&body=SHOUT", "sms:988", "sms:741741?&body=HOME",
                                        "sms:686868?&body=CONNECT"}
    assert "Text SHOUT to 85258" in text_of(panel) and "Call 116 123" in text_of(panel)
    # UK first, everything else in the closed "Other countries" list.
    shown, _, hidden = panel.replace("&amp;", "&").partition('<details class="other-countries">')
    assert "tel:999" in shown and "sms:85258?&body=SHOUT" in shown and "tel:911" not in shown
    assert "tel:911" in hidden and "<details class=\"other-countries\" open" not in panel


async def test_the_api_spells_out_each_number_and_text_option(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    by_name = {(r["name"], r["region"]): r
               for r in (await reply(api, "ash", thread["id"], accept_language="en-GB"))["crisis_resources"]}

    assert by_name[("Emergency services", "Ireland")]["phones"] == [
        {"number": "112", "label": "", "tel": "tel:112"}, {"number": "999", "label": "", "tel": "tel:999"}]
    shout = by_name[("Shout", "UK")]
    assert shout["sms"] | {} == {"number": "85258", "body": "SHOUT", "href": "sms:85258?&body=SHOUT",
                                 "label": "Text SHOUT to 85258"}
    assert shout["text"] == "Text SHOUT to 85258" and shout["phone"] == "" and shout["phones"] == []
    samaritans = by_name[("Samaritans", "UK & Ireland")]
    assert samaritans["sms"] is None and samaritans["text"] == "Email jo@samaritans.org"
    assert samaritans["countries"] == ["GB", "IE"]
    assert by_name[("988 Suicide & Crisis Lifeline", "US")]["sms"]["href"] == "sms:988"


# --- the shape the API always had -------------------------------------------------------------------


async def test_crisis_resources_keep_their_shape_in_every_answer_that_has_them(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    opened = await api.post("/api/v1/topics/anxiety/threads", as_="ash", json={"title": "Tonight", "body": CRISIS})
    replied = await api.post(f"/api/v1/threads/{thread['id']}/posts", as_="ash", json={"body": CRISIS})
    previewed = await api.post("/api/v1/posts/preview", as_="ash", json={"body": CRISIS})

    for answer in (opened, replied, previewed):
        assert answer.status_code in (200, 201), answer.text
        resources = answer.json()["crisis_resources"]
        assert isinstance(resources, list) and len(resources) >= 9
        for r in resources:
            assert set(r) >= OLD_KEYS and all(isinstance(r[k], str) for k in OLD_KEYS), r
            assert isinstance(r["phones"], list) and all(set(p) == {"number", "label", "tel"} for p in r["phones"])
            assert r["sms"] is None or {"number", "body", "href"} <= set(r["sms"])
            assert isinstance(r["primary"], bool) and isinstance(r["countries"], list)
    quiet = await api.post("/api/v1/posts/preview", as_="ash", json={"body": "A slow, kind morning."})
    assert quiet.json()["crisis_resources"] is None


# --- landing on the panel ---------------------------------------------------------------------------


async def test_without_javascript_a_reply_that_worries_us_redirects_to_the_panel(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")

    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": CRISIS})

    assert r.status_code in (302, 303) and r.headers["location"] == f"/threads/{thread['id']}#crisis-help"
    page = (await api.client.get(r.headers["location"])).text
    panel = panel_of(page)
    assert 'data-crisis-focus' in panel and 'tabindex="-1" autofocus' in panel, "the heading takes focus"
    assert re.search(r'<div id="composer-notice" aria-live="polite">\s*<section class="crisis-panel" id="crisis-help"',
                     page), "inside a live region"
    assert page.index('id="crisis-help"') < page.index('id="reply-form"'), "above the composer"
    again = await api.client.get(f"/threads/{thread['id']}")
    assert 'class="crisis-panel"' not in again.text, "shown once, for the moment it answers"


async def test_without_javascript_a_new_thread_and_a_reply_on_a_later_page_land_on_the_panel(api) -> None:
    await api.member("ash")
    await sign_in(api.client, "ash")
    r = await form_post(api.client, "/topics/anxiety/new", {"title": "Tonight", "body": CRISIS})
    location = r.headers["location"]
    assert re.fullmatch(r"/threads/\d+#crisis-help", location)
    assert 'id="crisis-help"' in (await api.client.get(location)).text

    thread = await start_thread(api, "ash")
    for n in range(25):
        await reply(api, "ash", thread["id"], body=f"Checking in, day {n}.")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": CRISIS})
    location = r.headers["location"]
    assert re.fullmatch(rf"/threads/{thread['id']}\?page=\d+#crisis-help", location), location
    page = (await api.client.get(location)).text
    assert 'id="crisis-help"' in page and "kill myself tonight" in page


async def test_an_ordinary_reply_goes_back_to_the_thread_as_before_with_no_panel(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")
    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": "Made it through the morning."})
    assert r.headers["location"] == f"/threads/{thread['id']}"
    assert 'class="crisis-panel"' not in (await api.client.get(r.headers["location"])).text


async def test_with_htmx_the_reply_brings_the_panel_into_the_live_region_ready_to_take_focus(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")

    r = await form_post(api.client, f"/threads/{thread['id']}", {"body": CRISIS}, htmx=True,
                        headers={"Accept-Language": "en-CA"})

    assert r.status_code == 200
    notice = r.text[r.text.index('<div id="composer-notice" hx-swap-oob="innerHTML">'):]
    panel = panel_of(notice)
    assert "data-crisis-focus" in panel and 'tabindex="-1"' in panel
    shown = panel.partition('<details class="other-countries">')[0]
    assert "Kids Help Phone" in shown and "sms:686868?&amp;body=CONNECT" in shown and "Samaritans" not in shown


async def test_a_preview_that_worries_us_shows_the_panel_by_the_preview(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    await sign_in(api.client, "ash")

    # Without JavaScript: the page comes back with the panel in the composer, its heading autofocused.
    page = await form_post(api.client, f"/threads/{thread['id']}", {"body": CRISIS, "action": "preview"})
    assert page.status_code == 200
    panel = panel_of(page.text, "crisis-help-preview")
    assert "autofocus" in panel and "tel:" in panel
    assert page.text.index('class="preview-area" aria-live="polite"') < page.text.index('id="crisis-help-preview"')
    # The Preview button (htmx): the panel will take focus. Typing (keyup preview): announced, never focus-stealing.
    asked = await form_post(api.client, "/posts/preview", {"body": CRISIS, "show_body": "1"}, htmx=True)
    assert "data-crisis-focus" in panel_of(asked.text, "crisis-help-preview")
    typing = await form_post(api.client, "/posts/preview", {"body": CRISIS}, htmx=True)
    assert "data-crisis-focus" not in panel_of(typing.text, "crisis-help-preview")
    assert "autofocus" not in typing.text


async def test_a_visitor_sees_the_help_page_for_their_browser_s_country(api) -> None:
    visitor = another_browser(api.client)
    page = await visitor.get("/help", headers={"Accept-Language": "en-AU"})
    first = page.text.partition('<details class="other-countries big">')[0]
    assert "Lifeline Australia" in first and "tel:131114" in first
    await visitor.aclose()


async def test_without_javascript_an_edit_that_worries_us_lands_on_the_panel_too(api) -> None:
    await api.member("ash")
    thread = await start_thread(api, "ash")
    post_id = (await reply(api, "ash", thread["id"], body="A quiet day."))["id"]
    await sign_in(api.client, "ash")

    r = await form_post(api.client, f"/posts/{post_id}/edit", {"body": CRISIS})

    assert r.headers["location"] == f"/threads/{thread['id']}#crisis-help"
    assert 'id="crisis-help"' in (await api.client.get(r.headers["location"])).text
    calm = await form_post(api.client, f"/posts/{post_id}/edit", {"body": "A quiet day, after all."})
    assert calm.headers["location"] == f"/threads/{thread['id']}#post-{post_id}"
