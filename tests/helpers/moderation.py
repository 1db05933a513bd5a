"""Helpers for the moderation tests: a small vocabulary over the API, the worker and the database.

    forum = Forum(api)                              # the `forum` fixture
    await forum.members("ash", "bo", mod="sam")     # members, and moderators by keyword
    thread = await forum.thread("ash", "Hello", "Some words")
    await forum.work()                              # deliver the outbox (flags, classifier)
    items = await forum.queue("sam")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from forum.accounts.models import Member
from forum.discussions.models import Post
from forum.outbox.worker import OutboxWorker

KIND = "Thank you for being here. I find mornings hard too, and short walks help me a little."
UNKIND = "You are a worthless idiot and everyone here hates you."
THREAT = "I will kill you if you post here again."
CRISIS = "I can't do this anymore. I'm going to kill myself tonight, I have the pills ready."


@dataclass
class Forum:
    api: Any

    @property
    def app(self) -> Any:
        return self.api.client.app

    @property
    def db(self) -> Any:
        return self.app.state.db

    async def members(self, *names: str, mod: str | tuple[str, ...] = (), admin: str | tuple[str, ...] = ()) -> None:
        for name in names:
            await self.api.member(name)
        for name in (mod,) if isinstance(mod, str) else mod:
            await self.api.member(name, role="moderator")
        for name in (admin,) if isinstance(admin, str) else admin:
            await self.api.member(name, role="admin")

    async def thread(self, as_: str, title: str = "Rough week", body: str = KIND,
                     warnings: list[str] | None = None) -> dict[str, Any]:
        r = await self.api.post("/api/v1/topics/anxiety/threads", as_=as_,
                                json={"title": title, "body": body, "warnings": warnings or []})
        assert r.status_code == 201, r.text
        return r.json()

    async def reply(self, as_: str, thread_id: int, body: str = KIND) -> dict[str, Any]:
        r = await self.api.post(f"/api/v1/threads/{thread_id}/posts", as_=as_, json={"body": body})
        assert r.status_code == 201, r.text
        return r.json()

    async def work(self) -> None:
        """Delivers every waiting outbox event to moderation's (and search's) subscribers."""
        worker = OutboxWorker(self.db, self.app.state.composition.subscribers, poll_interval=0)
        while await worker.run_once():
            pass

    async def queue(self, as_: str) -> list[dict[str, Any]]:
        r = await self.api.get("/api/v1/mod/queue", as_=as_)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    async def item_for(self, as_: str, post_id: int) -> dict[str, Any]:
        items = [i for i in await self.queue(as_) if i["post"]["id"] == post_id]
        assert items, f"post {post_id} is not in the queue"
        return items[0]

    async def resolve(self, as_: str, flag_id: int, action: str, reason: str | None = None,
                      **extra: Any) -> Any:
        return await self.api.post(f"/api/v1/mod/flags/{flag_id}/resolve", as_=as_,
                                   json={"action": action, "reason": reason, **extra})

    async def report(self, as_: str, post_id: int, reason: str = "unkind", note: str | None = None) -> Any:
        return await self.api.post(f"/api/v1/posts/{post_id}/reports", as_=as_, json={"reason": reason, "note": note})

    async def thread_post_ids(self, thread_id: int, as_: str | None = None) -> list[int]:
        """The posts a reader sees in a thread (404 counts as none)."""
        r = await self.api.get(f"/api/v1/threads/{thread_id}", as_=as_)
        if r.status_code == 404:
            return []
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["posts"]]

    async def log(self, as_: str) -> list[dict[str, Any]]:
        r = await self.api.get("/api/v1/mod/log", as_=as_)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    async def notices(self, as_: str) -> list[str]:
        r = await self.api.get("/api/v1/me/notices", as_=as_)
        assert r.status_code == 200, r.text
        return [n["text"] for n in r.json()["items"]]

    async def post_status(self, post_id: int) -> str:
        async with self.db.session() as s:
            return (await s.scalar(select(Post.status).where(Post.id == post_id))) or ""

    async def establish(self, *names: str, days: int = 4) -> None:
        """Makes these accounts older than the established-member age (their posts are made by the test)."""
        async with self.db.session() as s:
            await s.execute(update(Member).where(Member.username.in_(names))
                            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
            await s.commit()

    async def set_setting(self, key: str, value: Any) -> None:
        from moderation.config import store_setting

        async with self.db.session() as s:
            await store_setting(s, key, value)
            await s.commit()


class ScriptedClassifier:
    """A stand-in classifier: scores each text by the first keyword found, and records its batches.

    `fail_times` makes the next calls raise, like a worker that crashes mid-batch."""

    name = "scripted"
    description = "scripted test classifier"

    def __init__(self, rules: dict[str, dict[str, float]] | None = None, fail_times: int = 0) -> None:
        self.rules = rules or {}
        self.fail_times = fail_times
        self.batches: list[int] = []

    def score_batch(self, texts: Any) -> list[dict[str, float]]:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("the classifier process fell over")
        self.batches.append(len(texts))
        out = []
        for text in texts:
            scores = {"toxicity": 0.01, "threat": 0.0, "insult": 0.01}
            for keyword, override in self.rules.items():
                if keyword in text:
                    scores = {**scores, **override}
                    break
            out.append(scores)
        return out


def classifier_subscriber(app: Any) -> Any:
    from moderation.subscribers import ClassifierSubscriber

    return next(s for s in app.state.composition.subscribers if isinstance(s, ClassifierSubscriber))


def use_classifier(app: Any, classifier: Any) -> Any:
    classifier_subscriber(app).holder.use(classifier)
    return classifier


async def flagged_reply(forum: Forum, author: str = "bob", body: str = KIND, reporter: str = "cal",
                        moderator: str = "sam") -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A thread by ash, a reply by `author` reported by `reporter`: (thread, reply, queue item)."""
    thread = await forum.thread("ash")
    reply = await forum.reply(author, thread["id"], body)
    r = await forum.report(reporter, reply["id"], "unkind")
    assert r.status_code == 201, r.text
    return thread, reply, await forum.item_for(moderator, reply["id"])
