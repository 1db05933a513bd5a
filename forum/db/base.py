"""The declarative base every model uses, and small shared column helpers.

All models share advanced-alchemy's metadata (with its constraint naming convention), so Alembic
sees the forum's, moderation's and search's tables in one place.
"""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.base import BigIntAuditBase, BigIntBase, DefaultBase, orm_registry
from advanced_alchemy.types import DateTimeUTC

metadata = orm_registry.metadata

__all__ = ("BigIntAuditBase", "BigIntBase", "DateTimeUTC", "DefaultBase", "metadata", "utcnow")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
