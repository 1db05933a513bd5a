"""The outbox worker: leases due events and hands them, in micro-batches, to subscribers, and
deletes the events it finished more than FORUM_OUTBOX_KEEP_DAYS ago.

Delivery is at-least-once: an event is marked done only after every subscriber that wants it has
handled it, and a crashed worker's lease runs out so another worker picks the event up again.
Subscribers must therefore be idempotent. Claiming is one atomic statement (`UPDATE … RETURNING`;
on PostgreSQL its subquery uses `FOR UPDATE SKIP LOCKED`), so several processes never hold the same
event at once while their leases last.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Table, bindparam, delete, or_, select, update

from forum.db.base import utcnow
from forum.db.engine import Database
from forum.outbox.models import OutboxEvent

log = logging.getLogger("forum.outbox")

_T: Table = OutboxEvent.__table__  # type: ignore[assignment]
# Longest error text kept on an event: enough to diagnose, short enough for the admin page.
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class EventData:
    """A detached, read-only copy of an event, as subscribers receive it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


@runtime_checkable
class Subscriber(Protocol):
    """Something that reacts to outbox events (moderation, search indexing...).

    `kinds` lists the event kinds it wants; empty means every kind. `handle` gets a micro-batch and
    may raise: the events are then retried later. It must be idempotent (events can come twice).
    """

    name: str
    kinds: frozenset[str]

    async def handle(self, events: list[EventData]) -> None: ...


@dataclass
class _Claimed:
    """A leased event and what happened to it during this round."""

    event: EventData
    completed: list[str]
    errors: list[str] = field(default_factory=list)
    lost: bool = False  # another worker took the lease over: leave the event to it


def backoff_delay(attempts: int, max_backoff: float) -> float:
    """Seconds before retry number `attempts`: 2**attempts, a little jitter, capped at max_backoff."""
    base = float(2 ** min(max(attempts, 0), 30))
    # Jitter spreads retries of events that failed together (e.g. search engine down) apart.
    return max(0.0, min(base * (1 + random.uniform(0, 0.1)), max_backoff))


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _wants(subscriber: Subscriber, kind: str) -> bool:
    return not subscriber.kinds or kind in subscriber.kinds


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:MAX_ERROR_CHARS]


class OutboxWorker:
    """Delivers outbox events to subscribers; run several at once in as many processes as you like."""

    def __init__(
        self,
        db: Database,
        subscribers: Sequence[Subscriber],
        *,
        batch_size: int = 50,
        lease_seconds: float = 30,
        poll_interval: float = 0.5,
        max_backoff: float = 300,
        worker_id: str | None = None,
        error_pause: float = 5.0,
        keep_done: dt.timedelta | None = None,
        prune_every: float = 3600,
    ) -> None:
        names = [s.name for s in subscribers]
        if len(set(names)) != len(names):
            # `completed` records subscribers by name, so two with one name would skip each other.
            raise ValueError(f"outbox subscriber names must be unique, got {names}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.db = db
        self.subscribers = list(subscribers)
        self.batch_size = batch_size
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.worker_id = (worker_id or _default_worker_id())[:80]
        self.error_pause = error_pause
        # Done events are kept a while to look into what happened, then deleted, so the table doesn't
        # grow forever (FORUM_OUTBOX_KEEP_DAYS); run_forever checks every prune_every seconds.
        self.keep_done = keep_done if keep_done is not None else dt.timedelta(days=db.settings.outbox_keep_days)
        self.prune_every = prune_every

    @property
    def _is_sqlite(self) -> bool:
        return self.db.engine.dialect.name == "sqlite"

    # -- claiming -----------------------------------------------------------------------------

    async def claim(self) -> list[EventData]:
        """Lease up to batch_size due events (oldest first) in one atomic statement."""
        return [c.event for c in await self._claim()]

    async def _claim(self) -> list[_Claimed]:
        now = utcnow()
        due = (
            select(_T.c.id)
            .where(
                _T.c.done_at.is_(None),
                _T.c.available_at <= now,
                or_(_T.c.locked_until.is_(None), _T.c.locked_until < now),
            )
            .order_by(_T.c.id)
            .limit(self.batch_size)
        )
        if not self._is_sqlite:
            # Concurrent claimers skip rows another transaction is leasing instead of queueing on them.
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(_T)
            .where(_T.c.id.in_(due.scalar_subquery()))
            .values(locked_until=now + self.lease, locked_by=self.worker_id)
            .returning(_T.c.id, _T.c.kind, _T.c.payload, _T.c.attempts, _T.c.completed)
        )
        async with self.db.engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        # RETURNING gives no order guarantee; subscribers get events in the order they were written.
        return [
            _Claimed(EventData(r.id, r.kind, dict(r.payload or {}), r.attempts), list(r.completed or []))
            for r in sorted(rows, key=lambda r: r.id)
        ]

    async def _renew(self, claimed: list[_Claimed]) -> None:
        """Extend our lease before more work, and notice events whose lease another worker took."""
        ids = [c.event.id for c in claimed]
        stmt = (
            update(_T)
            .where(_T.c.id.in_(ids), _T.c.locked_by == self.worker_id, _T.c.done_at.is_(None))
            .values(locked_until=utcnow() + self.lease)
            .returning(_T.c.id)
        )
        async with self.db.engine.begin() as conn:
            held = set((await conn.execute(stmt)).scalars().all())
        for c in claimed:
            if c.event.id not in held:
                c.lost = True
                log.warning("outbox event %s: lease taken over by another worker, leaving it", c.event.id)

    # -- delivering ---------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many events were claimed."""
        claimed = await self._claim()
        if not claimed:
            return 0
        for subscriber in self.subscribers:
            todo = [c for c in claimed if _wants(subscriber, c.event.kind) and subscriber.name not in c.completed]
            if not todo:
                continue
            await self._renew(todo)
            todo = [c for c in todo if not c.lost]
            if todo:
                await self._deliver(subscriber, todo)
        await self._finish([c for c in claimed if not c.lost])
        return len(claimed)

    async def _deliver(self, subscriber: Subscriber, todo: list[_Claimed]) -> None:
        try:
            await subscriber.handle([c.event for c in todo])
            succeeded = todo
        except Exception as exc:
            if len(todo) == 1:
                log.warning("outbox subscriber %r failed on event %s: %s", subscriber.name, todo[0].event.id,
                            _describe(exc), exc_info=True)
                todo[0].errors.append(f"{subscriber.name}: {_describe(exc)}")
                return
            # One poison event must not hold the others back: find it by retrying one at a time.
            log.warning("outbox subscriber %r failed on a batch of %d (%s); retrying one by one",
                        subscriber.name, len(todo), _describe(exc))
            succeeded = []
            for c in todo:
                try:
                    await subscriber.handle([c.event])
                except Exception as one_exc:
                    log.warning("outbox subscriber %r failed on event %s: %s", subscriber.name, c.event.id,
                                _describe(one_exc), exc_info=True)
                    c.errors.append(f"{subscriber.name}: {_describe(one_exc)}")
                else:
                    succeeded.append(c)
        if succeeded:
            await self._record(subscriber.name, succeeded)

    async def _record(self, name: str, succeeded: list[_Claimed]) -> None:
        """Commit that `name` finished these events, so a later retry skips it even if we crash now."""
        for c in succeeded:
            c.completed.append(name)
        stmt = (
            update(_T)
            # Only while we hold the lease: after a takeover the new owner's record is the one that counts.
            .where(_T.c.id == bindparam("event_id"), _T.c.locked_by == self.worker_id)
            .values(completed=bindparam("new_completed", type_=_T.c.completed.type))
        )
        params = [{"event_id": c.event.id, "new_completed": list(c.completed)} for c in succeeded]
        async with self.db.engine.begin() as conn:
            await conn.execute(stmt, params)

    async def _finish(self, claimed: list[_Claimed]) -> None:
        """Mark fully handled events done; push failed ones back with backoff; release the leases."""
        now = utcnow()
        done = [c.event.id for c in claimed if not c.errors]
        failed = [c for c in claimed if c.errors]
        async with self.db.engine.begin() as conn:
            if done:
                await conn.execute(
                    update(_T)
                    .where(_T.c.id.in_(done), _T.c.locked_by == self.worker_id)
                    .values(done_at=now, locked_until=None, locked_by=None)
                )
            if failed:
                stmt = (
                    update(_T)
                    .where(_T.c.id == bindparam("event_id"), _T.c.locked_by == self.worker_id)
                    .values(
                        attempts=_T.c.attempts + 1,
                        last_error=bindparam("error"),
                        available_at=bindparam("retry_at", type_=_T.c.available_at.type),
                        locked_until=None,
                        locked_by=None,
                    )
                )
                params = [
                    {
                        "event_id": c.event.id,
                        "error": "; ".join(c.errors)[:MAX_ERROR_CHARS],
                        "retry_at": now + dt.timedelta(seconds=backoff_delay(c.event.attempts + 1, self.max_backoff)),
                    }
                    for c in failed
                ]
                await conn.execute(stmt, params)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; errors are logged and retried after a pause, never fatal."""
        log.info("outbox worker %s started (%d subscribers)", self.worker_id, len(self.subscribers))
        next_prune = time.monotonic()  # at start, then every prune_every seconds
        while not stop.is_set():
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + self.prune_every
                await self._prune_quietly()
            try:
                processed = await self.run_once()
                pause = 0.0 if processed else self.poll_interval
            except Exception:
                # The database may be restarting or briefly locked: wait and try again.
                log.exception("outbox worker %s: delivery round failed; retrying in %.1fs",
                              self.worker_id, self.error_pause)
                pause = self.error_pause
            if pause > 0:
                # Waiting on the stop event (not sleeping) lets a shutdown end the pause at once.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
        log.info("outbox worker %s stopped", self.worker_id)

    # -- housekeeping ---------------------------------------------------------------------------

    async def prune_done(self, older_than: dt.timedelta | None = None) -> int:
        """Delete events done before now - older_than (default: keep_done); returns how many went.
        Pending events, failing ones included, are never deleted: they still have work to do."""
        cutoff = utcnow() - (self.keep_done if older_than is None else older_than)
        stmt = delete(_T).where(_T.c.done_at.is_not(None), _T.c.done_at < cutoff)
        async with self.db.engine.begin() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount or 0)

    async def _prune_quietly(self) -> None:
        try:
            removed = await self.prune_done()
        except Exception:  # the database may be busy or restarting; the next round tries again
            log.warning("outbox worker %s: could not delete old done events; will try again", self.worker_id,
                        exc_info=True)
            return
        if removed:
            log.info("outbox worker %s: deleted %d events done more than %s ago", self.worker_id, removed,
                     self.keep_done)
