"""What each moderator action does to who sees a post, to the author's account, to their notices
and to the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

import moderation.actions
from forum.accounts.models import Member
from moderation.models import Flag, ModAction
from tests.helpers.moderation import UNKIND, flagged_reply
from tests.helpers.pages import another_browser, sign_in, text_of


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", "bob", "cal", "dee", mod=("sam", "kit"), admin="ada")


def _signed_in(html: str) -> bool:
    return 'action="/logout"' in html


async def _visible_to_readers(forum, thread_id: int, post_id: int) -> bool:
    """Whether a visitor and another member both see the post, in the API and on the page."""
    seen = [post_id in await forum.thread_post_ids(thread_id), post_id in await forum.thread_post_ids(thread_id, "dee")]
    page = await forum.api.client.get(f"/threads/{thread_id}")
    seen.append(f'id="post-{post_id}"' in page.text)
    assert len(set(seen)) == 1, f"the API and the page disagree: {seen}"
    return seen[0]


async def test_hide_takes_the_post_from_readers_but_not_from_its_author(forum, people) -> None:
    thread, reply, item = await flagged_reply(forum)

    r = await forum.resolve("sam", item["id"], "hide", "Let's give this thread some space.")

    assert r.status_code == 200, r.text
    assert not await _visible_to_readers(forum, thread["id"], reply["id"])
    mine = await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="bob")
    assert [p["status"] for p in mine.json()["posts"] if p["id"] == reply["id"]] == ["hidden"]
    assert any("hidden your post" in n and "some space" in n for n in await forum.notices("bob"))
    assert await forum.queue("sam") == []


async def test_remove_needs_a_reason_which_the_author_sees(forum, people) -> None:
    thread, reply, item = await flagged_reply(forum)

    refused = await forum.resolve("sam", item["id"], "remove")
    assert refused.status_code == 400
    assert await forum.post_status(reply["id"]) == "published"

    r = await forum.resolve("sam", item["id"], "remove", "Please keep advice about medication to your doctor.")
    assert r.status_code == 200, r.text
    assert not await _visible_to_readers(forum, thread["id"], reply["id"])
    mine = (await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="bob")).json()["posts"]
    removed = next(p for p in mine if p["id"] == reply["id"])
    assert removed["status"] == "removed"
    assert removed["removal_reason"] == "Please keep advice about medication to your doctor."
    assert any("removed your post" in n and "appeal" in n for n in await forum.notices("bob"))


async def test_approve_brings_back_a_post_that_was_hidden_pending_review(forum, people) -> None:
    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], UNKIND)
    await forum.work()
    assert not await _visible_to_readers(forum, thread["id"], reply["id"])
    item = await forum.item_for("sam", reply["id"])

    r = await forum.resolve("sam", item["id"], "approve", "Banter between friends.")

    assert r.status_code == 200, r.text
    assert await _visible_to_readers(forum, thread["id"], reply["id"])
    assert any("visible again" in n for n in await forum.notices("bob"))
    async with forum.db.session() as s:
        flag = await s.get(Flag, item["id"])
        assert (flag.status, flag.resolution, flag.agreed) == ("resolved", "approve", False)


async def test_hiding_a_classifier_flag_counts_as_agreeing_with_it(forum, people) -> None:
    from tests.helpers.moderation import THREAT

    thread = await forum.thread("ash")
    reply = await forum.reply("bob", thread["id"], THREAT)
    await forum.work()
    item = await forum.item_for("sam", reply["id"])
    assert (await forum.resolve("sam", item["id"], "hide")).status_code == 200
    async with forum.db.session() as s:
        assert (await s.get(Flag, item["id"])).agreed is True


async def test_content_warnings_from_the_queue_are_the_moderators_and_readers_filters_apply(forum, people) -> None:
    thread, reply, item = await flagged_reply(forum, body="The day of the funeral I couldn't stand up.")
    r = await forum.api.client.put("/api/v1/me/warning-preferences", headers=forum.api.auth("dee"),
                                   json={"death-bereavement": "hide"})
    assert r.status_code == 200, r.text

    r = await forum.resolve("sam", item["id"], "warnings", warnings=["death-bereavement"])

    assert r.status_code == 200, r.text
    posts = (await forum.api.get(f"/api/v1/threads/{thread['id']}")).json()["posts"]
    tagged = next(p for p in posts if p["id"] == reply["id"])
    assert tagged["warnings"] == ["death-bereavement"]
    assert tagged["warning_details"][0]["added_by"] == "moderator"
    assert reply["id"] not in await forum.thread_post_ids(thread["id"], "dee")
    assert any("content warning" in n for n in await forum.notices("bob"))


async def test_warn_tells_the_author_and_hides_the_post(forum, people) -> None:
    thread, reply, item = await flagged_reply(forum)
    r = await forum.resolve("sam", item["id"], "warn", "Please speak to others the way you'd like to be spoken to.")
    assert r.status_code == 200, r.text
    assert any("the way you'd like to be spoken to" in n for n in await forum.notices("bob"))
    assert not await _visible_to_readers(forum, thread["id"], reply["id"])


@pytest.mark.parametrize("action", ["suspend", "ban"])
async def test_suspension_and_ban_end_the_members_token_and_web_session_at_once(forum, people, action) -> None:
    browser = another_browser(forum.api.client)
    await sign_in(browser, "bob")
    assert _signed_in((await browser.get("/")).text)
    assert (await forum.api.get("/api/v1/me", as_="bob")).status_code == 200
    thread, reply, item = await flagged_reply(forum)

    r = await forum.resolve("sam", item["id"], action, "Repeated harassment after a warning.", days=7)

    assert r.status_code == 200, r.text
    assert (await forum.api.get("/api/v1/me", as_="bob")).status_code == 401
    assert not _signed_in((await browser.get("/")).text)
    again = await forum.api.client.post("/api/v1/auth/token", json={"username": "bob",
                                                                   "password": "a-long-password-123"})
    assert again.status_code == 403
    async with forum.db.session() as s:
        member = await s.scalar(select(Member).where(Member.username == "bob"))
    assert member.status == ("suspended" if action == "suspend" else "banned")
    if action == "suspend":
        expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
        assert abs((member.suspended_until - expected).total_seconds()) < 60
    assert not await _visible_to_readers(forum, thread["id"], reply["id"])
    await browser.aclose()


async def test_only_an_admin_may_suspend_a_moderator_and_nobody_suspends_themselves(forum, people) -> None:
    thread = await forum.thread("ash")
    by_kit = await forum.reply("kit", thread["id"], "A reply from a moderator.")
    assert (await forum.report("cal", by_kit["id"], "unkind")).status_code == 201
    item = await forum.item_for("sam", by_kit["id"])

    assert (await forum.resolve("sam", item["id"], "suspend", "Testing.", days=1)).status_code == 403
    assert (await forum.resolve("kit", item["id"], "ban", "Testing.")).status_code == 403
    assert (await forum.resolve("ada", item["id"], "suspend", "Cooling off.", days=1)).status_code == 200


async def test_a_claimed_item_is_refused_kindly_to_other_moderators_until_the_claim_lapses(forum, people) -> None:
    _, reply, item = await flagged_reply(forum)
    assert (await forum.api.post(f"/api/v1/mod/flags/{item['id']}/claim", as_="sam")).status_code == 200
    assert (await forum.item_for("kit", reply["id"]))["claimed_by"] == "sam"

    refused = await forum.resolve("kit", item["id"], "hide")

    assert refused.status_code == 409
    assert "sam is looking at this one" in refused.json()["detail"]
    assert await forum.post_status(reply["id"]) == "published"
    async with forum.db.session() as s:  # sam went to bed
        await s.execute(update(Flag).values(claimed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
        await s.commit()
    assert (await forum.resolve("kit", item["id"], "hide")).status_code == 200


async def test_the_claimer_can_act_and_let_go(forum, people) -> None:
    _, reply, item = await flagged_reply(forum)
    await forum.api.post(f"/api/v1/mod/flags/{item['id']}/claim", as_="sam")
    assert (await forum.api.post(f"/api/v1/mod/flags/{item['id']}/unclaim", as_="sam")).status_code == 200
    assert (await forum.item_for("kit", reply["id"]))["claimed_by"] is None
    await forum.api.post(f"/api/v1/mod/flags/{item['id']}/claim", as_="sam")
    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200


async def test_a_second_decision_on_the_same_item_is_refused(forum, people) -> None:
    _, reply, item = await flagged_reply(forum)
    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200
    late = await forum.resolve("kit", item["id"], "remove", "Too late.")
    assert late.status_code == 409
    assert "already been dealt with by sam" in late.json()["detail"]
    assert await forum.post_status(reply["id"]) == "published"


async def test_undo_puts_the_post_and_the_item_back_within_the_window(forum, people) -> None:
    thread, reply, item = await flagged_reply(forum)
    done = (await forum.resolve("sam", item["id"], "remove", "Off topic.")).json()
    assert done["undoable"] is True

    undo = await forum.api.post(f"/api/v1/mod/actions/{done['action_id']}/undo", as_="sam")

    assert undo.status_code == 200, undo.text
    assert await _visible_to_readers(forum, thread["id"], reply["id"])
    again = await forum.item_for("sam", reply["id"])
    assert again["id"] == item["id"] and again["claimed_by"] == "sam"
    assert not any("removed your post" in n for n in await forum.notices("bob")), "the unread notice is taken back"
    assert [e["action"] for e in await forum.log("sam")][:2] == ["undo", "remove"]
    assert (await forum.api.post(f"/api/v1/mod/actions/{done['action_id']}/undo", as_="sam")).status_code == 409


async def test_undo_is_only_for_the_same_moderator_and_only_for_a_few_minutes(forum, people, monkeypatch) -> None:
    _, reply, item = await flagged_reply(forum)
    done = (await forum.resolve("sam", item["id"], "hide")).json()
    assert (await forum.api.post(f"/api/v1/mod/actions/{done['action_id']}/undo", as_="kit")).status_code == 404
    # Six minutes later (the log itself can't be backdated: it is append-only in the database).
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    monkeypatch.setattr(moderation.actions, "utcnow", lambda: later)
    late = await forum.api.post(f"/api/v1/mod/actions/{done['action_id']}/undo", as_="sam")
    assert late.status_code == 409
    assert await forum.post_status(reply["id"]) == "hidden"


async def test_undoing_a_suspension_restores_the_account(forum, people) -> None:
    _, _, item = await flagged_reply(forum)
    done = (await forum.resolve("sam", item["id"], "suspend", "Cooling off.", days=3)).json()
    assert (await forum.api.post(f"/api/v1/mod/actions/{done['action_id']}/undo", as_="sam")).status_code == 200
    assert (await forum.api.client.post("/api/v1/auth/token", json={
        "username": "bob", "password": "a-long-password-123"})).status_code == 200


async def test_hiding_an_opening_post_takes_its_thread_out_of_the_topic(forum, people) -> None:
    thread = await forum.thread("bob", "Opening words", UNKIND)
    await forum.work()  # the classifier hides it
    listed = (await forum.api.get("/api/v1/topics/anxiety/threads", as_="dee")).json()["threads"]
    assert thread["id"] not in [t["id"] for t in listed]
    assert (await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="dee")).status_code == 404
    item = await forum.item_for("sam", thread["post"]["id"])
    assert (await forum.resolve("sam", item["id"], "approve")).status_code == 200
    listed = (await forum.api.get("/api/v1/topics/anxiety/threads", as_="dee")).json()["threads"]
    assert thread["id"] in [t["id"] for t in listed]


async def test_reply_counts_follow_visibility(forum, people) -> None:
    thread, _, item = await flagged_reply(forum)

    async def count() -> int:
        listed = (await forum.api.get("/api/v1/topics/anxiety/threads")).json()["threads"]
        return next(t["reply_count"] for t in listed if t["id"] == thread["id"])

    assert await count() == 1
    await forum.resolve("sam", item["id"], "hide")
    assert await count() == 0


@pytest.mark.parametrize(("action", "extra"), [
    ("approve", {}), ("hide", {}), ("remove", {"reason": "Off topic."}), ("warnings", {"warnings": ["medical"]}),
    ("warn", {"reason": "Be kind."}), ("suspend", {"reason": "Cooling off.", "days": 2}),
    ("ban", {"reason": "Spam account."}),
])
async def test_every_action_is_in_the_audit_log_with_who_what_target_and_reason(forum, people, action, extra) -> None:
    _, reply, item = await flagged_reply(forum)
    extra = dict(extra)
    reason = extra.pop("reason", None)
    r = await forum.resolve("sam", item["id"], action, reason, **extra)
    assert r.status_code == 200, r.text

    entry = (await forum.log("sam"))[0]

    assert (entry["actor"], entry["action"]) == ("sam", action)
    assert entry["target"]["kind"] == "post" and entry["target"]["id"] == reply["id"]
    assert "bob" in entry["target"]["label"] and "Rough week" in entry["target"]["label"]
    assert entry["reason"] == reason
    assert entry["details"]["sources"] == ["report"]


async def test_the_audit_log_cannot_be_edited_through_the_application(forum, people) -> None:
    _, _, item = await flagged_reply(forum)
    await forum.resolve("sam", item["id"], "hide", "Harsh.")
    async with forum.db.session() as s:
        entry = await s.scalar(select(ModAction))
        entry.reason = "Nothing to see."
        with pytest.raises(RuntimeError, match="append-only"):
            await s.flush()


async def test_the_log_page_lists_actions_for_moderators(forum, people) -> None:
    _, _, item = await flagged_reply(forum)
    await forum.resolve("sam", item["id"], "remove", "Selling things.")
    browser = another_browser(forum.api.client)
    await sign_in(browser, "kit")
    page = await browser.get("/mod/log")
    assert page.status_code == 200
    assert "sam removed post" in text_of(page.text) and "Selling things." in page.text
    await browser.aclose()


def test_every_action_a_moderator_can_choose_has_its_decision() -> None:
    from moderation.decisions import DECISIONS
    from moderation.rules import ACTIONS

    assert set(DECISIONS) == set(ACTIONS)
    # The classifier learns "upheld" only from decisions that say the post was a problem.
    assert {name for name, d in DECISIONS.items() if d.agrees_with_classifier} == {"hide", "remove", "warn",
                                                                                    "suspend", "ban"}
    assert {name for name, d in DECISIONS.items() if not d.undoable} == {"warnings"}
