"""An event written in the same transaction as the change it describes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.db.base import BigIntBase, DateTimeUTC, utcnow


class OutboxEvent(BigIntBase):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "available_at"),)

    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # Not before this moment: pushed back after a failure (exponential backoff).
    available_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    # A lease: while it lasts no other worker takes the event; a crashed worker's lease runs out.
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    locked_by: Mapped[str | None] = mapped_column(String(80), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Subscribers that have finished with this event, so a retry only re-runs the ones that failed.
    completed: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
