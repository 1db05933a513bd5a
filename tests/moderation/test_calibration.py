"""Calibration and the admin page: thresholds tuned from this community's own decisions,
pre-moderation, and the crisis resources admins keep up to date."""

from __future__ import annotations

import pytest

from moderation.calibration import calibrate, precision_at, suggest_threshold
from moderation.config import load_config
from tests.helpers.moderation import CRISIS, ScriptedClassifier, use_classifier
from tests.helpers.pages import another_browser, form_post, sign_in, text_of


def test_precision_counts_decisions_at_or_above_a_threshold() -> None:
    points = [(0.95, True), (0.9, True), (0.85, False), (0.8, False)]
    assert precision_at(points, 0.85) == (3, 2)
    assert precision_at(points, 0.99) == (0, 0)


def test_the_suggestion_is_the_lowest_score_that_kept_precision_above_the_target() -> None:
    upheld_high = [(0.99, True), (0.97, True), (0.95, True), (0.93, True), (0.91, True), (0.9, False), (0.85, False)]
    assert suggest_threshold(upheld_high, target=0.8, min_decisions=5) == 0.9  # 5 of 6 upheld
    assert suggest_threshold(upheld_high, target=0.9, min_decisions=5) == 0.91
    # Everything upheld: the lowest score seen is fine (nothing is known below it).
    assert suggest_threshold([(s / 100, True) for s in range(80, 90)], 0.8, 5) == 0.8


def test_no_suggestion_without_enough_decisions_or_when_nothing_reaches_the_target() -> None:
    assert suggest_threshold([(0.9, True)] * 4, 0.8, min_decisions=5) is None
    assert suggest_threshold([(0.9 + i / 100, False) for i in range(8)], 0.8, min_decisions=5) is None


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", "bob", mod="sam", admin="ada")


async def _decide(forum, scores_and_actions: list[tuple[float, str]]) -> None:
    """Posts scored as given; the moderator approves (disagrees) or hides (agrees) each."""
    rules = {f"POST{n:02d}": {"toxicity": score} for n, (score, _) in enumerate(scores_and_actions)}
    use_classifier(forum.app, ScriptedClassifier(rules))
    await forum.set_setting("thresholds", {"toxicity": {"flag": 0.6, "hide": None}})
    thread = await forum.thread("ash")
    ids = [(await forum.reply("bob", thread["id"], f"POST{n:02d}"))["id"] for n in range(len(scores_and_actions))]
    await forum.work()
    for post_id, (_, action) in zip(ids, scores_and_actions, strict=True):
        item = await forum.item_for("sam", post_id)
        assert (await forum.resolve("sam", item["id"], action)).status_code == 200


async def test_calibration_reads_the_decisions_recorded_on_classifier_flags(forum, people) -> None:
    await _decide(forum, [(0.65, "approve"), (0.7, "approve"), (0.75, "approve"), (0.8, "hide"), (0.85, "hide"),
                          (0.9, "hide"), (0.95, "hide"), (0.99, "hide")])
    async with forum.db.session() as s:
        rows = {c.label: c for c in await calibrate(s, await load_config(s))}

    toxicity = rows["toxicity"]
    assert (toxicity.decisions, toxicity.upheld) == (8, 5)
    assert toxicity.upheld_rate == pytest.approx(5 / 8)
    assert toxicity.suggested == 0.75  # 5 of the 6 decisions at or above 0.75 were upheld
    assert "raising" in toxicity.note


async def test_the_admin_page_shows_calibration_and_saves_thresholds(forum, people) -> None:
    await _decide(forum, [(0.7, "hide")] * 5)
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")

    page = text_of((await browser.get("/admin/moderation")).text)
    assert "100% of 5 decisions" in page
    assert "Pre-moderation is off by default" in page and "3 a.m." in page
    assert "classifier: scripted: scripted test classifier" in page

    r = await form_post(browser, "/admin/moderation", {"section": "thresholds", "toxicity.flag": "0.7",
                                                       "toxicity.hide": "0.95", "threat.flag": "0.5",
                                                       "threat.hide": ""})
    assert r.status_code in (302, 303)
    async with forum.db.session() as s:
        config = await load_config(s)
    assert config.thresholds["toxicity"] == {"flag": 0.7, "hide": 0.95}
    assert config.thresholds["threat"] == {"flag": 0.5, "hide": None}
    entry = (await forum.log("sam"))[0]
    assert (entry["actor"], entry["action"], entry["target"]["kind"]) == ("ada", "settings", "setting")
    await browser.aclose()


@pytest.mark.parametrize("fields", [{"toxicity.flag": "1.5", "toxicity.hide": ""},
                                    {"toxicity.flag": "lots", "toxicity.hide": ""},
                                    {"toxicity.flag": "0.9", "toxicity.hide": "0.5"},
                                    {"toxicity.flag": "", "toxicity.hide": "0.9"}])
async def test_thresholds_that_make_no_sense_are_refused_with_a_reason(forum, people, fields) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    r = await form_post(browser, "/admin/moderation", {"section": "thresholds", **fields})
    assert r.status_code == 400 and 'role="alert"' in r.text
    async with forum.db.session() as s:
        assert (await load_config(s)).thresholds["toxicity"] == {"flag": 0.8, "hide": 0.97}
    await browser.aclose()


async def test_pre_moderation_is_set_on_the_admin_page(forum, people) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    r = await form_post(browser, "/admin/moderation", {"section": "premod", "premod_first_posts": "2",
                                                       "precision_target": "0.9"})
    assert r.status_code in (302, 303)
    async with forum.db.session() as s:
        config = await load_config(s)
    assert (config.premod_first_posts, config.precision_target) == (2, 0.9)
    assert (await forum.thread("bob"))["post"]["status"] == "pending"
    refused = await form_post(browser, "/admin/moderation", {"section": "premod", "premod_first_posts": "-1"})
    assert refused.status_code == 400
    await browser.aclose()


async def test_admins_add_edit_and_stop_showing_crisis_resources(forum, people) -> None:
    from sqlalchemy import select

    from moderation.models import CrisisResource

    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    r = await form_post(browser, "/admin/moderation", {
        "section": "resource", "name": "Lifeline Aotearoa", "region": "New Zealand", "phone": "0800 543 354",
        "hours": "24/7", "url": "https://www.lifeline.org.nz"})
    assert r.status_code in (302, 303)
    thread = await forum.thread("ash")
    shown = await forum.reply("bob", thread["id"], CRISIS)
    assert "Lifeline Aotearoa" in [x["name"] for x in shown["crisis_resources"]]

    async with forum.db.session() as s:
        added = await s.scalar(select(CrisisResource).where(CrisisResource.name == "Lifeline Aotearoa"))
    await form_post(browser, "/admin/moderation", {"section": "resource", "resource_id": added.id,
                                                   "name": "Lifeline Aotearoa", "phone": "0800 543 354",
                                                   "text": "Text 4357", "region": "New Zealand"})
    await form_post(browser, "/admin/moderation", {"section": "resource-active", "resource_id": added.id,
                                                   "active": "0"})
    preview = await forum.api.post("/api/v1/posts/preview", as_="bob", json={"body": CRISIS})
    assert "Lifeline Aotearoa" not in [x["name"] for x in preview.json()["crisis_resources"]]
    async with forum.db.session() as s:
        edited = await s.get(CrisisResource, added.id)
    assert (edited.text, edited.active) == ("Text 4357", False)
    assert "Lifeline Aotearoa" in text_of((await browser.get("/admin/moderation")).text), "kept, to show again"
    assert [e["action"] for e in (await forum.log("sam"))[:3]] == [
        "resource-deactivated", "resource-edited", "resource-added"]
    await browser.aclose()


async def test_a_resource_needs_a_name_and_a_way_to_reach_it(forum, people) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    r = await form_post(browser, "/admin/moderation", {"section": "resource", "name": "Somebody"})
    assert r.status_code == 400 and "phone number, a text option or a website" in text_of(r.text)
    await browser.aclose()


async def test_the_last_active_resource_cannot_be_switched_off(forum, people) -> None:
    from sqlalchemy import select, update

    from moderation.models import CrisisResource

    async with forum.db.session() as s:
        keep = await s.scalar(select(CrisisResource.id).where(CrisisResource.name == "Samaritans"))
        await s.execute(update(CrisisResource).where(CrisisResource.id != keep).values(active=False))
        await s.commit()
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    r = await form_post(browser, "/admin/moderation", {"section": "resource-active", "resource_id": keep,
                                                       "active": "0"})
    assert r.status_code == 400 and "at least one crisis resource" in text_of(r.text)
    await browser.aclose()


async def test_admin_overview_links_to_moderation_settings_and_says_which_classifier(forum, people) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ada")
    page = await browser.get("/admin")
    assert 'href="/admin/moderation"' in page.text
    assert "classifier: basic (alt-profanity-check + patterns), because FORUM_CLASSIFIER=basic" in text_of(page.text)
    await browser.aclose()
