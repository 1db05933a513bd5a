"""The taxonomy is cached per process under a version the database keeps (migration 0012).

An admin's change in one process is seen by every other process on its very next request: there
is no timer to wait out, and no process can serve labels older than the database's.
"""

from __future__ import annotations

from forum.db.engine import Database
from forum.settings import Settings
from forum.warnings.services import WarningService


async def _labels(db: Database) -> dict[str, str]:
    async with db.session() as s:
        return {w.slug: w.label for w in await WarningService(s).taxonomy(include_retired=True)}


async def test_a_label_changed_by_another_process_is_seen_at_once(settings: Settings) -> None:
    reading, admin = Database(settings), Database(settings)  # two processes' worth of caches
    try:
        before = await _labels(reading)
        assert before["self-harm"] != "Hurting yourself"
        assert await _labels(reading) == before  # cached: the same answer

        async with admin.session() as s:
            await WarningService(s).update_warning("self-harm", label="Hurting yourself")

        assert (await _labels(reading))["self-harm"] == "Hurting yourself"
    finally:
        await reading.dispose()
        await admin.dispose()


async def _version(db: Database) -> int:
    async with db.session() as s:
        return await WarningService(s).taxonomy_version()


async def test_the_cached_taxonomy_is_reused_until_the_version_moves(settings: Settings) -> None:
    db = Database(settings)
    try:
        await _labels(db)
        version = await _version(db)
        warnings = db.cache.taxonomy.get(version)
        assert warnings is not None
        await _labels(db)
        assert db.cache.taxonomy.get(version) is warnings  # no second read of the table

        async with db.session() as s:
            await WarningService(s).add_warning("gambling", "Gambling", "Betting and its losses", "warn")
        assert await _version(db) > version  # the database's trigger moved it
        assert (await _labels(db))["gambling"] == "Gambling"
    finally:
        await db.dispose()


async def test_clearing_the_app_cache_empties_every_part(settings: Settings) -> None:
    db = Database(settings)
    try:
        await _labels(db)
        db.cache.rendered_posts.put("k", "v")
        db.cache.clear()
        assert len(db.cache.taxonomy) == 0 and len(db.cache.rendered_posts) == 0
    finally:
        await db.dispose()
