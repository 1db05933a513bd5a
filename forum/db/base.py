"""The declarative base every model uses, and small shared column helpers.

All models share advanced-alchemy's metadata (with its constraint naming convention), so Alembic
sees the forum's, moderation's and search's tables in one place.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import BigIntAuditBase, BigIntBase, DefaultBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = orm_registry.metadata

__all__ = ("BigIntAuditBase", "BigIntBase", "DateTimeUTC", "DefaultBase", "EnumText", "metadata", "utcnow")


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum kept as its plain value in a VARCHAR column.

    The column stays the text the migrations created (database triggers and raw SQL keep reading
    plain words), while Python only ever sees the enum: an unknown value fails when it is written,
    not when someone reads it back.
    """

    impl = String(16)
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
