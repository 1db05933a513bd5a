"""Members' side of moderation: reporting a post, the three-report rule, and appealing a removal."""

from __future__ import annotations

import pytest

from tests.helpers.moderation import KIND, flagged_reply
from tests.helpers.pages import another_browser, form_post, sign_in, text_of


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", "bob", "cal", "dee", "eve", "fay", mod=("sam", "kit"))


async def _established(forum, *names: str) -> None:
    """Accounts older than three days, each with a published post: their reports count."""
    thread = await forum.thread("ash", "Introductions")
    for name in names:
        await forum.reply(name, thread["id"], f"Hello, I'm {name}.")
    await forum.establish(*names)


async def test_a_report_puts_the_post_in_the_queue_with_its_reason_and_note(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "Buy cheap pills at example dot com")

    r = await forum.report("cal", reply["id"], "spam", "Same link in five threads.")

    assert r.status_code == 201, r.text
    item = await forum.item_for("sam", reply["id"])
    assert item["sources"] == ["report"]
    assert item["reports"] == [{"reason": "spam", "label": "Spam or advertising", "note": "Same link in five threads.",
                                "reporter": "cal", "created_at": item["reports"][0]["created_at"]}]
    assert await forum.post_status(reply["id"]) == "published", "one report never hides anything"


@pytest.mark.parametrize(("reason", "note", "status"), [
    ("rude", None, 400),        # not one of the reasons
    ("other", None, 400),       # "something else" needs a few words
    ("other", "  ", 400),
    ("other", "Feels like a scam.", 201),
    ("needs-warning", None, 201),
])
async def test_reasons_are_checked(forum, people, reason, note, status) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    assert (await forum.report("cal", reply["id"], reason, note)).status_code == status


async def test_nobody_reports_their_own_post_or_the_same_post_twice(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    assert (await forum.report("bob", reply["id"])).status_code == 403
    assert (await forum.report("cal", reply["id"])).status_code == 201
    again = await forum.report("cal", reply["id"], "spam")
    assert again.status_code == 409
    assert "already reported" in again.json()["detail"]
    assert len((await forum.item_for("sam", reply["id"]))["reports"]) == 1


async def test_visitors_cannot_report_and_nobody_reports_what_they_cannot_see(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    assert (await forum.report(None, reply["id"])).status_code == 401
    item = await forum.item_for("sam", (await flagged_reply(forum))[1]["id"])
    await forum.resolve("sam", item["id"], "hide")
    assert (await forum.report("dee", item["post"]["id"])).status_code == 404
    assert (await forum.report("dee", 999_999)).status_code == 404


async def test_three_established_members_hide_a_post_until_a_moderator_looks(forum, people) -> None:
    await _established(forum, "cal", "dee", "eve")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "Nobody here cares about you, stop whining.")

    for name in ("cal", "dee"):
        assert (await forum.report(name, reply["id"], "unkind")).status_code == 201
    assert await forum.post_status(reply["id"]) == "published"
    assert (await forum.report("eve", reply["id"], "unkind")).status_code == 201

    assert await forum.post_status(reply["id"]) == "hidden"
    assert reply["id"] not in await forum.thread_post_ids(thread["id"], "fay")
    item = await forum.item_for("sam", reply["id"])
    assert item["post"]["status"] == "hidden" and len(item["reports"]) == 3
    assert any("hidden until a moderator" in n for n in await forum.notices("bob"))
    assert (await forum.log("sam"))[0]["action"] == "auto-hide"


async def test_brand_new_accounts_cannot_hide_a_post_however_many_report_it(forum, people) -> None:
    await forum.members("new1", "new2", "new3", "new4")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], KIND)
    for name in ("new1", "new2", "new3", "new4"):
        await forum.reply(name, thread["id"], "Me too.")  # they have posts, but their accounts are hours old
        assert (await forum.report(name, reply["id"], "unkind")).status_code == 201
    assert await forum.post_status(reply["id"]) == "published"
    assert len((await forum.item_for("sam", reply["id"]))["reports"]) == 4, "moderators still see every report"


async def test_old_accounts_that_never_posted_do_not_count_either(forum, people) -> None:
    await forum.establish("cal", "dee", "eve")  # old, but no published post
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    for name in ("cal", "dee", "eve"):
        await forum.report(name, reply["id"], "unkind")
    assert await forum.post_status(reply["id"]) == "published"


async def test_worried_and_needs_a_warning_reports_never_hide_a_post(forum, people) -> None:
    await _established(forum, "cal", "dee", "eve")
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], "I don't see the point of anything lately.")
    await forum.report("cal", reply["id"], "worried")
    await forum.report("dee", reply["id"], "worried")
    await forum.report("eve", reply["id"], "needs-warning")
    assert await forum.post_status(reply["id"]) == "published"


async def test_a_worried_report_is_urgent_and_the_queue_page_shows_where_to_turn(forum, people) -> None:
    thread = await forum.thread("ash")
    ordinary = await forum.reply("bob", thread["id"], "You're all idiots.")
    worrying = await forum.reply("cal", thread["id"], "I've given my cat to my sister. It's for the best.")
    await forum.report("dee", ordinary["id"], "unkind")
    await forum.report("dee", worrying["id"], "worried", "This sounds like saying goodbye.")

    items = await forum.queue("sam")

    assert items[0]["post"]["id"] == worrying["id"] and items[0]["urgent"] is True
    assert items[1]["post"]["id"] == ordinary["id"] and items[1]["urgent"] is False
    browser = another_browser(forum.api.client)
    await sign_in(browser, "sam")
    page = text_of((await browser.get("/mod/queue")).text)
    assert "2 waiting, 1 urgent" in page
    assert "Someone may need support" in page and "Samaritans" in page
    await browser.aclose()


async def test_reporting_through_the_page(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    browser = another_browser(forum.api.client)
    await sign_in(browser, "cal")

    form = await browser.get(f"/posts/{reply['id']}/report")
    assert form.status_code == 200
    assert "I'm worried about this person" in text_of(form.text) and 'name="_csrf_token"' in form.text
    missing_note = await form_post(browser, f"/posts/{reply['id']}/report", {"reason": "other"})
    assert missing_note.status_code == 400
    assert "Tell the moderators in a few words" in text_of(missing_note.text)
    done = await form_post(browser, f"/posts/{reply['id']}/report", {"reason": "spam", "note": "An advert."})
    assert done.status_code in (302, 303)
    assert "A moderator will look at it soon" in text_of((await browser.get(done.headers["location"])).text)
    assert (await forum.item_for("sam", reply["id"]))["reports"][0]["note"] == "An advert."
    await browser.aclose()


async def test_a_worried_report_through_the_page_shows_the_reporter_where_to_turn(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    browser = another_browser(forum.api.client)
    await sign_in(browser, "cal")
    done = await form_post(browser, f"/posts/{reply['id']}/report", {"reason": "worried"})
    assert done.status_code == 200
    assert "Thank you for looking out for them" in text_of(done.text) and "Samaritans" in done.text
    await browser.aclose()


async def test_a_report_form_without_the_csrf_token_is_refused(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"])
    browser = another_browser(forum.api.client)
    await sign_in(browser, "cal")
    r = await browser.post(f"/posts/{reply['id']}/report", data={"reason": "spam"})
    assert r.status_code == 403
    await browser.aclose()


# --- appeals ---------------------------------------------------------------------------------------

async def _removed_by(forum, moderator: str) -> dict:
    _, reply, item = await flagged_reply(forum)
    assert (await forum.resolve(moderator, item["id"], "remove", "Looks like advertising.")).status_code == 200
    return reply


async def test_an_appeal_enters_the_queue_and_another_moderator_decides_it(forum, people) -> None:
    reply = await _removed_by(forum, "sam")

    r = await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob",
                             json={"note": "It was a link to a charity, not an advert."})

    assert r.status_code == 201, r.text
    item = await forum.item_for("kit", reply["id"])
    assert item["sources"] == ["appeal"]
    assert item["appeal"] == {"note": "It was a link to a charity, not an advert.", "removed_by": "sam"}
    refused = await forum.resolve("sam", item["id"], "approve")
    assert refused.status_code == 403 and "another moderator" in refused.json()["detail"]
    assert (await forum.resolve("kit", item["id"], "approve", "A charity link is fine.")).status_code == 200
    assert await forum.post_status(reply["id"]) == "published"
    assert any("appeal was accepted" in n for n in await forum.notices("bob"))


async def test_a_rejected_appeal_keeps_the_post_removed_and_tells_the_author(forum, people) -> None:
    reply = await _removed_by(forum, "sam")
    await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob", json={"note": "Please?"})
    item = await forum.item_for("kit", reply["id"])
    assert (await forum.resolve("kit", item["id"], "remove", "It's still an advert.")).status_code == 200
    assert await forum.post_status(reply["id"]) == "removed"
    assert any("the removal stands" in n for n in await forum.notices("bob"))


async def test_a_removal_can_be_appealed_once_and_only_by_its_author(forum, people) -> None:
    reply = await _removed_by(forum, "sam")
    assert (await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="cal",
                                 json={"note": "Not mine."})).status_code == 404
    assert (await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob",
                                 json={"note": "  "})).status_code == 400
    assert (await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob",
                                 json={"note": "First."})).status_code == 201
    assert (await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob",
                                 json={"note": "Second."})).status_code == 409


async def test_with_a_single_moderator_the_one_who_removed_it_may_decide(forum) -> None:
    await forum.members("ash", "bob", "cal", mod="sam")
    reply = await _removed_by(forum, "sam")
    await forum.api.post(f"/api/v1/posts/{reply['id']}/appeal", as_="bob", json={"note": "Please look again."})
    item = await forum.item_for("sam", reply["id"])
    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200


async def test_appealing_from_the_notices_page(forum, people) -> None:
    reply = await _removed_by(forum, "sam")
    browser = another_browser(forum.api.client)
    await sign_in(browser, "bob")

    page = text_of((await browser.get("/notices")).text)
    assert "removed your post" in page and "Looks like advertising." in page
    assert "Ask for a second look" in page
    r = await form_post(browser, "/notices", {"post_id": reply["id"], "note": "It was a charity link."})
    assert r.status_code in (302, 303)
    after = text_of((await browser.get("/notices")).text)
    assert "You've appealed" in after and "Ask for a second look" not in after
    assert (await forum.item_for("kit", reply["id"]))["sources"] == ["appeal"]
    await browser.aclose()
