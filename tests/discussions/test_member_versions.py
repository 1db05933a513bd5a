"""A member's version is kept by the database, so a cached snapshot of them can never go stale.

Each process keeps a signed-in member and their content-warning choices under `members.version`
(forum/accounts/viewers.py). Whatever changes the row or the member's saved choices, through the
ORM or plain SQL, must bump it (migration 0005), and only for that member.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, text, update

from forum.accounts.models import Member
from forum.accounts.services import AccountService
from forum.warnings.models import ContentWarning, WarningPreference

PASSWORD = "a-long-password-123"


async def version(db, member_id: int) -> int:
    async with db.session() as s:  # a session of its own: what another process would read
        return await s.scalar(select(Member.version).where(Member.id == member_id))


async def members(session, *names: str) -> list[Member]:
    accounts = AccountService(session, fast_hashing=True)
    return [await accounts.register(name, PASSWORD) for name in names]


async def warning_ids(session) -> list[int]:
    return list(await session.scalars(select(ContentWarning.id).order_by(ContentWarning.id)))


async def test_a_new_member_starts_at_version_zero(db, session) -> None:
    [ann] = await members(session, "ann")
    assert await version(db, ann.id) == 0


async def test_changing_a_member_through_the_orm_bumps_their_version(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    before = await version(db, ann.id)
    ann.gentle_until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await session.commit()
    after_gentle = await version(db, ann.id)
    assert after_gentle > before
    await AccountService(session).set_role(ann, "moderator")
    assert await version(db, ann.id) > after_gentle
    assert await version(db, bea.id) == 0


async def test_a_plain_sql_update_of_a_member_bumps_their_version(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    await session.execute(text("UPDATE members SET session_epoch = session_epoch + 1 WHERE id = :id"),
                          {"id": ann.id})
    await session.commit()
    assert await version(db, ann.id) > 0
    assert await version(db, bea.id) == 0


async def test_one_update_of_many_members_bumps_each_of_them(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    await session.execute(update(Member).values(status="suspended"))
    await session.commit()
    assert await version(db, ann.id) > 0 and await version(db, bea.id) > 0


async def test_saving_changing_and_removing_a_preference_bumps_only_that_members_version(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    warning = (await warning_ids(session))[0]
    seen = [await version(db, ann.id)]

    async def changed(what: str) -> None:
        now = await version(db, ann.id)
        assert now > seen[-1], f"{what} did not bump the member's version"
        assert await version(db, bea.id) == 0, f"{what} bumped another member's version"
        seen.append(now)

    session.add(WarningPreference(member_id=ann.id, warning_id=warning, mode="hide"))
    await session.commit()
    await changed("saving a preference")
    await session.execute(update(WarningPreference).where(WarningPreference.member_id == ann.id).values(mode="warn"))
    await session.commit()
    await changed("changing a preference")
    await session.execute(delete(WarningPreference).where(WarningPreference.member_id == ann.id))
    await session.commit()
    await changed("removing a preference")


async def test_saving_many_preferences_at_once_bumps_that_member_only(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    rows = [{"member_id": ann.id, "warning_id": wid, "mode": "hide"} for wid in await warning_ids(session)]
    assert len(rows) > 1
    await session.execute(insert(WarningPreference), rows)
    await session.commit()
    assert await version(db, ann.id) > 0
    assert await version(db, bea.id) == 0


async def test_a_preference_moved_to_another_member_bumps_both(db, session) -> None:
    ann, bea, cyd = await members(session, "ann", "bea", "cyd")
    session.add(WarningPreference(member_id=ann.id, warning_id=(await warning_ids(session))[0], mode="hide"))
    await session.commit()
    ann_before = await version(db, ann.id)
    await session.execute(text("UPDATE warning_preferences SET member_id = :to WHERE member_id = :from"),
                          {"to": bea.id, "from": ann.id})
    await session.commit()
    assert await version(db, ann.id) > ann_before
    assert await version(db, bea.id) > 0
    assert await version(db, cyd.id) == 0


async def test_a_member_with_saved_choices_can_still_be_deleted(db, session) -> None:
    ann, bea = await members(session, "ann", "bea")
    session.add(WarningPreference(member_id=ann.id, warning_id=(await warning_ids(session))[0], mode="hide"))
    await session.commit()
    await session.execute(delete(Member).where(Member.id == ann.id))  # the preference goes by cascade
    await session.commit()
    assert await version(db, ann.id) is None
    assert await session.scalar(select(WarningPreference.member_id)) is None
    assert await version(db, bea.id) == 0


async def test_giving_or_taking_back_a_reaction_bumps_only_that_members_version(db, session) -> None:
    from forum.discussions.models import Post, Reaction, Thread, Topic

    ann, bea = await members(session, "ann", "bea")
    topic = Topic(slug="t", name="T")
    session.add(topic)
    await session.flush()
    thread = Thread(topic_id=topic.id, author_id=bea.id, title="A thread")
    session.add(thread)
    await session.flush()
    post = Post(thread_id=thread.id, author_id=bea.id, body_source="hi", body_html="<p>hi</p>", is_opening=True)
    session.add(post)
    await session.commit()
    bea_before = await version(db, bea.id)
    session.add(Reaction(post_id=post.id, member_id=ann.id, kind="relate"))
    await session.commit()
    given = await version(db, ann.id)
    assert given > 0
    await session.execute(delete(Reaction).where(Reaction.member_id == ann.id))
    await session.commit()
    assert await version(db, ann.id) > given
    assert await version(db, bea.id) == bea_before
