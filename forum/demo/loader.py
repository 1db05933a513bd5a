"""Loads the demo community (forum/demo/data/*.json) through the same commands members' posts use."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select

from forum.accounts.models import Member, Role
from forum.accounts.passwords import hash_password
from forum.accounts.services import username_key
from forum.db.base import utcnow
from forum.db.engine import Database
from forum.discussions.models import Reaction, ReactionKind, Topic
from forum.discussions.writing import DiscussionWriter
from forum.settings import Settings
from forum.warnings.services import WarningInput

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
            writer = DiscussionWriter(session)
            present = set(await session.scalars(select(Topic.slug)))
            for position, (slug, name, description) in enumerate(TOPICS):
                if slug not in present:
                    await writer.save_topic(slug, name, description, position)
            if await session.scalar(select(Member).where(Member.is_demo.is_(True)).limit(1)):
                return "The demo community is already here."
            # Demo voices can't sign in: their password is random and thrown away.
            unusable = hash_password(secrets.token_urlsafe(24), fast=True)
            people: dict[str, Member] = {}
            now = utcnow()
            for m in community["members"]:
                member = Member(username=m["username"], username_key=username_key(m["username"]),
                                password_hash=unusable, is_demo=True, created_at=now - dt.timedelta(days=150))
                if m["username"] == "oldoak":
                    member.role = Role.MODERATOR
                people[m["username"]] = member
                session.add(member)
            await session.flush()
            await session.commit()
            # Threads and posts go through the same commands as a member's (backdated), so the
            # demo community is stored exactly as real posts are; the demo voices' own checks
            # are left out (no inline checks are registered here), as they were written with care.
            moderator = people["oldoak"]
            n_posts = 0
            for spec in community["threads"]:
                start = now - dt.timedelta(days=spec.get("days_ago", 10), hours=secrets.randbelow(12))
                thread_warnings = list(dict.fromkeys(spec.get("warnings", [])))
                opening, *replies = spec["posts"]
                done = await writer.create_thread(people[spec["author"]], spec["topic"], spec["title"],
                                                  opening["body"], WarningInput(tuple(thread_warnings)), at=start)
                thread_id = done.thread.id
                moment = start
                for p, post in [(opening, done.post)] + [(r, None) for r in replies]:
                    if post is None:
                        moment += dt.timedelta(minutes=20 + secrets.randbelow(60 * 18))
                        own = tuple(s for s in dict.fromkeys(p.get("warnings", [])) if s not in thread_warnings)
                        post = (await writer.reply(people[p["author"]], thread_id, p["body"], WarningInput(own),
                                                   at=moment)).post
                    for kind, names in (p.get("reactions") or {}).items():
                        for name in dict.fromkeys(names):
                            if name in people and name != p["author"]:
                                session.add(Reaction(post_id=post.id, member_id=people[name].id,
                                                     kind=ReactionKind(kind)))
                    n_posts += 1
                if spec.get("pinned"):
                    await writer.set_thread_flags(moderator, thread_id, pinned=True)
            await session.commit()
            return (f"Loaded the demo community: {len(TOPICS)} topics, {len(people)} members, "
                    f"{len(community['threads'])} threads, {n_posts} posts.")
    finally:
        await database.dispose()
