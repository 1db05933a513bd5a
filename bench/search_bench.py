"""Search benchmark: 100,000 generated posts in 10,000 threads; latency of 200 realistic queries.

For each engine (SQLite FTS5, PostgreSQL, and Meilisearch when FORUM_BENCH_MEILI_URL is set) it
builds a fresh database, writes the corpus with bulk inserts, times a full `reindex`, then runs
the queries as a visitor (nothing hidden) and as a member who hides three warnings (the reader
filter in the query), reporting p50/p95/max. Each search is what a request does: count, page of
ten in rank order, snippets, and the visibility re-read of the hits. Each query runs three times
(interleaved) and counts with its median time.

    .venv/bin/python bench/search_bench.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/search_bench.py --engines sqlite --posts 20000
    FORUM_BENCH_MEILI_URL=http://127.0.0.1:7700 FORUM_BENCH_MEILI_KEY=... .venv/bin/python bench/search_bench.py

Targets (issue 5): p95 under 50 ms on SQLite FTS5 at 100,000 posts; filtered within 1.3x unfiltered.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from forum.accounts.models import Member  # noqa: E402
from forum.db.engine import Database  # noqa: E402
from forum.db.migrate import upgrade  # noqa: E402
from forum.discussions.models import Post, Thread, Topic  # noqa: E402
from forum.settings import Settings  # noqa: E402
from forum.warnings.models import ContentWarning, PostWarning, ThreadWarning  # noqa: E402
from forum.warnings.visibility import Reader  # noqa: E402
from search.indexer import reindex  # noqa: E402
from search.plugin import make_backend  # noqa: E402
from search.protocol import SearchBackend  # noqa: E402

PG_ADMIN = os.environ.get("FORUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TOPICS = [("anxiety", "Anxiety"), ("depression", "Depression"), ("grief", "Grief and loss"),
          ("sleep", "Sleep"), ("work", "Work and money"), ("family", "Family"), ("recovery", "Recovery"),
          ("chat", "Anything else")]

def words(text: str) -> list[str]:
    return text.split()


# A peer-support vocabulary. Word frequencies follow a Zipf-Mandelbrot law over ~6,000 content
# words (p(rank) ~ 1/(rank + 10)): everyday words first, the forum's topical words in the middle
# ranks, then a long tail of invented words standing in for the rest of the language. With about
# 30 content words per post, "feel" lands in roughly a third of all posts, "panic" in a few
# percent and "hedgehog" in a handful: the shape of a real community's text.
COMMON = words("feel feeling today night week time day people really think know help want need still better "
          "hard tired work family friend talk thank thanks hope again always never little long "
          "good bad worse start trying tried keep getting going morning evening home life things")
TOPICAL = words("anxiety anxious panic panicking attack attacks heart racing breathing breathe chest worry worried "
           "worrying depression depressed low numb empty motivation grief grieving loss lost miss missing "
           "mum dad mother father sister brother partner husband wife son daughter funeral anniversary "
           "sleep insomnia awake dreams nightmares exhausted therapy therapist counselling counsellor "
           "doctor medication meds dose sertraline side effects appointment waiting list job boss money "
           "debt rent interview redundancy relapse recovery sober sobriety craving meeting sponsor "
           "journaling walking running gardening music meditation mindfulness routine shower eating "
           "appetite cooking lonely loneliness isolated friends support group online forum hospital "
           "crisis scared afraid overwhelmed angry guilt shame regret hopeful proud small steps progress "
           "winter summer christmas birthday weekend holiday commute train bus office school exams")
RARE = words("kintsugi origami allotment sourdough ukulele pottery crochet tarot birdwatching kayaking "
        "marmalade lighthouse hedgehog telescope harmonica calligraphy")


def _invented(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    onsets, vowels, codas = words("b br c ch d dr f g gr h j k l m n p pl r s st t tr v w z"), "aeiou", "lnrst"
    made: set[str] = set()
    while len(made) < n:
        made.add("".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 3)))
                  + rng.choice(codas))
    return sorted(made)


TAIL = _invented(5_700)
VOCABULARY = COMMON + TOPICAL[:60] + TAIL[:40] + TOPICAL[60:] + TAIL[40:] + RARE
CUMULATIVE = list(itertools.accumulate(1 / (rank + 10) for rank in range(1, len(VOCABULARY) + 1)))
FILLER = words("i the a and to of it my was is that in me but so have with for just on at this not be")


def sentence(rng: random.Random) -> str:
    n = rng.randint(6, 16)
    content = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=n)
    words = [rng.choice(FILLER) if rng.random() < 0.45 else content[i] for i in range(n)]
    return " ".join(words).capitalize() + "."


def body(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 8)))


def queries(rng: random.Random, n: int = 200) -> list[str]:
    """What people type: mostly one to three topical words; some phrases, everyday words, rare words."""
    out: list[str] = []
    for i in range(n):
        kind = i % 20
        if kind < 7:
            out.append(rng.choice(TOPICAL))
        elif kind < 11:
            out.append(" ".join(rng.sample(TOPICAL, 2)))
        elif kind < 13:
            out.append(f"{rng.choice(COMMON)} {rng.choice(TOPICAL)}")
        elif kind < 15:
            out.append(" ".join(rng.sample(TOPICAL, 3)))
        elif kind < 17:
            a, b = rng.sample(TOPICAL, 2)
            out.append(f'"{a} {b}"')
        elif kind == 17:
            out.append(rng.choice(COMMON))  # the worst case: one everyday word, a third of all posts
        else:
            out.append(rng.choice(RARE) + rng.choice(["", " help", "*", ' "']))
    return out


@dataclass
class Corpus:
    posts: int
    threads: int
    seconds: float


async def bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Multi-row INSERT ... VALUES statements, as many rows each as the drivers' parameter limits allow
    (an ORM executemany sends PostgreSQL one statement per row: minutes instead of seconds)."""
    if not rows:
        return
    per_statement = max(1, 30_000 // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        await session.execute(insert(model.__table__).values(rows[start:start + per_statement]))


async def build_corpus(db: Database, n_posts: int, n_threads: int, seed: int = 5) -> Corpus:
    rng = random.Random(seed)
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    async with db.session() as s:
        warnings = {w.slug: w.id for w in await s.scalars(select(ContentWarning))}
        warning_ids = list(warnings.values())
        await bulk(s, Topic, [{"id": i + 1, "slug": slug, "name": name, "description": name,
                               "position": i, "created_at": now, "updated_at": now}
                              for i, (slug, name) in enumerate(TOPICS)])
        members = 2000
        await bulk(s, Member, [{"id": i, "username": f"member{i}", "username_key": f"member{i}",
                                "password_hash": "x", "role": "member", "status": "active", "session_epoch": 0,
                                "is_demo": False, "created_at": now, "updated_at": now}
                               for i in range(1, members + 1)])
        threads, thread_tags = [], []
        for t in range(1, n_threads + 1):
            created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 900))
            status = "published" if rng.random() > 0.01 else rng.choice(["pending", "hidden", "deleted"])
            threads.append({"id": t, "topic_id": rng.randint(1, len(TOPICS)), "author_id": rng.randint(1, members),
                            "title": sentence(rng)[:120], "status": status, "pinned": False, "locked": False,
                            "last_activity_at": created, "reply_count": 0, "created_at": created,
                            "updated_at": created})
            if rng.random() < 0.08:
                for wid in rng.sample(warning_ids, rng.randint(1, 2)):
                    thread_tags.append({"thread_id": t, "warning_id": wid, "by_moderator": False, "note": None,
                                        "added_by_id": None})
        await bulk(s, Thread, threads)
        await bulk(s, ThreadWarning, thread_tags)

        # Posts spread over threads (every thread gets its opening post first).
        owners = list(range(1, n_threads + 1)) + [rng.randint(1, n_threads) for _ in range(n_posts - n_threads)]
        owners.sort()
        batch, post_tags, post_id = [], [], 0
        opened: set[int] = set()
        for thread_id in owners:
            post_id += 1
            text = body(rng)
            status = "published" if rng.random() > 0.02 else rng.choice(["pending", "hidden", "removed", "deleted"])
            batch.append({"id": post_id, "thread_id": thread_id, "author_id": rng.randint(1, members),
                          "is_opening": thread_id not in opened, "body_source": text,
                          "body_html": f"<p>{html.escape(text)}</p>", "status": status, "created_at": now,
                          "updated_at": now, "edited_at": None, "removal_reason": None,
                          "classifier_scores": None})
            opened.add(thread_id)
            if rng.random() < 0.04:
                post_tags.append({"post_id": post_id, "warning_id": rng.choice(warning_ids), "by_moderator": False,
                                  "note": None, "added_by_id": None})
        await bulk(s, Post, batch)
        await bulk(s, PostWarning, post_tags)
        await s.commit()
        if not db.settings.is_sqlite:  # explicit ids: move the sequences past them
            from sqlalchemy import text

            for table in ("topics", "members", "threads", "posts"):
                await s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
            await s.execute(text("ANALYZE"))
            await s.commit()
    return Corpus(post_id, n_threads, time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


async def readers(db: Database) -> dict[str, Reader]:
    async with db.session() as s:
        modes = {w.id: w.default_mode for w in await s.scalars(select(ContentWarning))}
        slugs = {w.slug: w.id for w in await s.scalars(select(ContentWarning))}
    hidden = dict(modes)
    for slug in ("suicide", "self-harm", "abuse"):
        hidden[slugs[slug]] = "hide"
    return {"visitor (no filter)": Reader(modes=modes),
            "member hiding 3 warnings": Reader(member_id=42, modes=hidden)}


async def time_queries(db: Database, backend: SearchBackend, reader: Reader, qs: list[str],
                       repeats: int = 3) -> list[float]:
    """Each query's latency in ms: the median of `repeats` runs, so a noisy neighbour on a shared
    machine doesn't decide a percentile (the runs are interleaved, not back to back)."""
    runs: list[list[float]] = [[] for _ in qs]
    for _ in range(repeats):
        for i, q in enumerate(qs):
            async with db.session() as s:
                started = time.perf_counter()
                await backend.search(q, reader, None, 1, session=s)
                runs[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(r) for r in runs]


def run_engine(name: str, settings: Settings, n_posts: int, n_threads: int) -> dict[str, Any]:
    upgrade(settings)  # Alembic runs its own event loop, so before ours
    return asyncio.run(measure(name, settings, n_posts, n_threads))


async def measure(name: str, settings: Settings, n_posts: int, n_threads: int) -> dict[str, Any]:
    db = Database(settings)
    backend = make_backend(settings, db)
    try:
        corpus = await build_corpus(db, n_posts, n_threads)
        print(f"[{name}] corpus: {corpus.posts:,} posts in {corpus.threads:,} threads, "
              f"written in {corpus.seconds:.1f} s", flush=True)
        summary = await reindex(db, backend, batch=2000)
        print(f"[{name}] full reindex: {summary.indexed:,} posts in {summary.seconds:.1f} s", flush=True)
        qs = queries(random.Random(11))
        results: dict[str, Any] = {"engine": name, "reindex_s": summary.seconds, "indexed": summary.indexed,
                                   "corpus_s": corpus.seconds, "readers": {}}
        for label, reader in (await readers(db)).items():
            await time_queries(db, backend, reader, qs[:20], repeats=1)  # warm the caches, as a running forum would be
            timings = await time_queries(db, backend, reader, qs)
            results["readers"][label] = {"p50": statistics.median(timings), "p95": percentile(timings, 95),
                                         "max": max(timings)}
            r = results["readers"][label]
            print(f"[{name}] {label}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms",
                  flush=True)
        return results
    finally:
        await backend.close()
        await db.dispose()


def env_for(folder: Path, url: str, **extra: str) -> Settings:
    env = {"FORUM_DATA_DIR": str(folder), "FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": "bench-" + "x" * 40,
           "FORUM_CLASSIFIER": "basic", **extra}
    return Settings.from_env(env)


async def pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgres,meilisearch")
    args = parser.parse_args()
    engines = args.engines.split(",")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{dt.datetime.now():%Y-%m-%d %H:%M}")
    all_results = []
    with tempfile.TemporaryDirectory(prefix="haven-search-bench-") as tmp:
        folder = Path(tmp)
        if "sqlite" in engines:
            settings = env_for(folder, f"sqlite+aiosqlite:///{folder / 'bench.db'}")
            all_results.append(run_engine("SQLite FTS5", settings, args.posts, args.threads))
        if "postgres" in engines:
            name = f"haven_search_bench_{os.getpid()}"
            asyncio.run(pg(f'CREATE DATABASE "{name}"'))
            try:
                base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
                settings = env_for(folder, f"{base}/{name}")
                all_results.append(run_engine("PostgreSQL", settings, args.posts, args.threads))
            finally:
                asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        meili = os.environ.get("FORUM_BENCH_MEILI_URL")
        if "meilisearch" in engines:
            if meili:
                settings = env_for(folder, f"sqlite+aiosqlite:///{folder / 'meili.db'}",
                                   FORUM_SEARCH_BACKEND="meilisearch", FORUM_MEILI_URL=meili,
                                   FORUM_MEILI_KEY=os.environ.get("FORUM_BENCH_MEILI_KEY", ""))
                all_results.append(run_engine("Meilisearch", settings, args.posts, args.threads))
            else:
                print("[Meilisearch] skipped: set FORUM_BENCH_MEILI_URL to a running server")
    print()
    print("| engine | reader | p50 ms | p95 ms | max ms |")
    print("| --- | --- | ---: | ---: | ---: |")
    for r in all_results:
        for label, t in r["readers"].items():
            print(f"| {r['engine']} | {label} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} |")
    print()
    for r in all_results:
        p95s = [t["p95"] for t in r["readers"].values()]
        print(f"{r['engine']}: reindex {r['indexed']:,} posts in {r['reindex_s']:.1f} s; "
              f"filtered/unfiltered p95 = {p95s[1] / p95s[0]:.2f}x")


if __name__ == "__main__":
    main()
