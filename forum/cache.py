"""The app's caches: one object per app, reached from every database session the app opens.

Each entry is kept under a version the database itself maintains (thread and topic versions and
`members.version`, bumped by triggers; the taxonomy's row in `cache_versions`), so a cached value
can't outlive a change made by this process or any other. `forum.db.engine.Database` creates the
cache, and the app factory hands the same one to the sessions Litestar opens, through
`Session.info`; tests empty it with `clear()`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

SESSION_KEY = "haven.cache"


class LRU:
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class AppCache:
    """Everything this process keeps between requests, by what it is for."""

    def __init__(self) -> None:
        # Topic and thread page data, under the thread's/topic's version and the reader's profile.
        self.pages = LRU(2048)
        # A member's reactions, under `members.version` (reactions bump it, migration 0007).
        self.own_reactions = LRU(4096)
        # A signed-in member's row and saved choices, under `members.version`.
        self.viewers = LRU(4096)
        # Rendered post fragments, keyed by everything they show (PostView.look), so never stale.
        self.rendered_posts = LRU(8192)
        # The content-warning taxonomy, under its `cache_versions` row: (version, warnings).
        self.taxonomy = LRU(4)

    def clear(self) -> None:
        for part in (self.pages, self.own_reactions, self.viewers, self.rendered_posts, self.taxonomy):
            part.clear()


def cache_of(session: AsyncSession) -> AppCache:
    """The cache of the app that opened this session (a session opened elsewhere gets an empty one
    of its own, so it can never be served something stale)."""
    cache = session.info.get(SESSION_KEY)
    if cache is None:
        cache = session.info[SESSION_KEY] = AppCache()
    return cache
