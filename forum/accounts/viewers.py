"""Who is asking: the signed-in member and their saved choices, from a per-process snapshot.

Every signed-in page needs the member row and their content-warning choices before anything else,
and both change rarely. Each process keeps them under `members.version`, which database triggers
bump on any change to the row, the member's preferences (migration 0005) or their reactions
(0007, which forum/discussions/reading.py keeps under the same number), so one keyed read
of that number tells whether the snapshot still holds: a role taken away, a suspension, a new
session epoch or a changed preference in any process is seen by the very next request.

Snapshots are only used to answer "who is asking" at the start of a request, before its handler
has written anything; services that change a member read the database, never this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from forum.accounts.models import Member
from forum.cache import cache_of
from forum.warnings.services import TAXONOMY_VERSION_KEY, WarningService, taxonomy_version_query
from forum.warnings.visibility import Mode

_COLUMNS = tuple(attr.key for attr in inspect(Member).column_attrs)


@dataclass(frozen=True)
class ViewerSnapshot:
    version: int
    columns: dict[str, Any]
    saved_modes: dict[int, Mode]


async def signed_in_member(session: AsyncSession, member_id: int) -> tuple[Member, ViewerSnapshot] | None:
    """The member (attached to `session`, as if just loaded) and their saved choices; None if gone."""
    # The taxonomy's version rides along, so a signed-in page never asks for it on its own.
    row = (await session.execute(select(Member.version, Member.created_at, taxonomy_version_query())
                                 .where(Member.id == member_id))).first()
    if row is None:
        return None
    session.info[TAXONOMY_VERSION_KEY] = int(row[2] or 0)
    snapshots = cache_of(session).viewers
    snapshot: ViewerSnapshot | None = snapshots.get(member_id)
    # The creation time tells a newcomer from a deleted account whose id SQLite handed on.
    if snapshot is not None and (snapshot.version, snapshot.columns["created_at"]) == tuple(row[:2]):
        member = Member(**snapshot.columns)
        make_transient_to_detached(member)
        # merge, not add: if this request already loaded the member, that instance is the one to use.
        return await session.merge(member, load=False), snapshot
    member = await session.get(Member, member_id, populate_existing=True)
    if member is None:
        return None
    snapshot = ViewerSnapshot(member.version, {name: getattr(member, name) for name in _COLUMNS},
                              await WarningService(session).saved_modes(member_id))
    # Stored under the version the row was read with; should that be newer than `version`, the
    # next request simply reads it again.
    snapshots.put(member_id, snapshot)
    return member, snapshot
