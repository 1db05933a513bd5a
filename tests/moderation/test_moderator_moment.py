"""The moderator's moment: a crisis card that says at once what happened and what to do, a badge in
every moderator's header, a queue that refreshes itself, and the alert settings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from forum.discussions.models import Post
from tests.helpers.moderation import KIND, THREAT
from tests.helpers.pages import another_browser, form_post, sign_in, signed_in_browser, text_of

# The rule-based crisis check certainly fires on this (intent, a chosen time).
URGENT = "I'm going to kill myself tonight."


@pytest.fixture
async def people(forum) -> None:
    await forum.members("ash", "rowan", "cal", mod="sam", admin="ada")


@pytest.fixture
async def sam(forum, people):
    async with signed_in_browser(forum.api.client, "sam") as browser:
        yield browser


@pytest.fixture
async def cal(forum, people):
    async with signed_in_browser(forum.api.client, "cal") as browser:
        yield browser


def card_html(page: str, post_id: int) -> str:
    """One card of the queue page, from its <article> to the next."""
    match = re.search(rf'<article class="card mod-card[^"]*" id="card-{post_id}".*?</article>', page, re.S)
    assert match, f"no card for post {post_id} on the page"
    return match.group(0)


async def crisis_post(forum, thread_id: int, author: str = "rowan", body: str = URGENT) -> dict:
    reply = await forum.reply(author, thread_id, body)
    assert reply["crisis_resources"], "the test sentence must fire the crisis check"
    await forum.work()
    return reply


async def set_posted_at(forum, post_id: int, minutes_ago: int) -> dt.datetime:
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=minutes_ago)
    async with forum.db.session() as s:
        await s.execute(update(Post).where(Post.id == post_id).values(created_at=moment))
        await s.commit()
    return moment


# --- the crisis card ---------------------------------------------------------------------------

async def test_the_crisis_card_leads_with_the_words_that_fired_and_marks_them_in_the_post(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    reply = await crisis_post(forum, thread["id"])
    matched = (await forum.item_for("sam", reply["id"]))["crisis"]["matched"]
    assert matched, "the crisis flag keeps the words that fired"

    card = card_html((await sam.get("/mod/queue")).text, reply["id"])

    lead = card.index("The crisis check noticed:")
    body = card.index('class="post-body"')
    assert lead < body, "the words that fired come before the post"
    for words in matched:
        assert f'<mark class="crisis-words">{words}</mark>' in card[lead:body]
    marked_in_post = re.findall(r'<mark class="crisis-words">(.*?)</mark>', card[body:])
    assert [m.lower() for m in marked_in_post] == [m.lower() for m in matched], "each phrase marked in the post"


async def test_the_crisis_card_shows_where_and_when_with_the_time_in_two_ways(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    reply = await crisis_post(forum, thread["id"])
    moment = await set_posted_at(forum, reply["id"], 12)

    card = card_html((await sam.get("/mod/queue")).text, reply["id"])

    assert f'href="/threads/{thread["id"]}#post-{reply["id"]}"' in card
    assert "Go to the post" in text_of(card)
    assert f'<time datetime="{moment.isoformat()}"' in card
    assert "12 minutes ago" in text_of(card)
    assert moment.strftime("%H:%M UTC") in text_of(card), "the absolute time, for the log and for colleagues"


async def test_the_thread_link_goes_to_the_page_the_post_is_on(forum, people, sam) -> None:
    thread = await forum.thread("ash", "A long thread")
    for n in range(20):  # the opening post and these fill page 1 and start page 2
        filler = await forum.reply("ash", thread["id"], f"I tried the breathing exercise and it helped a bit ({n}).")
        assert filler["crisis_resources"] is None, "the filler must not fire the crisis check"
    reply = await crisis_post(forum, thread["id"])

    card = card_html((await sam.get("/mod/queue")).text, reply["id"])

    assert f'href="/threads/{thread["id"]}?page=2#post-{reply["id"]}"' in card
    thread_page = await sam.get(f"/threads/{thread['id']}?page=2")
    assert f'id="post-{reply["id"]}"' in thread_page.text


async def test_the_crisis_card_offers_a_reply_now_and_its_reply_box_posts_in_the_thread(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    reply = await crisis_post(forum, thread["id"])
    card = card_html((await sam.get("/mod/queue")).text, reply["id"])

    assert f'href="/threads/{thread["id"]}#reply-form"' in card
    assert "Reply in the thread" in text_of(card)
    form = re.search(rf'<form method="post" action="/threads/{thread["id"]}" class="quick-reply-form">.*?</form>',
                     card, re.S)
    assert form and 'name="body"' in form.group(0) and 'name="_csrf_token"' in form.group(0)
    assert "private message" not in text_of(card).lower(), "no conversations yet: the seam stays closed"

    words = "Rowan, I'm here and I'm reading. Can you tell me if you're safe right now?"
    r = await form_post(sam, f"/threads/{thread['id']}", {"body": words, "action": "post"})

    assert r.status_code in (302, 303), r.text[:300]
    assert words in text_of((await sam.get(f"/threads/{thread['id']}")).text).replace("’", "'")


async def test_the_crisis_card_lists_the_authors_recent_posts_through_the_moderators_own_choices(
        forum, people, sam) -> None:
    r = await forum.api.client.put("/api/v1/me/warning-preferences", headers=forum.api.auth("sam"),
                                   json={"self-harm": "warn", "eating-difficulties": "hide"})
    assert r.status_code == 200, r.text
    own = await forum.thread("rowan", "Small wins", "I made tea and sat outside for ten minutes today.")
    other = await forum.thread("ash", "Anyone else awake?")
    warned = await forum.api.post(f"/api/v1/threads/{other['id']}/posts", as_="rowan",
                                  json={"body": "I slipped last week and didn't tell anyone.",
                                        "warnings": ["self-harm"]})
    hidden = await forum.api.post(f"/api/v1/threads/{other['id']}/posts", as_="rowan",
                                  json={"body": "Skipped every meal again.", "warnings": ["eating-difficulties"]})
    assert warned.status_code == hidden.status_code == 201
    reply = await crisis_post(forum, other["id"])

    card = card_html((await sam.get("/mod/queue")).text, reply["id"])
    recent = re.search(r'<details class="recent-posts".*?</details>', card, re.S)

    assert recent, "the author's recent posts are on the card"
    listed = recent.group(0)
    assert " open" in listed.split(">", 1)[0], "open on a crisis card: a pattern may matter"
    assert f'href="/threads/{own["id"]}#post-{own["post"]["id"]}"' in listed
    assert "I made tea and sat outside" in listed and "“Small wins”" in listed
    assert f'#post-{warned.json()["id"]}"' in listed, "a warned post is listed..."
    assert "didn't tell anyone" not in listed and "didn&#39;t tell anyone" not in listed, "...without its words"
    assert "Behind a content warning for you: Self-harm" in text_of(listed)
    assert f'#post-{hidden.json()["id"]}"' not in listed and "Skipped every meal" not in listed, \
        "what the moderator hides is never fetched"
    assert f'#post-{reply["id"]}"' not in listed, "the card's own post isn't repeated"


async def test_no_score_bars_on_a_pure_crisis_card_but_bars_where_the_classifier_flagged(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    reply = await crisis_post(forum, thread["id"])
    threat = await forum.reply("cal", thread["id"], THREAT)
    await forum.work()
    async with forum.db.session() as s:
        scores = await s.scalar(select(Post.classifier_scores).where(Post.id == reply["id"]))
    assert scores, "the classifier scored the crisis post too; the card just doesn't show it"

    page = (await sam.get("/mod/queue")).text
    crisis_card, threat_card = card_html(page, reply["id"]), card_html(page, threat["id"])

    assert 'class="scores"' not in crisis_card and "<meter" not in crisis_card
    assert 'class="scores"' in threat_card and "<meter" in threat_card


def test_highlighting_marks_words_in_the_text_only_and_never_unescapes_anything() -> None:
    from moderation.queue import highlight

    body = ('<p>Tonight I <em>will</em> kill myself. <a href="/x" title="kill myself" rel="nofollow">kill\n'
            'MYSELF</a> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>')

    marked = str(highlight(body, ["kill myself", "<script>"]))

    assert marked.count('<mark class="crisis-words">') == 3
    assert 'title="kill myself"' in marked, "attributes are copied as they came, never marked"
    assert '<mark class="crisis-words">kill\nMYSELF</mark>' in marked, "any case, any whitespace"
    assert '<mark class="crisis-words">&lt;script&gt;</mark>alert(1)&lt;/script&gt; &amp; more' in marked
    assert "<script>" not in marked
    assert str(highlight(body, ["not in the post"])) == body


# --- the header badge --------------------------------------------------------------------------

async def test_moderators_see_the_urgent_count_in_their_header_and_members_never_do(forum, people, sam, cal) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    await crisis_post(forum, thread["id"])
    await crisis_post(forum, thread["id"], author="cal",
                      body="I have the pills ready and I'm going to take them all tonight.")
    await forum.report("cal", (await forum.reply("ash", thread["id"], KIND))["id"], "spam")  # waiting, not urgent

    home = (await sam.get("/")).text
    slot = re.search(r'<span id="mod-badge"[^>]*>', home)
    assert slot, "every page's header has the badge slot for a moderator"
    assert 'hx-get="/mod/badge"' in slot.group(0) and "every 30s" in slot.group(0)
    badge = await sam.get("/mod/badge")
    assert badge.status_code == 200 and "2 urgent" in text_of(badge.text)
    assert 'href="/mod/queue"' in badge.text
    queue = (await sam.get("/mod/queue")).text
    header = queue.split('<main', 1)[0]
    assert "2 urgent" in text_of(header), "on the queue itself the badge comes with the page"

    for page in ((await cal.get("/")).text, (await forum.api.client.get("/")).text):
        assert "mod-badge" not in page and "/mod/badge" not in page
    assert text_of((await cal.get("/mod/badge")).text) == "", "a member asking gets nothing, not a count"


async def test_the_badge_goes_when_the_urgent_item_is_dealt_with(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    reply = await crisis_post(forum, thread["id"])
    assert "1 urgent" in text_of((await sam.get("/mod/badge")).text)
    item = await forum.item_for("sam", reply["id"])
    assert (await forum.resolve("sam", item["id"], "approve", "Replied to rowan; they are safe.")).status_code == 200
    assert text_of((await sam.get("/mod/badge")).text) == ""


# --- the queue refreshes itself ----------------------------------------------------------------

async def test_the_queue_polls_every_15_seconds_and_has_a_refresh_link_without_javascript(forum, people, sam) -> None:
    page = (await sam.get("/mod/queue")).text
    poller = re.search(r'<div id="queue-poll"[^>]*>', page, re.S)
    assert poller, "the queue has a polling region"
    attrs = poller.group(0)
    assert 'hx-get="/mod/queue/poll"' in attrs and 'hx-trigger="every 15s"' in attrs
    assert 'hx-swap="none"' in attrs, "polling never swaps the cards on the page, only what is new"
    assert re.search(r'<a href="/mod/queue"[^>]*>Refresh</a>', page)


async def test_a_poll_brings_only_new_cards_and_the_count_leaving_cards_on_the_page_alone(forum, people, sam) -> None:
    thread = await forum.thread("ash", "Anyone else awake?")
    first = await forum.reply("ash", thread["id"], "Meh.")
    await forum.report("cal", first["id"], "spam")
    page = (await sam.get("/mod/queue")).text
    assert f'<input type="hidden" name="shown" value="{first["id"]}">' in card_html(page, first["id"])

    quiet = await sam.get("/mod/queue/poll", params={"page": 1, "shown": [first["id"]]})
    assert quiet.status_code == 200
    assert "<article" not in quiet.text, "nothing new: no cards"
    assert 'id="queue-count"' in quiet.text and "1 waiting" in text_of(quiet.text)

    urgent = await crisis_post(forum, thread["id"])
    fresh = (await sam.get("/mod/queue/poll", params={"page": 1, "shown": [first["id"]]})).text

    assert 'hx-swap-oob="beforeend:#queue-new"' in fresh
    assert f'id="card-{urgent["id"]}"' in fresh and "Just arrived" in fresh
    assert f'id="card-{first["id"]}"' not in fresh, "a card on the page (maybe mid-reason) is never resent"
    assert "2 waiting, 1 urgent" in text_of(fresh)
    assert re.search(r'<span id="mod-badge" hx-swap-oob="innerHTML">.*1 urgent', fresh, re.S)


async def test_members_cannot_poll_the_queue(forum, people, cal) -> None:
    r = await cal.get("/mod/queue/poll")
    assert r.status_code == 403


# --- alert settings ----------------------------------------------------------------------------

async def test_admins_set_where_alerts_go_and_the_log_keeps_no_secret_address(forum, people) -> None:
    ada = another_browser(forum.api.client)
    await sign_in(ada, "ada")
    page = (await ada.get("/admin/moderation")).text
    assert 'id="alerts"' in page and "Never what was written or who wrote it" in text_of(page)

    hook = "https://chat.example.org/hooks/s3cret-token"
    r = await form_post(ada, "/admin/moderation", {"section": "alerts", "webhook_url": hook,
                                                   "alert_emails": "sam@example.org\nkit@example.org"})
    assert r.status_code in (302, 303), r.text[:500]

    from moderation.config import load_config

    async with forum.db.session() as s:
        config = await load_config(s)
    assert config.alert_webhook == hook and config.alert_emails == ("sam@example.org", "kit@example.org")
    saved = (await ada.get("/admin/moderation")).text
    assert hook in saved and "kit@example.org" in saved
    entry = (await forum.log("ada"))[0]
    assert entry["details"]["key"] == "alerts" and entry["details"]["after"] == {"webhook": True, "emails": 2}
    assert "s3cret" not in str(entry)

    bad = await form_post(ada, "/admin/moderation", {"section": "alerts", "webhook_url": "ftp://nope",
                                                     "alert_emails": "sam@example.org, not-an-address"})
    assert bad.status_code == 400
    assert "starting with https://" in text_of(bad.text) and "not-an-address" in text_of(bad.text)
    await ada.aclose()


async def test_moderators_who_are_not_admins_cannot_change_alerts(forum, people, sam) -> None:
    r = await form_post(sam, "/admin/moderation", {"section": "alerts", "webhook_url": "https://evil.example/x"})
    assert r.status_code == 403
    from moderation.config import load_config

    async with forum.db.session() as s:
        assert (await load_config(s)).alert_webhook == ""
