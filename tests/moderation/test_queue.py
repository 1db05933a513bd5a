"""The queue as moderators see it: order, counts, cards, acting in place, and pre-moderation."""

from __future__ import annotations

import pytest

from tests.helpers.moderation import CRISIS, KIND, THREAT, UNKIND, flagged_reply
from tests.helpers.pages import another_browser, form_post, sign_in, signed_in_browser, text_of


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", "bob", "cal", "dee", mod=("sam", "kit"), admin="ada")


@pytest.fixture
async def sam_browser(forum, people):
    async with signed_in_browser(forum.api.client, "sam") as browser:
        yield browser


async def test_most_urgent_first_crisis_then_held_posts_then_reports_then_scores(forum, people) -> None:
    thread = await forum.thread("ash")
    scored = await forum.reply("bob", thread["id"], THREAT)                # classifier flag, still visible
    reported = await forum.reply("bob", thread["id"], "Meh, whatever.")
    await forum.report("cal", reported["id"], "spam")
    hidden = await forum.reply("bob", thread["id"], UNKIND)                 # hidden by the classifier
    crisis = await forum.reply("dee", thread["id"], CRISIS)
    await forum.work()

    order = [i["post"]["id"] for i in await forum.queue("sam")]

    assert order == [crisis["id"], hidden["id"], reported["id"], scored["id"]]


async def test_within_a_tier_the_oldest_waits_least(forum, people) -> None:
    thread = await forum.thread("ash")
    first = await forum.reply("bob", thread["id"], "One.")
    second = await forum.reply("bob", thread["id"], "Two.")
    await forum.report("cal", second["id"], "spam")
    await forum.report("cal", first["id"], "spam")
    order = [i["post"]["id"] for i in await forum.queue("sam")]
    assert order == [second["id"], first["id"]]


async def test_one_card_per_post_whatever_the_reasons(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], THREAT)
    await forum.report("cal", reply["id"], "unkind")
    await forum.report("dee", reply["id"], "unkind", "Scary.")
    await forum.work()
    items = await forum.queue("sam")
    assert len(items) == 1
    assert sorted(items[0]["sources"]) == ["classifier", "report"]
    assert [r["reporter"] for r in items[0]["reports"]] == ["cal", "dee"]
    assert (await forum.resolve("sam", items[0]["id"], "hide")).status_code == 200
    assert await forum.queue("sam") == [], "deciding the card decides every reason on it"


async def test_the_card_carries_the_authors_history(forum, people) -> None:
    thread = await forum.thread("ash")
    earlier = await forum.reply("bob", thread["id"], "Earlier.")
    await forum.report("cal", earlier["id"], "unkind")
    await forum.resolve("sam", (await forum.item_for("sam", earlier["id"]))["id"], "hide")
    now = await forum.reply("bob", thread["id"], "Again.")
    await forum.report("cal", now["id"], "unkind")

    author = (await forum.item_for("sam", now["id"]))["author"]

    assert author["name"] == "bob" and author["posts"] == 2 and author["previous_actions"] == 1


async def test_the_page_counts_what_is_waiting_and_what_is_urgent(forum, people, sam_browser) -> None:
    thread = await forum.thread("ash")
    await forum.report("cal", (await forum.reply("bob", thread["id"], "Hm."))["id"], "spam")
    await forum.reply("dee", thread["id"], CRISIS)
    await forum.work()
    page = text_of((await sam_browser.get("/mod/queue")).text)
    assert "2 waiting, 1 urgent" in page
    assert "The crisis check noticed" in page


async def test_an_empty_queue_says_so_kindly(forum, people, sam_browser) -> None:
    page = text_of((await sam_browser.get("/mod/queue")).text)
    assert "0 waiting" in page and "Nothing is waiting" in page


async def test_posts_are_collapsed_by_the_moderators_own_content_settings(forum, people, sam_browser) -> None:
    thread = await forum.thread("ash", "Losing my dad", "The hospice called at four in the morning.",
                                warnings=["death-bereavement"])
    await forum.report("cal", thread["post"]["id"], "needs-warning")

    shown = await sam_browser.get("/mod/queue")
    assert "The hospice called" in shown.text and 'details class="warned"' not in shown.text

    r = await forum.api.client.put("/api/v1/me/warning-preferences", headers=forum.api.auth("sam"),
                                   json={"death-bereavement": "hide"})
    assert r.status_code == 200
    collapsed = await sam_browser.get("/mod/queue")
    # Hidden by their settings elsewhere; here they must judge it, so it waits behind a notice.
    assert 'details class="warned"' in collapsed.text
    assert "this post mentions death and bereavement" in text_of(collapsed.text).lower()
    assert (await forum.item_for("sam", thread["post"]["id"]))["post"]["warning_mode"] == "warn"


async def test_acting_with_htmx_replaces_the_card_with_one_line_and_an_undo(forum, people, sam_browser) -> None:
    _, reply, item = await flagged_reply(forum)

    r = await form_post(sam_browser, "/mod/queue", {"flag_id": item["id"], "action": "hide"}, htmx=True)

    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<div class="card mod-card mod-result" id="card-{reply["id"]}"')
    assert "Hidden: only bob and the moderators can see it now." in r.text
    assert 'value="undo"' in r.text and "<html" not in r.text
    assert await forum.post_status(reply["id"]) == "hidden"

    action_id = r.text.split('name="action_id" value="')[1].split('"')[0]
    back = await form_post(sam_browser, "/mod/queue", {"action": "undo", "action_id": action_id}, htmx=True)
    assert back.status_code == 200 and 'class="card mod-card' in back.text and "Undone" in back.text
    assert await forum.post_status(reply["id"]) == "published"


async def test_without_javascript_a_form_post_redirects_back_with_the_result(forum, people, sam_browser) -> None:
    _, reply, item = await flagged_reply(forum)
    r = await form_post(sam_browser, "/mod/queue", {"flag_id": item["id"], "action": "remove",
                                                    "reason": "Personal details of someone else."})
    assert r.status_code in (302, 303) and r.headers["location"] == "/mod/queue"
    page = text_of((await sam_browser.get("/mod/queue")).text)
    assert "Removed: bob sees your reason and can appeal once." in page
    assert await forum.post_status(reply["id"]) == "removed"


async def test_a_refused_action_comes_back_inside_the_card(forum, people, sam_browser) -> None:
    _, reply, item = await flagged_reply(forum)
    r = await form_post(sam_browser, "/mod/queue", {"flag_id": item["id"], "action": "remove"}, htmx=True)
    assert r.status_code == 200, "htmx only swaps successful answers"
    assert 'role="alert"' in r.text and "Please give a reason" in text_of(r.text)
    assert await forum.post_status(reply["id"]) == "published"


async def test_content_warnings_from_the_card(forum, people, sam_browser) -> None:
    thread, reply, item = await flagged_reply(forum, body="My hands shake before every appointment.")
    r = await form_post(sam_browser, "/mod/queue", {"flag_id": item["id"], "action": "warnings",
                                                    "warnings": "medical"}, htmx=True)
    assert r.status_code == 200 and "Content warnings saved" in r.text
    posts = (await forum.api.get(f"/api/v1/threads/{thread['id']}")).json()["posts"]
    assert next(p for p in posts if p["id"] == reply["id"])["warnings"] == ["medical"]


async def test_a_claimed_card_shows_who_has_it_and_offers_no_actions_to_others(forum, people, sam_browser) -> None:
    _, reply, item = await flagged_reply(forum)
    r = await form_post(sam_browser, "/mod/queue", {"flag_id": item["id"], "action": "claim"}, htmx=True)
    assert "You have this one" in text_of(r.text)
    kit = another_browser(forum.api.client)
    await sign_in(kit, "kit")
    page = text_of((await kit.get("/mod/queue")).text)
    assert "sam has this one" in page and "sam is looking at this one" in page
    assert "Approve" not in page
    refused = await form_post(kit, "/mod/queue", {"flag_id": item["id"], "action": "hide"}, htmx=True)
    assert "sam is looking at this one" in refused.text
    assert await forum.post_status(reply["id"]) == "published"
    await kit.aclose()


async def test_the_queue_is_paged(forum, people) -> None:
    from moderation.queue import CARDS_PER_PAGE

    thread = await forum.thread("ash")
    for n in range(CARDS_PER_PAGE + 2):
        reply = await forum.reply("bob", thread["id"], f"Post {n}")
        await forum.report("cal", reply["id"], "spam")
    first = (await forum.api.get("/api/v1/mod/queue", as_="sam")).json()
    second = (await forum.api.get("/api/v1/mod/queue?page=2", as_="sam")).json()
    assert (first["waiting"], first["pages"], len(first["items"]), len(second["items"])) == (
        CARDS_PER_PAGE + 2, 2, CARDS_PER_PAGE, 2)


# --- pre-moderation --------------------------------------------------------------------------------

async def test_pre_moderation_is_off_by_default(forum, people) -> None:
    thread = await forum.thread("bob", "Hello", KIND)
    assert thread["post"]["status"] == "published"


async def test_pre_moderation_holds_a_new_members_first_posts_for_approval(forum, people) -> None:
    await forum.set_setting("premod_first_posts", 1)
    thread = await forum.thread("ash", "Welcome thread", KIND)  # ash's first post is held too...
    assert thread["post"]["status"] == "pending"
    await forum.work()
    item = await forum.item_for("sam", thread["post"]["id"])
    assert item["sources"] == ["premod"] and item["post"]["status"] == "pending"
    assert (await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="dee")).status_code == 404
    mine = await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="ash")
    assert mine.status_code == 200 and mine.json()["posts"][0]["status"] == "pending"
    browser = another_browser(forum.api.client)
    await sign_in(browser, "ash")
    assert "waiting for a moderator" in text_of((await browser.get(f"/threads/{thread['id']}")).text)
    await browser.aclose()

    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200

    assert (await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="dee")).status_code == 200
    assert any("approved" in n for n in await forum.notices("ash"))
    # ...and once one post is approved, the next ones go straight up.
    assert (await forum.reply("ash", thread["id"], "Thanks for having me."))["status"] == "published"


async def test_pending_replies_are_invisible_to_others_and_moderators_are_never_held(forum, people) -> None:
    thread = await forum.thread("ash")
    await forum.set_setting("premod_first_posts", 2)
    held = await forum.reply("bob", thread["id"], "My first words here.")
    assert held["status"] == "pending"
    assert held["id"] not in await forum.thread_post_ids(thread["id"], "dee")
    assert held["id"] in await forum.thread_post_ids(thread["id"], "bob")
    assert held["id"] in await forum.thread_post_ids(thread["id"], "sam")
    assert (await forum.reply("sam", thread["id"], "Welcome, bob."))["status"] == "published"


async def test_a_pending_post_with_a_crisis_signal_is_urgent(forum, people) -> None:
    thread = await forum.thread("ash")
    await forum.set_setting("premod_first_posts", 1)
    held = await forum.reply("dee", thread["id"], CRISIS)
    assert held["status"] == "pending" and held["crisis_resources"]
    await forum.work()
    item = (await forum.queue("sam"))[0]
    assert item["post"]["id"] == held["id"] and item["urgent"]
    assert sorted(item["sources"]) == ["crisis", "premod"]


async def test_no_score_or_pile_of_reports_makes_an_item_urgent(forum, people) -> None:
    from moderation.rules import URGENT_AT, classifier_priority, report_priority

    assert classifier_priority({"toxicity": 1.0}, hidden=True) < URGENT_AT
    assert report_priority(["unkind"] * 50, hidden=True) < URGENT_AT
    assert report_priority(["unkind"] * 50, hidden=False) < classifier_priority({"toxicity": 0.0}, hidden=True)
    thread = await forum.thread("ash")
    await forum.reply("bob", thread["id"], UNKIND)  # scored 1.0 and hidden: held, but not urgent
    await forum.work()
    assert [i["urgent"] for i in await forum.queue("sam")] == [False]
