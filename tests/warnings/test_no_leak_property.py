"""Never leak: for generated warnings, content, reader choices and gentle mode, no hidden thread's or
post's words (title, body, the author's own warning words) appear on any surface the reader can
open: the home page, topic pages, thread pages (and the 404 of a hidden one), a member's profile,
the API thread list and the API threads, with their <title> and <meta> tags.

One app per backend; between examples the content is wiped in place (cheap), so the per-process
page cache also sees ids come back, which is part of what is being tested.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from forum.accounts.models import Member
from forum.accounts.services import AccountService
from forum.discussions.models import Post, Reaction, Thread
from forum.discussions.writing import DiscussionWriter
from forum.outbox.models import OutboxEvent
from forum.warnings.models import PostWarning, ThreadWarning, WarningPreference
from forum.warnings.services import WarningInput, WarningService
from tests.helpers.warnings import new_reader

SLUGS = ["suicide", "self-harm", "violence", "medical", "other"]
DEFAULTS = {"suicide": "warn", "self-harm": "warn"}  # the seeded defaults; every other one is "show"
AUTHORS = ["writer", "reader"]

tags = st.sets(st.sampled_from(SLUGS), max_size=2)
replies = st.lists(st.tuples(st.sampled_from(AUTHORS), tags), max_size=3)
threads = st.lists(st.tuples(st.sampled_from(AUTHORS), tags, replies), min_size=1, max_size=3)
choices = st.dictionaries(st.sampled_from(SLUGS), st.sampled_from(["show", "warn", "hide"]))
salt = st.integers(min_value=0, max_value=10**9)


@dataclass
class Item:
    markers: list[str]  # every word of this thread or post that a reader who hid it must not see
    thread_index: int
    slugs: set[str]  # the warnings it carries (a post carries its thread's too)
    author: str
    is_thread: bool


def oracle(slugs: set[str], author: str, prefs: dict[str, str], gentle: bool, reader_name: str | None) -> bool:
    """True when this reader must not see content carrying these warnings (an independent restatement)."""
    if not slugs or author == reader_name:
        return False
    if gentle:
        return True
    return any(prefs.get(s, DEFAULTS.get(s, "show")) == "hide" for s in slugs)


def hidden_words(items: list[Item], prefs: dict[str, str], gentle: bool, reader_name: str | None) -> set[str]:
    """Every word of a hidden thread (its replies included) or of a hidden post."""
    hidden = [oracle(item.slugs, item.author, prefs, gentle, reader_name) for item in items]
    thread_hidden = {item.thread_index: h for item, h in zip(items, hidden, strict=True) if item.is_thread}
    return {word for item, h in zip(items, hidden, strict=True)
            if h or thread_hidden[item.thread_index] for word in item.markers}


async def wipe(app: Any) -> None:
    async with app.state.db.session() as s:
        for table in (Reaction, PostWarning, ThreadWarning, Post, Thread, OutboxEvent, WarningPreference):
            await s.execute(delete(table))
        await s.execute(update(Member).values(gentle_until=None))
        await s.commit()


async def build(app: Any, plan: list[Any], salt_value: int) -> tuple[list[Item], list[int]]:
    """Stores the planned threads and replies with unique marker words; returns the items and thread ids."""
    counter = itertools.count()

    def marker(kind: str) -> str:
        return f"zq{kind}{salt_value}x{next(counter)}qz"

    items: list[Item] = []
    thread_ids: list[int] = []
    async with app.state.db.session() as s:
        accounts, service = AccountService(s), DiscussionWriter(s)
        members = {name: await accounts.by_username(name) for name in AUTHORS}
        for index, (author, thread_tags, thread_replies) in enumerate(plan):
            title, body = marker("title"), marker("body")
            note = marker("note") if "other" in thread_tags else None
            done = await service.create_thread(members[author], "anxiety", f"Thread {title}", f"Words {body}",
                                               WarningInput(tuple(sorted(thread_tags - {"other"})), note))
            thread_ids.append(done.thread.id)
            items.append(Item([title, body, *([note] if note else [])], index, set(thread_tags), author, True))
            for reply_author, reply_tags in thread_replies:
                words = marker("reply")
                reply_note = marker("note") if "other" in reply_tags else None
                await service.reply(members[reply_author], done.thread.id, f"Reply {words}",
                                    WarningInput(tuple(sorted(reply_tags - {"other"})), reply_note))
                items.append(Item([words, *([reply_note] if reply_note else [])], index,
                                  thread_tags | reply_tags, reply_author, False))
    return items, thread_ids


async def set_choices(app: Any, reader: Any, prefs: dict[str, str], gentle: bool) -> None:
    if reader.kind == "member":
        async with app.state.db.session() as s:
            member = await AccountService(s).by_username("reader")
            service = WarningService(s)
            await service.save_member_modes(member, prefs)  # type: ignore[arg-type]
            await service.set_member_gentle(member, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1) if gentle else None)
        return
    # A visitor's session keeps earlier choices, so every warning is set (to the default where unchosen).
    await reader.choose(**{slug.replace("-", "_"): prefs.get(slug, DEFAULTS.get(slug, "show")) for slug in SLUGS})
    await reader.gentle("hour" if gentle else "off")


async def every_surface(reader: Any, thread_ids: list[int]) -> dict[str, str]:
    """The text of every page and API answer this reader can ask for."""
    seen: dict[str, str] = {}
    for path in ("/", "/topics/anxiety", "/members/writer", "/members/reader"):
        seen[path] = (await reader.page(path)).text
    seen["api list"] = (await reader.api("/api/v1/topics/anxiety/threads")).text
    seen["api topics"] = (await reader.api("/api/v1/topics")).text
    for thread_id in thread_ids:
        page = await reader.page(f"/threads/{thread_id}")
        seen[f"/threads/{thread_id}"] = page.text
        if page.status_code == 200 and "?page=2" in page.text:
            seen[f"/threads/{thread_id}?page=2"] = (await reader.page(f"/threads/{thread_id}?page=2")).text
        seen[f"api thread {thread_id}"] = (await reader.api(f"/api/v1/threads/{thread_id}")).text
    return seen


async def check_no_leak(api: Any, kind: str, plan: list[Any], prefs: dict[str, str], gentle: bool,
                        salt_value: int, reader: Any) -> None:
    app = api.client.app
    await wipe(app)
    items, thread_ids = await build(app, plan, salt_value)
    await set_choices(app, reader, prefs, gentle)
    reader_name = "reader" if kind == "member" else None
    surfaces = await every_surface(reader, thread_ids)
    for name, text in surfaces.items():
        # A visitor's choices live in their page session; the API has no sessions, so there the defaults hold.
        api_as_visitor = kind == "visitor" and name.startswith("api")
        words = hidden_words(items, {} if api_as_visitor else prefs, gentle and not api_as_visitor, reader_name)
        for word in words:
            assert word not in text, f"{word!r} leaked on {name} (plan={plan}, prefs={prefs}, gentle={gentle})"
    # and the filter is not simply hiding everything: what may be seen is there
    hidden = hidden_words(items, prefs, gentle, reader_name)
    visible_titles = [item.markers[0] for item in items if item.is_thread and item.markers[0] not in hidden]
    for word in visible_titles:
        assert word in surfaces["/topics/anxiety"] and word in surfaces["api list"]


@pytest.fixture
async def member_reader(api: Any) -> AsyncIterator[Any]:
    await api.member("writer")
    reader = await new_reader(api, "member", "reader")
    yield reader
    await reader.close()


@pytest.fixture
async def visitor_reader(api: Any) -> AsyncIterator[Any]:
    await api.member("writer")
    await api.member("reader")  # an author too, whose content the visitor treats like anyone's
    reader = await new_reader(api, "visitor")
    yield reader
    await reader.close()


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(plan=threads, prefs=choices, gentle=st.booleans(), salt_value=salt)
async def test_no_hidden_words_reach_a_member_on_any_surface(api, member_reader, plan, prefs, gentle, salt_value):
    await check_no_leak(api, "member", plan, prefs, gentle, salt_value, member_reader)


@SETTINGS
@given(plan=threads, prefs=choices, gentle=st.booleans(), salt_value=salt)
async def test_no_hidden_words_reach_a_visitor_on_any_surface(api, visitor_reader, plan, prefs, gentle, salt_value):
    await check_no_leak(api, "visitor", plan, prefs, gentle, salt_value, visitor_reader)
