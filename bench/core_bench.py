"""Core forum benchmark: thread page, topic page and posting a reply under concurrent load.

    .venv/bin/python bench/core_bench.py [--rounds 3] [--seconds 5] [--concurrency 8] [--workers 2] [--members 30]

Loads a topic of 5,000 threads (a third carrying content warnings) and a thread of 200 posts
into a fresh SQLite database, starts `forum serve` (uvicorn, production settings) and drives it
from a second process (bench/loadgen.py) on loopback. Signed-in rows take 30 members of a kind in
turn (one request each, round and round), the way many people reading at once would. Also measures
the content-warning filter (issue 3): members who hide 5 warnings, and members in gentle mode.
Every row runs once per round, rounds interleaved, and the table gives medians: this VM's speed
drifts by 2× from minute to minute. Prints a Markdown table; bench/README.md keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-123"
KINDS = ("reader", "filtered", "gentle")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def seed(env: dict[str, str], threads: int, posts_in_big_thread: int,
               members_per_kind: int) -> dict[str, int]:
    from sqlalchemy import insert, select

    from forum.accounts.models import Member
    from forum.accounts.passwords import hash_password
    from forum.content.render import render_markdown
    from forum.db.base import utcnow
    from forum.db.engine import Database
    from forum.discussions.models import Post, Thread, Topic
    from forum.settings import Settings
    from forum.warnings.models import ContentWarning, ThreadWarning, WarningPreference

    rng = random.Random(7)
    settings = Settings.from_env(env)
    db = Database(settings)
    async with db.session() as s:
        hashed = hash_password(PASSWORD)
        names = ["author"] + [f"{kind}{i}" for kind in KINDS for i in range(members_per_kind)]
        for name in names:
            s.add(Member(username=name, username_key=name, password_hash=hashed))
        topic = Topic(slug="bench", name="Bench", description="A topic with many threads")
        s.add(topic)
        await s.flush()
        members = {m.username: m for m in await s.scalars(select(Member))}
        warnings = list(await s.scalars(select(ContentWarning).order_by(ContentWarning.position)))
        now = utcnow()
        body = "Some days are harder than others. **Today** I went for a walk and it helped a little."
        html = render_markdown(body)
        author = members["author"].id
        thread_rows = [{"topic_id": topic.id, "author_id": author, "title": f"Thread number {i}", "status": "published",
                        "pinned": False, "locked": False, "reply_count": 0, "created_at": now, "updated_at": now,
                        "last_activity_at": now.replace(microsecond=0) - __import__("datetime").timedelta(minutes=i)}
                       for i in range(threads)]
        await s.execute(insert(Thread), thread_rows)
        ids = list(await s.scalars(select(Thread.id).order_by(Thread.id)))
        await s.execute(insert(Post), [{"thread_id": t, "author_id": author, "body_source": body, "body_html": html,
                                        "status": "published", "is_opening": True, "created_at": now,
                                        "updated_at": now} for t in ids])
        tagged = [{"thread_id": t, "warning_id": rng.choice(warnings[:8]).id, "added_by_id": author,
                   "by_moderator": False} for t in ids if rng.random() < 1 / 3]
        await s.execute(insert(ThreadWarning), tagged)
        big = Thread(topic_id=topic.id, author_id=author, title="A long conversation", last_activity_at=now,
                     reply_count=posts_in_big_thread - 1)
        s.add(big)
        await s.flush()
        await s.execute(insert(Post), [{"thread_id": big.id, "author_id": author, "body_source": body,
                                        "body_html": html, "status": "published", "is_opening": i == 0,
                                        "created_at": now, "updated_at": now} for i in range(posts_in_big_thread)])
        # "filtered" members hide 5 warnings; "gentle" ones are in gentle mode; "reader" ones chose nothing.
        await s.execute(insert(WarningPreference), [{"member_id": m.id, "warning_id": w.id, "mode": "hide"}
                                                    for name, m in members.items() if name.startswith("filtered")
                                                    for w in warnings[:5]])
        for name, m in members.items():
            if name.startswith("gentle"):
                m.gentle_until = now.replace(year=2999)
        await s.commit()
        result = {"big_thread": big.id, "threads": threads + 1, "tagged": len(tagged)}
    await db.dispose()
    return result


def sign_in(base: str, name: str) -> str:
    """A session cookie for `name`, got the way a browser does (CSRF token and all)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/login").read()
    csrf = next(c.value for c in jar if c.name == "haven_csrf")
    data = urllib.parse.urlencode({"username": name, "password": PASSWORD, "_csrf_token": csrf}).encode()
    opener.open(base + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def token(base: str, name: str) -> str:
    request = urllib.request.Request(base + "/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": name, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request).read())["token"]


def load(url: str, seconds: float, concurrency: int, *extra: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "loadgen.py"), "--url", url, "--seconds", str(seconds),
                          "--concurrency", str(concurrency), *extra], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (uvicorn's workers)."""
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in (children.read_text().split() if children.exists() else []):
        total += cpu_seconds(int(child))
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return total + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: subprocess.Popen, url: str, seconds: float, concurrency: int, *extra: str) -> dict[str, float]:
    before = cpu_seconds(server.pid)
    result = load(url, seconds, concurrency, *extra)
    served = result["requests"] + result["warm_up_requests"]
    result["server_cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / max(1, served)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="per row and round")
    parser.add_argument("--rounds", type=int, default=3, help="every row runs once per round, rows interleaved")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=5000)
    parser.add_argument("--members", type=int, default=30, help="signed-in members of each kind, taken in turn")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FORUM_DATA_DIR": str(folder), "FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/forum.db",
           "FORUM_SECRET_KEY": "bench-" + "x" * 40, "FORUM_RATE_LIMITS": "off", "FORUM_CLASSIFIER": "basic"}
    forum = str(ROOT / ".venv" / "bin" / "forum")
    subprocess.run([forum, "db", "upgrade"], env=env, check=True, capture_output=True)
    info = asyncio.run(seed(env, args.threads, 200, args.members))
    server = subprocess.Popen([forum, "serve", "--port", str(port), "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookies: dict[str | None, list[str]] = {None: []}
        for kind in KINDS:
            cookie_file = folder / f"cookies-{kind}.txt"
            cookie_file.write_text("\n".join(sign_in(base, f"{kind}{i}") for i in range(args.members)))
            cookies[kind] = ["--cookie-file", str(cookie_file)]
        bearer = token(base, "reader0")
        thread = f"{base}/threads/{info['big_thread']}"
        topic = f"{base}/topics/bench"
        rows = [
            ("thread page (20 of 200 posts), visitor", thread, None),
            ("thread page, members with no preferences", thread, "reader"),
            ("thread page, members hiding 5 warnings", thread, "filtered"),
            ("thread page, members in gentle mode", thread, "gentle"),
            ("topic page (5,000 threads), visitor", topic, None),
            ("topic page, members with no preferences", topic, "reader"),
            ("topic page, members hiding 5 warnings", topic, "filtered"),
            ("topic page, members in gentle mode", topic, "gentle"),
        ]
        results: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in rows}
        results["post a reply (API)"] = []
        for _ in range(args.rounds):
            for label, url, who in rows:
                results[label].append(measure(server, url, args.seconds, args.concurrency, *cookies[who]))
        # Replies last: each one sets the outbox worker classifying and indexing in the background,
        # which would otherwise slow the page rows that follow.
        for _ in range(args.rounds):
            results["post a reply (API)"].append(measure(
                server, f"{base}/api/v1/threads/{info['big_thread']}/posts", args.seconds, args.concurrency,
                "--method", "POST", "--body", json.dumps({"body": "Thinking of you today."}),
                "--header", f"Authorization: Bearer {bearer}"))
    finally:
        server.terminate()
        server.wait(10)
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')} · {platform.machine()} · {os.cpu_count()} cores · Python "
          f"{platform.python_version()} · SQLite · `forum serve --workers {args.workers}` · concurrency "
          f"{args.concurrency} · {args.rounds} rounds of {args.seconds:.0f} s per row, interleaved · "
          f"{info['threads']:,} threads, {info['tagged']:,} with warnings · {args.members} members of each kind\n")
    print("Medians over the rounds; the p50 range is the lowest and highest round.\n")
    print("| request | req/s | p50 ms | p50 range | p99 ms | server CPU ms/req | client CPU ms/req | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, runs in results.items():
        p50s = [r["p50_ms"] for r in runs]
        print(f"| {label} | {median([r['rps'] for r in runs]):.0f} | {median(p50s):.1f} | "
              f"{min(p50s):.1f}–{max(p50s):.1f} | {median([r['p99_ms'] for r in runs]):.1f} | "
              f"{median([r['server_cpu_ms'] for r in runs]):.2f} | {median([r['client_cpu_ms'] for r in runs]):.2f} | "
              f"{sum(int(r['errors']) for r in runs)} |")
    labels = list(results)
    ratio = lambda a, b: median([r["p50_ms"] for r in results[labels[a]]]) / median(  # noqa: E731
        [r["p50_ms"] for r in results[labels[b]]])
    print(f"\nfiltered / unfiltered p50: thread {ratio(2, 1):.2f}× (gentle {ratio(3, 1):.2f}×), "
          f"topic {ratio(6, 5):.2f}× (gentle {ratio(7, 5):.2f}×)")


if __name__ == "__main__":
    main()
