"""The outbox worker, specified by example, on SQLite and PostgreSQL.

Events are written with `emit` in a committed transaction, exactly as the forum's services do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from forum.db.base import utcnow
from forum.db.engine import Database
from forum.outbox.events import MEMBER_DELETED, POST_CREATED, POST_EDITED, emit
from forum.outbox.models import OutboxEvent
from forum.outbox.worker import EventData, OutboxWorker, Subscriber, backoff_delay
from forum.settings import Settings
from tests.conftest import base_env

# --- helpers -----------------------------------------------------------------------------------


class Recorder:
    """A subscriber that remembers each call; `fail(batch)` returning a message makes the call raise."""

    def __init__(self, name: str, kinds: frozenset[str] = frozenset(),
                 fail: Callable[[list[EventData]], str | None] | None = None, delay: float = 0.0) -> None:
        self.name = name
        self.kinds = kinds
        self.fail = fail
        self.delay = delay
        self.calls: list[list[int]] = []
        self.succeeded: list[int] = []

    async def handle(self, events: list[EventData]) -> None:
        self.calls.append([e.id for e in events])
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail and (message := self.fail(events)):
            raise RuntimeError(message)
        self.succeeded.extend(e.id for e in events)


async def write_events(db: Database, count: int = 1, kind: str = POST_CREATED, **payload: Any) -> list[int]:
    async with db.session() as session:
        events = [emit(session, kind, n=i, **payload) for i in range(count)]
        await session.commit()
        return [e.id for e in events]


async def load(db: Database, event_id: int) -> OutboxEvent:
    async with db.session() as session:
        event = await session.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id))
        assert event is not None
        return event


async def time_passes(db: Database) -> None:
    """Make every backed-off event due now, instead of waiting seconds in the test."""
    async with db.engine.begin() as conn:
        await conn.execute(update(OutboxEvent).values(available_at=utcnow() - dt.timedelta(seconds=1)))


async def backlog(db: Database) -> tuple[int, int, int]:
    """(pending, failing, leased), counted in the table: events not done yet; those of them whose last
    attempt raised; those of them a worker holds right now."""
    pending = OutboxEvent.done_at.is_(None)
    stmt = select(func.count().filter(pending), func.count().filter(pending, OutboxEvent.last_error.is_not(None)),
                  func.count().filter(pending, OutboxEvent.locked_until >= utcnow()))
    async with db.session() as session:
        counts = (await session.execute(stmt)).one()
    return int(counts[0]), int(counts[1]), int(counts[2])


def worker(db: Database, subscribers: list[Any], **kwargs: Any) -> OutboxWorker:
    kwargs.setdefault("poll_interval", 0.02)
    return OutboxWorker(db, subscribers, **kwargs)


# --- delivery ----------------------------------------------------------------------------------


async def test_each_event_is_delivered_once_to_each_subscriber_and_marked_done(database: Database) -> None:
    ids = await write_events(database, 3)
    moderation, search = Recorder("moderation"), Recorder("search")
    w = worker(database, [moderation, search])

    assert await w.run_once() == 3
    assert await w.run_once() == 0

    assert moderation.calls == [ids]  # one micro-batch, in the order the events were written
    assert search.calls == [ids]
    for event_id in ids:
        event = await load(database, event_id)
        assert event.done_at is not None
        assert sorted(event.completed) == ["moderation", "search"]
        assert event.locked_until is None and event.locked_by is None
        assert event.attempts == 0 and event.last_error is None
    assert (await backlog(database))[0] == 0


async def test_subscribers_get_only_the_kinds_they_want_and_unwanted_events_still_finish(
    database: Database,
) -> None:
    created = await write_events(database, 2, POST_CREATED)
    edited = await write_events(database, 1, POST_EDITED)
    nobody = await write_events(database, 1, MEMBER_DELETED)
    only_new = Recorder("moderation", kinds=frozenset({POST_CREATED}))
    everything = Recorder("audit")  # empty kinds: every event

    assert await worker(database, [only_new, everything]).run_once() == 4

    assert only_new.calls == [created]
    assert everything.calls == [created + edited + nobody]
    assert (await load(database, edited[0])).done_at is not None
    assert (await load(database, nobody[0])).completed == ["audit"]


async def test_subscribers_receive_a_detached_copy_of_the_event(database: Database) -> None:
    await write_events(database, 1, POST_CREATED, post_id=42)
    seen: list[EventData] = []

    class Keep:
        name = "keep"
        kinds: frozenset[str] = frozenset()

        async def handle(self, events: list[EventData]) -> None:
            seen.extend(events)

    assert isinstance(Keep(), Subscriber)
    await worker(database, [Keep()]).run_once()

    (event,) = seen
    assert (event.kind, event.payload, event.attempts) == (POST_CREATED, {"n": 0, "post_id": 42}, 0)
    with pytest.raises(AttributeError):
        event.kind = "other"  # type: ignore[misc]


async def test_batch_size_limits_a_round_and_the_rest_follows(database: Database) -> None:
    ids = await write_events(database, 5)
    sub = Recorder("search")
    w = worker(database, [sub], batch_size=2)

    assert [await w.run_once() for _ in range(4)] == [2, 2, 1, 0]
    assert sub.calls == [ids[0:2], ids[2:4], ids[4:5]]


# --- failures and retries ----------------------------------------------------------------------


async def test_a_failing_subscriber_is_retried_later_with_backoff_and_the_other_is_not_rerun(
    database: Database,
) -> None:
    (event_id,) = await write_events(database, 1)
    failures = iter(["search engine is down"])
    flaky = Recorder("search", fail=lambda _batch: next(failures, None))
    steady = Recorder("moderation")
    w = worker(database, [steady, flaky])

    before = utcnow()
    assert await w.run_once() == 1
    event = await load(database, event_id)
    assert event.done_at is None
    assert event.completed == ["moderation"]
    assert event.attempts == 1
    assert event.last_error == "search: search engine is down"
    assert event.locked_by is None and event.locked_until is None  # released for anyone to retry
    # First retry after ~2 s (2**1, plus up to 10 % jitter).
    assert dt.timedelta(seconds=1.9) <= event.available_at - before <= dt.timedelta(seconds=2.5)

    assert await w.run_once() == 0  # not due yet: backing off
    await time_passes(database)
    assert await w.run_once() == 1

    assert steady.calls == [[event_id]]  # not run again
    assert flaky.calls == [[event_id], [event_id]]
    event = await load(database, event_id)
    assert event.done_at is not None
    assert sorted(event.completed) == ["moderation", "search"]


async def test_backoff_doubles_with_each_attempt_and_is_capped() -> None:
    for attempts, expected in [(1, 2), (2, 4), (5, 32)]:
        assert expected <= backoff_delay(attempts, max_backoff=300) <= expected * 1.1
    assert backoff_delay(9, max_backoff=300) == 300
    assert backoff_delay(10_000, max_backoff=60) == 60


async def test_attempts_accumulate_while_the_subscriber_keeps_failing(database: Database) -> None:
    (event_id,) = await write_events(database, 1)
    broken = Recorder("search", fail=lambda _batch: "x" * 2000)
    w = worker(database, [broken], max_backoff=3)

    for _ in range(3):
        assert await w.run_once() == 1
        await time_passes(database)

    event = await load(database, event_id)
    assert event.attempts == 3 and event.done_at is None
    assert event.last_error is not None and len(event.last_error) <= 500  # kept short
    assert await backlog(database) == (1, 1, 0)


async def test_a_poison_event_is_isolated_and_does_not_block_the_others(database: Database) -> None:
    await write_events(database, 2)
    (poison,) = await write_events(database, 1, poison=True)
    await write_events(database, 2)
    sub = Recorder("moderation", fail=lambda batch: "cannot classify" if any(e.payload.get("poison") for e in batch)
                   else None)
    w = worker(database, [sub])

    assert await w.run_once() == 5

    assert len(sub.calls[0]) == 5 and sub.calls[1:] == [[i] for i in sub.calls[0]]  # batch, then one by one
    async with database.session() as session:
        events = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    assert [e.id for e in events if e.done_at is None] == [poison]
    assert all(e.completed == ["moderation"] for e in events if e.id != poison)
    bad = await load(database, poison)
    assert bad.attempts == 1 and bad.last_error == "moderation: cannot classify"


# --- leases and crashes --------------------------------------------------------------------------


async def test_a_leased_event_is_not_claimed_by_another_worker(database: Database) -> None:
    ids = await write_events(database, 3)
    first, second = worker(database, [], worker_id="first"), worker(database, [], worker_id="second")

    assert [e.id for e in await first.claim()] == ids
    assert await second.claim() == []
    assert (await load(database, ids[0])).locked_by == "first"
    assert (await backlog(database))[2] == 3


async def test_a_worker_that_crashes_mid_event_leaves_it_for_another_after_the_lease(database: Database) -> None:
    (event_id,) = await write_events(database, 1)
    entered = asyncio.Event()

    class Hangs:
        name = "moderation"
        kinds: frozenset[str] = frozenset()

        async def handle(self, events: list[EventData]) -> None:
            entered.set()
            await asyncio.Event().wait()  # never finishes: the worker dies here

    crashing = worker(database, [Hangs()], lease_seconds=0.3, worker_id="crashing")
    task = asyncio.create_task(crashing.run_once())
    await entered.wait()
    task.cancel()  # the process is killed mid-event
    with pytest.raises(asyncio.CancelledError):
        await task

    rescuer_sub = Recorder("moderation")
    rescuer = worker(database, [rescuer_sub], lease_seconds=5, worker_id="rescuer")
    assert await rescuer.run_once() == 0  # the dead worker's lease still holds
    assert (await load(database, event_id)).locked_by == "crashing"

    await asyncio.sleep(0.35)
    assert await rescuer.run_once() == 1
    assert rescuer_sub.calls == [[event_id]]
    event = await load(database, event_id)
    assert event.done_at is not None and event.locked_by is None


async def test_a_slow_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(database: Database) -> None:
    (event_id,) = await write_events(database, 1)
    slow_sub = Recorder("moderation", delay=0.4)
    slow = worker(database, [slow_sub, Recorder("search")], lease_seconds=0.1, worker_id="slow")
    slow_task = asyncio.create_task(slow.run_once())

    await asyncio.sleep(0.2)  # the slow worker's lease has run out while it is still busy
    fast_sub, fast_search = Recorder("moderation"), Recorder("search")
    assert await worker(database, [fast_sub, fast_search], worker_id="fast").run_once() == 1
    assert await slow_task == 1

    assert slow_sub.succeeded == [event_id] and fast_sub.succeeded == [event_id]  # at-least-once
    event = await load(database, event_id)
    assert event.done_at is not None
    assert sorted(event.completed) == ["moderation", "search"]  # the new owner's record, not overwritten
    assert event.locked_by is None


async def test_no_event_is_lost_or_run_twice_with_two_concurrent_workers(outbox_settings: Any,
                                                                         database: Database) -> None:
    ids = await write_events(database, 200)
    handled: Counter[int] = Counter()
    in_flight: set[int] = set()
    overlaps: list[int] = []

    class Tracking:
        kinds: frozenset[str] = frozenset()

        def __init__(self, name: str) -> None:
            self.name = name
            self.batches = 0

        async def handle(self, events: list[EventData]) -> None:
            self.batches += 1
            overlaps.extend(e.id for e in events if e.id in in_flight)
            in_flight.update(e.id for e in events)
            await asyncio.sleep(0.005)  # let the other worker claim meanwhile
            in_flight.difference_update(e.id for e in events)
            handled.update(e.id for e in events)

    other_db = Database(outbox_settings)  # a second "process": its own engine and connections
    try:
        subs = [Tracking("search"), Tracking("search")]
        workers = [worker(database, [subs[0]], batch_size=10, worker_id="w1"),
                   worker(other_db, [subs[1]], batch_size=10, worker_id="w2")]

        async def drain(w: OutboxWorker) -> None:
            while await w.run_once():  # each round awaits the database, so the two interleave
                pass

        await asyncio.gather(*(drain(w) for w in workers))
    finally:
        await other_db.dispose()

    assert set(handled) == set(ids)  # none lost
    assert overlaps == []  # never handled by both at once
    assert max(handled.values()) == 1  # and, with no lease expiring, exactly once
    assert all(s.batches > 0 for s in subs)  # both workers really took part
    assert (await backlog(database))[0] == 0


# --- running ---------------------------------------------------------------------------------------


async def test_run_forever_survives_an_exception_and_stops_on_the_stop_event(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    (event_id,) = await write_events(database, 1)
    sub = Recorder("search")
    w = worker(database, [sub], error_pause=0.05)
    real_claim = w._claim
    calls = 0

    async def flaky_claim() -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database restarting")
        return await real_claim()

    w._claim = flaky_claim  # type: ignore[method-assign]
    stop = asyncio.Event()
    caplog.set_level(logging.ERROR, logger="forum.outbox")
    task = asyncio.create_task(w.run_forever(stop))
    for _ in range(200):
        if sub.calls:
            break
        await asyncio.sleep(0.01)

    assert sub.calls == [[event_id]]
    assert "database restarting" in caplog.text
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, timeout=2)  # returns promptly, no exception


async def test_run_forever_picks_up_events_written_while_it_idles(database: Database) -> None:
    sub = Recorder("search")
    stop = asyncio.Event()
    task = asyncio.create_task(worker(database, [sub]).run_forever(stop))
    await asyncio.sleep(0.05)
    ids = await write_events(database, 2)
    for _ in range(200):
        if sub.succeeded == ids:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=2)
    assert sub.succeeded == ids


# --- reporting and housekeeping --------------------------------------------------------------------


async def test_prune_done_deletes_only_old_done_events(database: Database) -> None:
    old_done, recent_done = await write_events(database, 2)
    w = worker(database, [Recorder("search")])
    await w.run_once()
    (pending,) = await write_events(database, 1)
    async with database.engine.begin() as conn:
        await conn.execute(update(OutboxEvent).where(OutboxEvent.id == old_done)
                           .values(done_at=utcnow() - dt.timedelta(days=10)))
        await conn.execute(update(OutboxEvent).where(OutboxEvent.id == pending)
                           .values(created_at=utcnow() - dt.timedelta(days=30)))

    assert await w.prune_done(dt.timedelta(days=7)) == 1

    async with database.session() as session:
        left = (await session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id))).all()
    assert left == [recent_done, pending]


async def test_the_running_worker_deletes_done_events_older_than_the_window_it_is_set_to(
    outbox_settings: Settings, database: Database
) -> None:
    """FORUM_OUTBOX_KEEP_DAYS=2: what was done 3 days ago goes; done yesterday, pending and failing stay."""
    old_done, recent_done, pending, failing = await write_events(database, 4)
    now = utcnow()
    async with database.engine.begin() as conn:
        for event_id, done_days_ago in ((old_done, 3), (recent_done, 1)):
            await conn.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                               .values(done_at=now - dt.timedelta(days=done_days_ago), completed=["search"]))
        # Written long ago and still waiting (the second after three failed attempts): not due in this test.
        await conn.execute(update(OutboxEvent).where(OutboxEvent.id.in_([pending, failing]))
                           .values(created_at=now - dt.timedelta(days=30), available_at=now + dt.timedelta(hours=1)))
        await conn.execute(update(OutboxEvent).where(OutboxEvent.id == failing)
                           .values(attempts=3, last_error="search: engine down"))

    keeps_two_days = Database(dataclasses.replace(outbox_settings, outbox_keep_days=2))
    try:
        w = worker(keeps_two_days, [Recorder("search")], prune_every=0.05)
        assert w.keep_done == dt.timedelta(days=2)
        stop = asyncio.Event()
        task = asyncio.create_task(w.run_forever(stop))

        async def left() -> list[int]:
            async with database.session() as session:
                return list((await session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id))).all())

        async def eventually(expected: list[int]) -> list[int]:
            for _ in range(200):
                if (ids := await left()) == expected:
                    break
                await asyncio.sleep(0.01)
            return ids

        assert await eventually([recent_done, pending, failing]) == [recent_done, pending, failing]
        # Not only at start: an event that ages past the window later goes at the next round.
        async with database.engine.begin() as conn:
            await conn.execute(update(OutboxEvent).where(OutboxEvent.id == recent_done)
                               .values(done_at=now - dt.timedelta(days=5)))
        assert await eventually([pending, failing]) == [pending, failing]
        stop.set()
        await asyncio.wait_for(task, timeout=2)
    finally:
        await keeps_two_days.dispose()
    assert (await load(database, failing)).last_error == "search: engine down"


def test_the_window_comes_from_forum_outbox_keep_days(tmp_path: Path) -> None:
    env = base_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}")
    assert Settings.from_env(env).outbox_keep_days == 7
    assert Settings.from_env({**env, "FORUM_OUTBOX_KEEP_DAYS": "0.5"}).outbox_keep_days == 0.5
    for wrong in ("-1", "a week", "nan"):
        with pytest.raises(ValueError, match="FORUM_OUTBOX_KEEP_DAYS"):
            Settings.from_env({**env, "FORUM_OUTBOX_KEEP_DAYS": wrong})


def test_subscriber_names_must_be_unique(database: Database) -> None:
    with pytest.raises(ValueError, match="unique"):
        OutboxWorker(database, [Recorder("search"), Recorder("search")])
