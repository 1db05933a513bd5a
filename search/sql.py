"""The embedded default: full-text search inside the forum's own database.

SQLite: an FTS5 table (migration 0003) with the Porter stemmer over unicode61 (diacritics
removed), ranked by bm25 with the title weighted above the body, snippets by snippet().
PostgreSQL: a table whose tsvector column the database keeps itself (GENERATED ... STORED; title
weight A, body B, the `haven_search` configuration: English stemming after unaccent, migration
0009), a GIN index, websearch_to_tsquery, ts_rank and ts_headline.

Either way the index row is joined to posts and threads, and forum.warnings.visibility's clauses
go into the same WHERE: the count, the page and the snippets only ever see what the reader may.
Searching runs in three short steps: a bounded count, the page's ids in rank order, then
snippets for those ten rows only (snippet() and ts_headline are costly; never run them on every match).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, bindparam, column, exists, func, literal, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from forum.db.engine import Database
from forum.discussions.models import Post, Thread, Topic
from forum.warnings.visibility import Reader, visible_posts, visible_threads
from search.hits import hydrate
from search.protocol import MAX_PAGE, PER_PAGE, SearchDoc, SearchResults, SearchUnavailable
from search.query import ParsedQuery, parse, to_fts5, websearch_pieces
from search.snippets import END, START, sanitize

TABLE = "search_posts"
# PostgreSQL's text search configuration, the same one the indexed tsvector is built with (0009).
PG_CONFIG = "'haven_search'::regconfig"
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
SNIPPET_TOKENS = 28
RANK_WINDOW = 5_000
COUNT_CAP = MAX_PAGE * PER_PAGE
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={END}, MaxWords=32, MinWords=14, ShortWord=2, "
                    'MaxFragments=2, FragmentDelimiter=" … "')

_fts = table(TABLE, column("rowid"), column("title"), column("body"))
_pg = table(TABLE, column("post_id"), column("title"), column("body"), column("document"))


def clean_page(page: Any) -> int:
    try:
        return min(MAX_PAGE, max(1, int(page)))
    except (TypeError, ValueError):
        return 1


class SqlSearchBackend:
    """SQLite FTS5 or PostgreSQL full text, chosen by the database the forum runs on."""

    name = "sql"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sqlite = db.settings.is_sqlite

    def describe(self) -> str:
        engine = "SQLite FTS5 (Porter stemming, bm25)" if self.sqlite else "PostgreSQL full text (tsvector, GIN)"
        return f"search: sql, {engine}, inside the forum's database"

    async def start(self) -> None:
        """The index is a table made by migration 0003; nothing to set up at run time."""

    async def close(self) -> None:
        """The database engine belongs to the forum, which closes it."""

    @asynccontextmanager
    async def _session(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        if session is not None:
            yield session
        else:
            async with self.db.session() as own:
                yield own

    # --- writing -------------------------------------------------------------------------------

    async def index(self, docs: Sequence[SearchDoc]) -> None:
        if not docs:
            return
        rows = [{"id": d.post_id, "title": d.title, "body": d.body} for d in docs]
        async with self.db.session() as session:
            if self.sqlite:
                # FTS5 has no upsert: replace = delete, then insert under the same rowid (the post id).
                await session.execute(text(f"DELETE FROM {TABLE} WHERE rowid IN :ids")
                                      .bindparams(bindparam("ids", expanding=True)), {"ids": [r["id"] for r in rows]})
                await session.execute(text(f"INSERT INTO {TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
                                      rows)
            else:
                await session.execute(text(
                    f"INSERT INTO {TABLE} (post_id, title, body) VALUES (:id, :title, :body) "
                    "ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, body = excluded.body"), rows)
            await session.commit()

    async def delete(self, post_ids: Sequence[int]) -> None:
        if not post_ids:
            return
        key = "rowid" if self.sqlite else "post_id"
        async with self.db.session() as session:
            await session.execute(text(f"DELETE FROM {TABLE} WHERE {key} IN :ids")
                                  .bindparams(bindparam("ids", expanding=True)), {"ids": list(post_ids)})
            await session.commit()

    async def prune(self, started_at: dt.datetime) -> int:
        # The index sits beside the posts, so "gone" is simply: not an indexable post any more.
        key = "rowid" if self.sqlite else "post_id"
        async with self.db.session() as session:
            result = await session.execute(text(
                f"DELETE FROM {TABLE} WHERE {key} NOT IN (SELECT p.id FROM posts p JOIN threads t "
                "ON t.id = p.thread_id WHERE p.status <> 'deleted' AND t.status <> 'deleted')"))
            if not self.sqlite:
                # Fresh statistics after a rebuild let PostgreSQL find an everyday word's newest
                # matches by walking the primary key instead of visiting every match.
                await session.execute(text(f"ANALYZE {TABLE}"))
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def count(self) -> int:
        async with self.db.session() as session:
            return int(await session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)

    async def ready(self) -> None:
        try:
            async with self.db.session() as session:
                await session.execute(text(f"SELECT 1 FROM {TABLE} LIMIT 1"))
        except Exception as exc:
            raise SearchUnavailable(f"The search table is missing or unreadable; run `forum db upgrade`. ({exc})") \
                from exc

    # --- searching -----------------------------------------------------------------------------

    async def search(self, query: str, reader: Reader, topic: str | None = None, page: int = 1, *,
                     session: AsyncSession | None = None) -> SearchResults:
        page = clean_page(page)
        parsed = parse(query)
        if parsed.is_empty:
            return SearchResults.empty(query, topic, page)
        visible: list[ColumnElement[bool]] = [visible_posts(reader), visible_threads(reader)]
        if topic:
            visible.append(Topic.slug == topic)
        offset = (page - 1) * PER_PAGE
        async with self._session(session) as s:

            async def fetch(window: int | None, candidates: int | None) -> list[Any]:
                return list((await s.execute(self._page(parsed, visible, window, candidates, offset))).all())

            # Usually the best few dozen of the window fill the page. When the reader's settings
            # hide most of them, rank the whole window; when even that leaves the page short,
            # rank every match (each step only when the one before fell short).
            first = offset + PER_PAGE * 5 + 50
            window: int | None = RANK_WINDOW
            rows = await fetch(window, first)
            if len(rows) < PER_PAGE:
                size = rows[0][2] if rows else None
                if size is None or size > first:
                    rows = await fetch(window, None)
                    size = rows[0][2] if rows else None
                if len(rows) < PER_PAGE and (size is None or size >= RANK_WINDOW):
                    window = None
                    rows = await fetch(window, None)
            ids = [r[0] for r in rows]
            if rows and (rows[0][1] > COUNT_CAP or rows[0][2] < RANK_WINDOW or window is None):
                visible_count = int(rows[0][1])
            else:
                # Nothing on this page, or a full window that the reader's settings thinned below
                # the cap: count every match, not just the window.
                visible_count = int(await s.scalar(self._count(self._found(parsed), visible)) or 0)
            snippets = await self._snippets(s, parsed, ids)
            hits = await hydrate(s, reader, ids, snippets)
        return SearchResults(hits, min(visible_count, COUNT_CAP), page, query=query, topic=topic,
                             capped=visible_count > COUNT_CAP)

    def _page(self, parsed: ParsedQuery, visible: list[ColumnElement[bool]], size: int | None,
              candidates: int | None, offset: int) -> Any:
        """One statement: the page's ids in rank order, the visible count in the window (stopping
        past COUNT_CAP: beyond it the number only says "a lot"), and the window's size."""
        window, order = self._window(parsed, size)
        top = select(window.c.post_id, window.c.rank).order_by(order).limit(candidates).cte("top") \
            .prefix_with("MATERIALIZED")
        in_window = select(func.count()).select_from(window).scalar_subquery()
        visible_in_window = self._count(window, visible).scalar_subquery()
        return (select(top.c.post_id, visible_in_window, in_window).where(self._visible(top.c.post_id, visible))
                .order_by(top.c.rank.asc() if self.sqlite else top.c.rank.desc(), top.c.post_id.desc())
                .limit(PER_PAGE).offset(offset))

    def _count(self, matches: Any, visible: list[ColumnElement[bool]]) -> Any:
        counted = (select(literal(1)).select_from(matches).where(self._visible(matches.c.post_id, visible))
                   .limit(COUNT_CAP + 1).subquery())
        return select(func.count()).select_from(counted)

    @staticmethod
    def _visible(key: ColumnElement[Any], visible: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        # A correlated EXISTS, not a join: the matches must drive the query. Given a join, the
        # planner may start from posts instead (every published post, by the status index) and
        # probe the matches for each: seconds instead of milliseconds on a large forum.
        return exists(select(1).select_from(Post).join(Thread, Thread.id == Post.thread_id)
                      .join(Topic, Topic.id == Thread.topic_id).where(Post.id == key, *visible))

    # Matches come first, from MATERIALIZED CTEs. Ranking looks at the newest RANK_WINDOW matches: for
    # an everyday word that is a fraction of all its matches, which bounds the time a search takes
    # and favours recent conversations; any query narrower than that is ranked over every match.

    def _found(self, parsed: ParsedQuery) -> Any:
        if self.sqlite:
            query = select(_fts.c.rowid.label("post_id")).where(self._sqlite_match(parsed))
        else:
            query = select(_pg.c.post_id).where(_pg.c.document.op("@@")(self._tsquery(parsed)))
        return query.order_by(literal_column("post_id").desc()).cte("found").prefix_with("MATERIALIZED")

    def _window(self, parsed: ParsedQuery, size: int | None) -> tuple[Any, ColumnElement[Any]]:
        """The newest `size` matches (all of them for None) with their rank."""
        if self.sqlite:
            # bm25 is lower for better matches: ascending order puts the best first.
            rank = func.bm25(literal_column(TABLE), TITLE_WEIGHT, BODY_WEIGHT)
            query = (select(_fts.c.rowid.label("post_id"), rank.label("rank")).where(self._sqlite_match(parsed))
                     .order_by(_fts.c.rowid.desc()).limit(size))
        else:
            # ts_rank reads each document: pick the window by id first, then rank only those rows.
            tsquery = self._tsquery(parsed)
            newest = (select(_pg.c.post_id).where(_pg.c.document.op("@@")(tsquery))
                      .order_by(_pg.c.post_id.desc()).limit(size).subquery("newest"))
            doc = _pg.alias("doc")
            # A scalar subquery per row, so the planner can't trade 5,000 key lookups for a scan.
            rank = (select(func.ts_rank(doc.c.document, tsquery)).where(doc.c.post_id == newest.c.post_id)
                    .scalar_subquery())
            query = select(newest.c.post_id, rank.label("rank"))
        window = query.cte("window").prefix_with("MATERIALIZED")
        return window, window.c.rank.asc() if self.sqlite else window.c.rank.desc()

    @staticmethod
    def _sqlite_match(parsed: ParsedQuery) -> ColumnElement[bool]:
        return literal_column(TABLE).op("MATCH")(bindparam("fts_query", to_fts5(parsed)))

    @staticmethod
    def _tsquery(parsed: ParsedQuery) -> ColumnElement[Any]:
        groups, excluded = websearch_pieces(parsed)
        counter = iter(range(10_000))

        def piece(quoted: str) -> ColumnElement[Any]:
            return func.websearch_to_tsquery(literal_column(PG_CONFIG),
                                             bindparam(f"tsq_{next(counter)}", quoted))

        def either(options: list[ColumnElement[Any]]) -> ColumnElement[Any]:
            result = options[0]
            for option in options[1:]:
                result = func.tsquery_or(result, option)
            return result

        query = either([either([piece(a) for a in term]) for term in groups[0]])
        for group in groups[1:]:
            query = func.tsquery_and(query, either([either([piece(a) for a in term]) for term in group]))
        for term in excluded:
            query = func.tsquery_and(query, func.tsquery_not(either([piece(a) for a in term])))
        return query

    # snippets ------------------------------------------------------------------------------------

    async def _snippets(self, session: AsyncSession, parsed: ParsedQuery, ids: list[int]) -> dict[int, Markup]:
        if not ids:
            return {}
        if self.sqlite:
            marked = func.snippet(literal_column(TABLE), 1, START, END, "…", SNIPPET_TOKENS)
            rows = await session.execute(select(_fts.c.rowid, marked).select_from(_fts)
                                         .where(self._sqlite_match(parsed), _fts.c.rowid.in_(ids)))
        else:
            tsquery = self._tsquery(parsed)
            marked = func.ts_headline(literal_column(PG_CONFIG), _pg.c.body, tsquery, HEADLINE_OPTIONS)
            rows = await session.execute(select(_pg.c.post_id, marked).where(_pg.c.post_id.in_(ids)))
        return {post_id: sanitize(raw) for post_id, raw in rows}
