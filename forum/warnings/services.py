"""The taxonomy, tagging content, and each reader's choices (saved, or in a visitor's session)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.cache import cache_of
from forum.db.base import utcnow
from forum.errors import Invalid, NotFound
from forum.warnings.models import (
    MODES,
    OTHER_SLUG,
    CacheVersion,
    ContentWarning,
    Mode,
    PostWarning,
    ThreadWarning,
    WarningPreference,
)
from forum.warnings.visibility import Reader

# The taxonomy is read on every page and changes only when an admin edits it: the app's cache keeps
# it under its database-kept version (migration 0012), read once per session (one per request).
TAXONOMY_VERSION_KEY = "haven.taxonomy_version"


def taxonomy_version_query() -> Any:
    """The taxonomy's version as a scalar subquery, for folding into a query a request makes anyway."""
    return select(CacheVersion.version).where(CacheVersion.name == "taxonomy").scalar_subquery()


@dataclass(frozen=True)
class WarningInfo:
    """A read-only snapshot of a taxonomy entry, safe to share between requests."""

    id: int
    slug: str
    label: str
    description: str
    default_mode: str
    retired: bool
    position: int


GENTLE_CHOICES = {"hour": "For an hour", "today": "For today", "off-switch": "Until I turn it off"}
FOREVER = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)


class TagSource(StrEnum):
    """Who put a warning on content (the API's ``added_by``)."""

    AUTHOR = "author"
    MODERATOR = "moderator"
    FORUM = "forum"  # the crisis check fired


@dataclass(frozen=True)
class Tag:
    """A warning as shown on content: which one, in whose words, and who added it."""

    warning_id: int
    slug: str
    label: str
    note: str | None
    by_moderator: bool
    by_forum: bool = False

    @property
    def source(self) -> TagSource:
        return TagSource.MODERATOR if self.by_moderator else TagSource.FORUM if self.by_forum else TagSource.AUTHOR

    @property
    def text(self) -> str:
        return self.note if self.slug == OTHER_SLUG and self.note else self.label


def post_tags_with_thread(thread_tags: list[Tag], post_tags: list[Tag]) -> list[Tag]:
    """A post's warnings: its thread's (the opening post's cover the whole thread), then its own."""
    seen = {t.warning_id for t in thread_tags}
    return thread_tags + [t for t in post_tags if t.warning_id not in seen]


@dataclass(frozen=True)
class WarningInput:
    """What an author or moderator asked for: known slugs, and their own words for "other"."""

    slugs: tuple[str, ...] = ()
    other: str | None = None


def gentle_until(choice: str, now: dt.datetime | None = None, tz_offset_minutes: int = 0) -> dt.datetime:
    now = now or utcnow()
    if choice == "hour":
        return now + dt.timedelta(hours=1)
    if choice == "today":
        local = now + dt.timedelta(minutes=tz_offset_minutes)
        end_local = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return end_local - dt.timedelta(minutes=tz_offset_minutes)
    if choice == "off-switch":
        return FOREVER
    raise Invalid("Choose how long the gentler view should last.")


class WarningService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def taxonomy(self, include_retired: bool = False) -> list[WarningInfo]:
        version = await self.taxonomy_version()
        cache = cache_of(self.session).taxonomy
        warnings: tuple[WarningInfo, ...] | None = cache.get(version)
        if warnings is None:
            rows = await self.session.execute(
                select(ContentWarning.id, ContentWarning.slug, ContentWarning.label, ContentWarning.description,
                       ContentWarning.default_mode, ContentWarning.retired, ContentWarning.position)
                .order_by(ContentWarning.position, ContentWarning.id))
            warnings = tuple(WarningInfo(*row) for row in rows)
            cache.put(version, warnings)
        return [w for w in warnings if include_retired or not w.retired]

    async def taxonomy_version(self) -> int:
        """The taxonomy's version, read once per session (a signed-in request folds it into the
        member's own read, forum/accounts/viewers.py); labels on cached pages carry it."""
        version = self.session.info.get(TAXONOMY_VERSION_KEY)
        if version is None:
            version = self.session.info[TAXONOMY_VERSION_KEY] = int(
                await self.session.scalar(select(taxonomy_version_query())) or 0)
        return int(version)

    def _forget_taxonomy(self) -> None:
        # This session changed it: the trigger has bumped the version, so read the new one next time.
        self.session.info.pop(TAXONOMY_VERSION_KEY, None)

    # --- readers -------------------------------------------------------------------------

    async def saved_modes(self, member_id: int) -> dict[int, Mode]:
        """The choices a member saved, by warning id (the rest follow the taxonomy's defaults)."""
        rows = await self.session.execute(select(WarningPreference.warning_id, WarningPreference.mode)
                                          .where(WarningPreference.member_id == member_id))
        return {wid: mode for wid, mode in rows}  # type: ignore[misc]

    async def reader_for(self, member: Member | None, visitor_state: Mapping[str, Any] | None = None,
                         saved: Mapping[int, Mode] | None = None) -> Reader:
        """A member's saved choices (read now unless `saved` has them), or a visitor's from their
        session, over the taxonomy's defaults."""
        warnings = await self.taxonomy(include_retired=True)
        modes: dict[int, Mode] = {w.id: w.default_mode for w in warnings}  # type: ignore[misc]
        gentle: dt.datetime | None = None
        if member is not None:
            modes.update(saved if saved is not None else await self.saved_modes(member.id))
            gentle = member.gentle_until
        elif visitor_state:
            by_slug = {w.slug: w.id for w in warnings}
            for slug, mode in (visitor_state.get("warning_modes") or {}).items():
                if slug in by_slug and mode in MODES:
                    modes[by_slug[slug]] = mode
            raw = visitor_state.get("gentle_until")
            gentle = dt.datetime.fromisoformat(raw) if raw else None
        if gentle is not None and gentle <= utcnow():
            gentle = None
        return Reader(
            member_id=member.id if member else None,
            is_moderator=bool(member and member.is_moderator),
            modes=modes,
            gentle_until=gentle,
        )

    async def preferences(self, reader: Reader) -> dict[str, Any]:
        warnings = await self.taxonomy()
        return {
            "modes": {w.slug: reader.modes.get(w.id, w.default_mode) for w in warnings},
            "gentle_mode": reader.gentle,
            "gentle_until": reader.gentle_until.isoformat() if reader.gentle_until else None,
        }

    async def validated_modes(self, choices: Mapping[str, Any]) -> dict[str, Mode]:
        known = {w.slug for w in await self.taxonomy()}
        result: dict[str, Mode] = {}
        errors: dict[str, str] = {}
        for slug, mode in choices.items():
            if slug not in known:
                errors[slug] = f"There is no content warning called {slug!r}."
            elif mode not in MODES:
                errors[slug] = "Choose show, warn or hide."
            else:
                result[slug] = mode
        if errors:
            raise Invalid("Some of those choices couldn't be saved.", errors)
        return result

    async def save_member_modes(self, member: Member, modes: Mapping[str, Mode]) -> None:
        ids = {w.slug: w.id for w in await self.taxonomy()}
        for slug, mode in modes.items():
            await self.session.execute(delete(WarningPreference).where(
                WarningPreference.member_id == member.id, WarningPreference.warning_id == ids[slug]))
            self.session.add(WarningPreference(member_id=member.id, warning_id=ids[slug], mode=mode))
        await self.session.commit()

    async def set_member_gentle(self, member: Member, until: dt.datetime | None) -> None:
        member.gentle_until = until
        await self.session.commit()

    # --- tagging -------------------------------------------------------------------------

    async def resolve(self, wanted: WarningInput,
                      already: Collection[int] = ()) -> list[tuple[ContentWarning, str | None]]:
        """The warnings named by slug, plus "other" with the author's words.

        Only active warnings can be newly chosen; a retired one is accepted where it is `already` on
        the content (old posts keep their tags)."""
        slugs = [s.strip() for s in wanted.slugs if s and s.strip()]
        other = (wanted.other or "").strip() or None
        if other and len(other) > 120:
            raise Invalid("Keep your own warning under 120 characters.", {"warnings": "Keep it under 120 characters."})
        if other:
            slugs.append(OTHER_SLUG)
        if not slugs:
            return []
        found = {w.slug: w for w in await self.session.scalars(
            select(ContentWarning).where(ContentWarning.slug.in_(set(slugs))))
            if not w.retired or w.id in already}
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            raise Invalid("Some of those content warnings don't exist.",
                          {"warnings": f"Unknown content warning: {', '.join(unknown)}."})
        if OTHER_SLUG in found and not other:
            raise Invalid("Say in a few words what the warning is for.",
                          {"warnings": "Describe the 'other' warning in a few words."})
        return [(found[s], other if s == OTHER_SLUG else None) for s in dict.fromkeys(slugs)]

    async def set_thread_tags(self, thread_id: int, wanted: WarningInput, by: Member, by_moderator: bool) -> None:
        await self._replace_tags(ThreadWarning, "thread_id", thread_id, wanted, by, by_moderator)

    async def set_post_tags(self, post_id: int, wanted: WarningInput, by: Member, by_moderator: bool) -> None:
        await self._replace_tags(PostWarning, "post_id", post_id, wanted, by, by_moderator)

    async def _replace_tags(self, table: Any, owner: str, owner_id: int, wanted: WarningInput, by: Member,
                            by_moderator: bool) -> None:
        """Makes the tags on a thread or post what `by` asked for, with three things kept:

        a tag already there keeps who added it (a moderator adding one doesn't make the author's
        theirs); a tag a moderator or the forum added stays until a moderator removes it; and a
        retired warning already there stays (it can't be chosen again, so an edit form can't offer it)."""
        rows = (await self.session.execute(
            select(table, ContentWarning.retired).join(ContentWarning, ContentWarning.id == table.warning_id)
            .where(getattr(table, owner) == owner_id))).all()
        existing = {row.warning_id: (row, retired) for row, retired in rows}
        resolved = await self.resolve(wanted, already=existing.keys())
        chosen = {warning.id for warning, _ in resolved}
        for warning_id, (row, retired) in existing.items():
            if warning_id not in chosen and not retired and (by_moderator or not (row.by_moderator or row.by_forum)):
                await self.session.delete(row)
        for warning, note in resolved:
            if warning.id in existing:
                existing[warning.id][0].note = note
            else:
                self.session.add(table(**{owner: owner_id}, warning_id=warning.id, note=note, added_by_id=by.id,
                                       by_moderator=by_moderator))

    async def add_forum_thread_tags(self, thread_id: int, slugs: Sequence[str]) -> None:
        await self._add_forum_tags(ThreadWarning, "thread_id", thread_id, slugs)

    async def add_forum_post_tags(self, post_id: int, slugs: Sequence[str]) -> None:
        await self._add_forum_tags(PostWarning, "post_id", post_id, slugs)

    async def _add_forum_tags(self, table: Any, owner: str, owner_id: int, slugs: Sequence[str]) -> None:
        """The forum's own warnings (the crisis check fired): added beside the author's, never replacing them.
        A slug the community has retired or renamed away is skipped; a tag already there is left as it is."""
        if not slugs:
            return
        await self.session.flush()
        warnings = (await self.session.execute(select(ContentWarning.id).where(
            ContentWarning.slug.in_(slugs), ContentWarning.retired.is_(False)))).scalars().all()
        present = set((await self.session.execute(
            select(table.warning_id).where(getattr(table, owner) == owner_id))).scalars())
        for warning_id in warnings:
            if warning_id not in present:
                self.session.add(table(**{owner: owner_id}, warning_id=warning_id, by_forum=True))

    async def thread_tags(self, thread_ids: Sequence[int]) -> dict[int, list[Tag]]:
        return await self._tags(ThreadWarning, ThreadWarning.thread_id, thread_ids)

    async def post_tags(self, post_ids: Sequence[int]) -> dict[int, list[Tag]]:
        return await self._tags(PostWarning, PostWarning.post_id, post_ids)

    async def _tags(self, table: Any, key: Any, ids: Iterable[int]) -> dict[int, list[Tag]]:
        ids = list(ids)
        result: dict[int, list[Tag]] = defaultdict(list)
        if not ids:
            return result
        rows = await self.session.execute(
            select(key, ContentWarning.id, ContentWarning.slug, ContentWarning.label, table.note, table.by_moderator,
                   table.by_forum)
            .join(ContentWarning, ContentWarning.id == table.warning_id)
            .where(key.in_(ids)).order_by(ContentWarning.position))
        for owner, wid, slug, label, note, by_mod, by_forum in rows:
            result[owner].append(Tag(wid, slug, label, note, by_mod, by_forum))
        return result

    # --- administration ------------------------------------------------------------------

    async def add_warning(self, slug: str, label: str, description: str, default_mode: str) -> ContentWarning:
        slug = slug.strip().lower()
        if not slug or not slug.replace("-", "").isalnum():
            raise Invalid("Use lower-case letters, numbers and dashes for the slug.")
        if default_mode not in MODES:
            raise Invalid("Choose show, warn or hide as the default.")
        if await self.session.scalar(select(ContentWarning).where(ContentWarning.slug == slug)):
            raise Invalid("A warning with that slug already exists.")
        position = (await self.session.scalar(select(func.max(ContentWarning.position)))) or 0
        warning = ContentWarning(slug=slug, label=label.strip() or slug, description=description.strip(),
                                 default_mode=default_mode, position=position + 1)
        self.session.add(warning)
        await self.session.commit()
        self._forget_taxonomy()
        return warning

    async def update_warning(self, slug: str, *, label: str | None = None, description: str | None = None,
                             default_mode: str | None = None, retired: bool | None = None) -> ContentWarning:
        warning = await self.session.scalar(select(ContentWarning).where(ContentWarning.slug == slug))
        if warning is None:
            raise NotFound("There is no content warning with that name.")
        if label:
            warning.label = label.strip()
        if description is not None:
            warning.description = description.strip()
        if default_mode:
            if default_mode not in MODES:
                raise Invalid("Choose show, warn or hide as the default.")
            warning.default_mode = default_mode
        if retired is not None:
            warning.retired = retired
        await self.session.commit()
        self._forget_taxonomy()
        return warning
