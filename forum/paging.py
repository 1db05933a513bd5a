"""Pages of a list: one shape for every paged answer (threads, posts, the queue, the log, search)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def page_number(page: object) -> int:
    """A page number from a request: 1 when missing or not a positive whole number."""
    try:
        return max(1, int(page or 1))  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 1


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill (an empty list is still one page)."""
    return max(1, math.ceil(total / per_page))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    total: int
    per_page: int
    # How many items the reader's settings left out (a number only, never what they were).
    hidden_by_settings: int = 0

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)
