"""A small per-process cache of page data, keyed by the database's own version counters.

Threads and topics carry a `version` that database triggers bump on every change that can alter
what their pages show (migration 0004). A cached page is only ever served under the exact
version, reader profile and viewer it was built for, so a hidden or removed post can't linger.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from forum.warnings.visibility import Reader


class PageCache:
    def __init__(self, size: int = 2048) -> None:
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


def reader_key(reader: Reader) -> Hashable:
    """Everything about a reader that can change what a page shows them."""
    return (reader.member_id, reader.is_moderator, reader.hidden_ids, reader.warned_ids, reader.gentle)


PAGES = PageCache()
