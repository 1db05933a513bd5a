"""The one decision of what a reader sees (forum.warnings.visibility): show, warn or hide.

It exists twice, as `decide` for content in hand and as SQL clauses for filtering in the query;
the second half of this file checks, for generated content and readers, that the two agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import Session

import forum.accounts.models
import forum.outbox.models  # noqa: F401  (every table the metadata knows)
from forum.db.base import metadata
from forum.discussions.models import Post, Thread
from forum.warnings.models import PostWarning, ThreadWarning
from forum.warnings.visibility import Reader, decide, visible_posts, visible_threads

SUICIDE, SELF_HARM, VIOLENCE, OTHER = 1, 2, 3, 4
LATER = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)


def reader(modes: dict[int, str] | None = None, member_id: int | None = None, gentle: bool = False,
           moderator: bool = False) -> Reader:
    return Reader(member_id, moderator, modes or {}, LATER if gentle else None)


# --- decide ----------------------------------------------------------------------------------------


def test_untagged_content_is_shown_to_everyone_even_in_gentle_mode():
    assert decide(reader(), []) == "show"
    assert decide(reader({VIOLENCE: "hide"}, gentle=True), []) == "show"


@pytest.mark.parametrize("mode", ["show", "warn", "hide"])
def test_a_single_warning_follows_the_readers_choice(mode):
    assert decide(reader({VIOLENCE: mode}), [VIOLENCE]) == mode


def test_a_warning_the_reader_has_no_choice_for_is_shown():
    assert decide(reader({SUICIDE: "hide"}), [VIOLENCE]) == "show"


def test_with_several_warnings_the_most_careful_choice_wins():
    choices = {SUICIDE: "show", SELF_HARM: "warn", VIOLENCE: "hide"}
    assert decide(reader(choices), [SUICIDE, SELF_HARM]) == "warn"
    assert decide(reader(choices), [SUICIDE, SELF_HARM, VIOLENCE]) == "hide"
    assert decide(reader(choices), [SUICIDE]) == "show"


def test_gentle_mode_hides_everything_tagged_whatever_the_saved_choices():
    gentle = reader({SUICIDE: "show", OTHER: "show"}, gentle=True)
    assert decide(gentle, [SUICIDE]) == "hide"
    assert decide(gentle, [OTHER]) == "hide"
    assert gentle.filters_anything


def test_an_author_sees_their_own_hidden_content_collapsed_not_taken_away():
    choices = {VIOLENCE: "hide"}
    assert decide(reader(choices, member_id=7), [VIOLENCE], author_id=7) == "warn"
    assert decide(reader(choices, member_id=7), [VIOLENCE], author_id=8) == "hide"
    assert decide(reader({}, member_id=7, gentle=True), [VIOLENCE], author_id=7) == "warn"
    assert decide(reader(choices), [VIOLENCE], author_id=None) == "hide"


def test_moderators_follow_their_own_choices_too():
    assert decide(reader({VIOLENCE: "hide"}, member_id=1, moderator=True), [VIOLENCE], author_id=2) == "hide"


def test_a_reader_filters_only_when_something_is_hidden_or_gentle_mode_is_on():
    assert not reader({SUICIDE: "warn", SELF_HARM: "show"}).filters_anything
    assert reader({SUICIDE: "hide"}).filters_anything
    assert reader(gentle=True).filters_anything
    assert reader({SUICIDE: "hide", SELF_HARM: "warn"}).hidden_ids == {SUICIDE}
    assert reader({SUICIDE: "hide", SELF_HARM: "warn"}).warned_ids == {SELF_HARM}


# --- the SQL form agrees with decide ---------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[object]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


WARNINGS = st.sets(st.sampled_from([SUICIDE, SELF_HARM, VIOLENCE, OTHER]), max_size=3)
AUTHORS = st.sampled_from([1, 2, 3, None])
MODES = st.dictionaries(st.sampled_from([SUICIDE, SELF_HARM, VIOLENCE, OTHER]),
                        st.sampled_from(["show", "warn", "hide"]))
CONTENT = st.lists(st.tuples(AUTHORS, WARNINGS, st.lists(st.tuples(AUTHORS, WARNINGS), max_size=4)),
                   min_size=1, max_size=4)
READERS = st.builds(reader, MODES, st.sampled_from([None, 1, 2]), st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=CONTENT, who=READERS)
def test_the_sql_filter_hides_exactly_what_decide_hides(engine, content, who):
    with Session(engine) as s:
        for table in (PostWarning, ThreadWarning, Post, Thread):
            s.execute(delete(table))
        expected_threads, expected_posts = set(), set()
        for thread_author, thread_tags, replies in content:
            thread = Thread(topic_id=1, author_id=thread_author, title="t")
            s.add(thread)
            s.flush()
            s.add_all(ThreadWarning(thread_id=thread.id, warning_id=w) for w in thread_tags)
            if decide(who, thread_tags, thread_author) != "hide":
                expected_threads.add(thread.id)
            for post_author, post_tags in replies:
                post = Post(thread_id=thread.id, author_id=post_author, body_source="b", body_html="b")
                s.add(post)
                s.flush()
                s.add_all(PostWarning(post_id=post.id, warning_id=w) for w in post_tags)
                if decide(who, thread_tags | post_tags, post_author) != "hide":
                    expected_posts.add(post.id)
        s.flush()
        assert set(s.scalars(select(Thread.id).where(visible_threads(who)))) == expected_threads
        assert set(s.scalars(select(Post.id).where(visible_posts(who)))) == expected_posts
        s.rollback()


def test_unpublished_posts_are_seen_only_by_their_author_and_moderators(engine):
    with Session(engine) as s:
        for table in (PostWarning, ThreadWarning, Post, Thread):
            s.execute(delete(table))
        thread = Thread(topic_id=1, author_id=1, title="t")
        s.add(thread)
        s.flush()
        statuses = ("published", "pending", "hidden", "removed", "deleted")
        posts = {status: Post(thread_id=thread.id, author_id=2, body_source="b", body_html="b", status=status)
                 for status in statuses}
        s.add_all(posts.values())
        s.flush()

        def seen(who: Reader) -> set[str]:
            ids = set(s.scalars(select(Post.id).where(visible_posts(who))))
            return {status for status, post in posts.items() if post.id in ids}

        assert seen(reader()) == {"published"}
        assert seen(reader(member_id=3)) == {"published"}
        assert seen(reader(member_id=2)) == {"published", "pending", "hidden", "removed"}
        assert seen(reader(member_id=9, moderator=True)) == {"published", "pending", "hidden", "removed"}
        s.rollback()
