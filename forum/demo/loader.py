"""Loads the demo community (forum/demo/data/*.json) through the same models the forum uses."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select

from forum.accounts.models import Member
from forum.accounts.passwords import hash_password
from forum.accounts.services import username_key
from forum.content.render import render_markdown
from forum.db.base import utcnow
from forum.db.engine import Database
from forum.discussions.models import Post, Reaction, Thread, Topic
from forum.outbox.events import POST_CREATED, emit
from forum.settings import Settings
from forum.warnings.models import ContentWarning, PostWarning, ThreadWarning

DATA = Path(__file__).parent / "data"

TOPICS: tuple[tuple[str, str, str], ...] = (
    ("introductions", "Introductions", "New here? Say hello, as much or as little as you like."),
    ("anxiety", "Anxiety", "Worry, panic, and the everyday ways we get through it."),
    ("low-mood", "Low mood", "For the grey days and the heavy ones."),
    ("grief-and-loss", "Grief and loss", "Missing someone, and learning to carry it."),
    ("self-harm-recovery", "Self-harm recovery", "Support for staying safe and finding other ways to cope."),
    ("eating-difficulties", "Eating difficulties", "Recovery, relapse and everything in between, without numbers."),
    ("carers-and-family", "Carers and family", "Looking after someone else, and yourself too."),
    ("small-wins", "Small wins", "Got out of bed? Made a call? Tell us. Every win counts."),
)


def load_community() -> dict[str, Any]:
    members: dict[str, dict[str, Any]] = {}
    threads: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.json")):
        part = json.loads(path.read_text())
        for member in part.get("members", []):
            members.setdefault(member["username"], member)
        threads.extend(part.get("threads", []))
    for thread in threads:
        for post in thread["posts"]:
            members.setdefault(post["author"], {"username": post["author"]})
    return {"members": list(members.values()), "threads": threads}


async def load_demo(settings: Settings) -> str:
    """Adds the demo community; running it again adds nothing twice."""
    community = load_community()
    database = Database(settings)
    try:
        async with database.session() as session:
            topics = {t.slug: t for t in await session.scalars(select(Topic))}
            for position, (slug, name, description) in enumerate(TOPICS):
                if slug not in topics:
                    topics[slug] = Topic(slug=slug, name=name, description=description, position=position)
                    session.add(topics[slug])
            if await session.scalar(select(Member).where(Member.is_demo.is_(True)).limit(1)):
                await session.commit()
                return "The demo community is already here."
            # Demo voices can't sign in: their password is random and thrown away.
            unusable = hash_password(secrets.token_urlsafe(24), fast=True)
            people: dict[str, Member] = {}
            now = utcnow()
            for m in community["members"]:
                member = Member(username=m["username"], username_key=username_key(m["username"]),
                                password_hash=unusable, is_demo=True, created_at=now - dt.timedelta(days=150))
                if m["username"] == "oldoak":
                    member.role = "moderator"
                people[m["username"]] = member
                session.add(member)
            await session.flush()
            warnings = {w.slug: w.id for w in await session.scalars(select(ContentWarning))}
            n_posts = 0
            for spec in community["threads"]:
                start = now - dt.timedelta(days=spec.get("days_ago", 10), hours=secrets.randbelow(12))
                posts = spec["posts"]
                thread = Thread(topic_id=topics[spec["topic"]].id, author_id=people[spec["author"]].id,
                                title=spec["title"], pinned=bool(spec.get("pinned")), created_at=start,
                                last_activity_at=start, reply_count=max(0, len(posts) - 1))
                session.add(thread)
                await session.flush()
                for slug in dict.fromkeys(spec.get("warnings", [])):
                    session.add(ThreadWarning(thread_id=thread.id, warning_id=warnings[slug],
                                              added_by_id=thread.author_id))
                moment = start
                for i, p in enumerate(posts):
                    if i:
                        moment += dt.timedelta(minutes=20 + secrets.randbelow(60 * 18))
                    post = Post(thread_id=thread.id, author_id=people[p["author"]].id, body_source=p["body"],
                                body_html=render_markdown(p["body"]), is_opening=i == 0, created_at=moment,
                                updated_at=moment)
                    session.add(post)
                    await session.flush()
                    for slug in dict.fromkeys(p.get("warnings", [])):
                        if slug not in spec.get("warnings", []):
                            session.add(PostWarning(post_id=post.id, warning_id=warnings[slug],
                                                    added_by_id=post.author_id))
                    for kind, names in (p.get("reactions") or {}).items():
                        for name in dict.fromkeys(names):
                            if name in people and name != p["author"]:
                                session.add(Reaction(post_id=post.id, member_id=people[name].id, kind=kind))
                    emit(session, POST_CREATED, post_id=post.id, thread_id=thread.id, author_id=post.author_id,
                         findings=[], demo=True)
                    n_posts += 1
                thread.last_activity_at = moment
            await session.commit()
            return (f"Loaded the demo community: {len(TOPICS)} topics, {len(people)} members, "
                    f"{len(community['threads'])} threads, {n_posts} posts.")
    finally:
        await database.dispose()
