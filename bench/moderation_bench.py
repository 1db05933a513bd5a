"""Moderation benchmark: how fast the worker classifies, and how soon a post reaches the queue.

1. Throughput (posts/s) of the classifier subscriber draining the outbox: micro-batches (the
   worker's default, up to 50 events a round, one model call per 32 texts) against one event at a
   time, with the basic classifier and with a tiny Detoxify model (2-layer, 32-wide BERT built
   offline: the real Detoxify code path, a fraction of the real model's cost). The model alone is
   timed too (score_batch on 32 texts against 32 calls of one).
2. End to end against real processes: `forum serve` and `forum worker` on SQLite, posts submitted
   through the API at a steady rate (default 20/s for 60 s, open loop: a slow answer doesn't slow
   the sender). Reported: the submission latency (HTTP round trip) and the time from sending a post
   to its classifier flag being in the queue, p50/p99. Run with no worker at all, the basic
   classifier and tiny Detoxify: submission latency must not depend on the classifier.

    .venv/bin/python bench/moderation_bench.py                      # everything, ~4 minutes
    .venv/bin/python bench/moderation_bench.py --seconds 20 --skip-throughput
    .venv/bin/python bench/moderation_bench.py --write-readme       # also update bench/README.md
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from forum.accounts.services import AccountService  # noqa: E402
from forum.db.engine import Database  # noqa: E402
from forum.db.migrate import upgrade  # noqa: E402
from forum.discussions.models import Post  # noqa: E402
from forum.discussions.writing import DiscussionWriter  # noqa: E402
from forum.hooks import Extensions  # noqa: E402
from forum.outbox.worker import OutboxWorker  # noqa: E402
from forum.settings import Settings  # noqa: E402
from moderation.classifying import ClassifierHolder  # noqa: E402
from moderation.config import store_setting  # noqa: E402
from moderation.models import Flag  # noqa: E402
from moderation.subscribers import ClassifierSubscriber  # noqa: E402

FORUM = ROOT / ".venv" / "bin" / "forum"
PASSWORD = "a-long-password-123"

OPENINGS = ["Today was hard.", "I wanted to share something small.", "Does anyone else find evenings worst?",
            "Thank you all for the replies last week.", "Quick update from me.", "I don't really know where to start."]
MIDDLES = ["My chest was tight all morning but I made it to work.", "I tried the breathing exercise you mentioned.",
           "Sleep has been patchy again, awake at four most nights.", "My sister came round and we just watched TV.",
           "I miss my dad more on Sundays, I'm not sure why.", "The waiting list for therapy is eleven weeks now.",
           "I went for a short walk by the river and it helped a bit.", "Work is piling up and I keep freezing."]
UNKIND = ["You're a pathetic attention seeker, nobody cares.", "Shut up, you stupid idiot.",
          "People like you are why this place is miserable, you absolute moron."]


def post_text(rng: random.Random) -> str:
    """Peer-support posts of varied length; about one in ten is unkind (so some are flagged)."""
    if rng.random() < 0.1:
        return rng.choice(UNKIND) + " " + rng.choice(MIDDLES)
    return " ".join([rng.choice(OPENINGS), *rng.sample(MIDDLES, rng.randint(1, 5))])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def env_for(folder: Path, classifier: str, tiny: tuple[Path, Path] | None) -> dict[str, str]:
    env = {**os.environ, "FORUM_DATA_DIR": str(folder), "FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/forum.db",
           "FORUM_SECRET_KEY": "bench-" + "x" * 40, "FORUM_RATE_LIMITS": "off", "FORUM_WORKER_IN_PROCESS": "0",
           "FORUM_FAST_PASSWORD_HASHING": "1", "FORUM_CLASSIFIER": "basic" if classifier == "none" else classifier}
    if classifier == "detoxify" and tiny:
        env["FORUM_DETOXIFY_CHECKPOINT"], env["FORUM_DETOXIFY_HF_CONFIG"] = str(tiny[0]), str(tiny[1])
    return env


# --- 1. throughput ---------------------------------------------------------------------------------

async def _make_posts(settings: Settings, n: int) -> None:
    db = Database(settings)
    rng = random.Random(7)
    async with db.session() as s:
        accounts = AccountService(s, fast_hashing=True)
        author = await accounts.register("writer", PASSWORD)
        discussions = DiscussionWriter(s, Extensions())
        await discussions.save_topic("general", "General")
        thread = (await discussions.create_thread(author, "general", "Checking in", post_text(rng))).thread
        for _ in range(n - 1):
            await discussions.reply(author, thread.id, post_text(rng))
    await db.dispose()


async def _drain(settings: Settings, classifier: Any, batch_size: int) -> tuple[float, int]:
    db = Database(settings)
    holder = ClassifierHolder(settings)
    holder.use(classifier)
    worker = OutboxWorker(db, [ClassifierSubscriber(db, holder)], batch_size=batch_size, poll_interval=0)
    started = time.perf_counter()
    while await worker.run_once():
        pass
    elapsed = time.perf_counter() - started
    async with db.session() as s:
        scored = len((await s.scalars(select(Post.id).where(Post.classifier_scores.is_not(None)))).all())
    await db.dispose()
    return elapsed, scored


def _model_only(classifier: Any, texts: list[str], repeats: int = 3) -> tuple[float, float]:
    """Posts/s scoring 32 texts per call and one per call: the best of a few runs, after a warm-up."""
    classifier.score_batch(texts[:32])
    batched = single = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        for i in range(0, len(texts), 32):
            classifier.score_batch(texts[i:i + 32])
        batched = max(batched, len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        for text in texts:
            classifier.score_batch([text])
        single = max(single, len(texts) / (time.perf_counter() - started))
    return batched, single


async def throughput(classifiers: dict[str, Any], n_posts: int, work: Path) -> list[dict[str, Any]]:
    template = work / "throughput-template"
    template.mkdir()
    settings = Settings.from_env(env_for(template, "basic", None))
    upgrade(settings)  # Alembic runs its own loop (forum.aio.run_sync), safe from inside ours
    await _make_posts(settings, n_posts)
    rng = random.Random(11)
    texts = [post_text(rng) for _ in range(640)]
    rows = []
    for name, classifier in classifiers.items():
        batched_model, single_model = _model_only(classifier, texts)
        row: dict[str, Any] = {"classifier": name, "model_batched": batched_model, "model_single": single_model}
        for label, batch_size in (("micro_batched", 50), ("one_at_a_time", 1)):
            folder = work / f"throughput-{name}-{label}"
            shutil.copytree(template, folder)
            elapsed, scored = await _drain(Settings.from_env(env_for(folder, "basic", None)), classifier, batch_size)
            assert scored == n_posts, f"only {scored} of {n_posts} posts were scored"
            row[label] = n_posts / elapsed
        rows.append(row)
        print(f"  {name}: worker {row['micro_batched']:.0f} posts/s micro-batched, {row['one_at_a_time']:.0f} "
              f"one at a time; model alone {batched_model:.0f} vs {single_model:.0f} posts/s", flush=True)
    return rows


# --- 2. end to end ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(FORUM), *args], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"forum serve exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"forum serve did not start: {log.read_text()[-2000:]}")


async def _prepare(env: dict[str, str]) -> None:
    """Topic, and a flag threshold every post reaches: this measures the pipeline, not the model."""
    settings = Settings.from_env(env)
    db = Database(settings)
    async with db.session() as s:
        await DiscussionWriter(s).save_topic("general", "General")
        thresholds = {label: {"flag": 1.01, "hide": None} for label in
                      ("severe_toxicity", "obscene", "threat", "insult", "identity_attack", "sexual_explicit")}
        thresholds["toxicity"] = {"flag": 0.0, "hide": None}
        await store_setting(s, "thresholds", thresholds)
        await s.commit()
    await db.dispose()


async def _flag_times(env: dict[str, str], post_ids: list[int]) -> dict[int, float]:
    db = Database(Settings.from_env(env))
    async with db.session() as s:
        rows = (await s.execute(select(Flag.post_id, Flag.created_at)
                                .where(Flag.source == "classifier", Flag.post_id.in_(post_ids)))).all()
    await db.dispose()
    return {post_id: created.timestamp() for post_id, created in rows}


@dataclass
class Sent:
    at: float  # wall clock, seconds since the epoch (compared with the flag's created_at)
    latency: float
    status: int
    post_id: int | None


async def _submit(client: httpx.AsyncClient, url: str, token: str, body: str) -> Sent:
    at = time.time()
    started = time.perf_counter()
    try:
        r = await client.post(url, json={"body": body}, headers={"Authorization": f"Bearer {token}"})
        status, post_id = r.status_code, (r.json().get("id") if r.status_code == 201 else None)
    except httpx.HTTPError:
        status, post_id = 0, None
    return Sent(at, time.perf_counter() - started, status, post_id)


async def end_to_end(classifier: str, tiny: tuple[Path, Path] | None, rate: float, seconds: float,
                     work: Path) -> dict[str, Any]:
    folder = work / f"e2e-{classifier}"
    folder.mkdir()
    env = env_for(folder, classifier, tiny)
    await asyncio.to_thread(subprocess.run, [str(FORUM), "db", "upgrade"], env=env, check=True, capture_output=True)
    await _prepare(env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve_log, worker_log = folder / "serve.log", folder / "worker.log"
    processes = [_spawn(["serve", "--port", str(port)], env, serve_log)]
    try:
        _wait_healthy(url, processes[0], serve_log)
        if classifier != "none":
            processes.append(_spawn(["worker"], env, worker_log))
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            r = await client.post("/api/v1/auth/register", json={"username": "writer", "password": PASSWORD})
            assert r.status_code == 201, r.text
            token = (await client.post("/api/v1/auth/token",
                                       json={"username": "writer", "password": PASSWORD})).json()["token"]
            r = await client.post("/api/v1/topics/general/threads", headers={"Authorization": f"Bearer {token}"},
                                  json={"title": "Checking in", "body": "How is everyone doing this week?"})
            thread_id = r.json()["id"]
            path = f"/api/v1/threads/{thread_id}/posts"
            rng = random.Random(5)
            if classifier != "none":  # the worker loads its model on the first batch: not part of the measure
                warm = [await _submit(client, path, token, post_text(rng)) for _ in range(3)]
                deadline = time.time() + 120
                while len(await _flag_times(env, [s.post_id for s in warm if s.post_id])) < 3:
                    if time.time() > deadline:
                        raise RuntimeError(f"the worker never flagged: {worker_log.read_text()[-2000:]}")
                    await asyncio.sleep(0.2)
            tasks = []
            start = time.perf_counter() + 0.2
            for i in range(int(rate * seconds)):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(_submit(client, path, token, post_text(rng))))
            sent: list[Sent] = await asyncio.gather(*tasks)
        ok = [s for s in sent if s.status == 201 and s.post_id]
        flags: dict[int, float] = {}
        if classifier != "none":
            deadline = time.time() + 120
            while time.time() < deadline:
                flags = await _flag_times(env, [s.post_id for s in ok if s.post_id])
                if len(flags) == len(ok):
                    break
                await asyncio.sleep(0.25)
        to_flag = [flags[s.post_id] - s.at for s in ok if s.post_id in flags]
        submit = [s.latency for s in sent]
        return {"classifier": classifier, "sent": len(sent), "errors": len(sent) - len(ok),
                "submit_p50": percentile(submit, 50), "submit_p99": percentile(submit, 99),
                "flagged": len(to_flag), "flag_p50": percentile(to_flag, 50), "flag_p99": percentile(to_flag, 99)}
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGINT if process is not processes[0] else signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


# --- report ----------------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.0f} ms"


def report(throughput_rows: list[dict[str, Any]], e2e_rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = ["## Moderation", "",
             f"`bench/moderation_bench.py` on {platform.machine()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, SQLite; run on {dt.date.today().isoformat()}.", "",
             "```", ".venv/bin/python bench/moderation_bench.py --write-readme   # about 5 minutes", "```", ""]
    if throughput_rows:
        lines += [f"**Classification throughput** ({args.posts} posts drained from the outbox by the classifier "
                  "subscriber; scores and flags written to the database):", "",
                  "| classifier | worker, micro-batched | worker, one event at a time | model alone, 32 per call "
                  "| model alone, 1 per call |", "| --- | --- | --- | --- | --- |"]
        for row in throughput_rows:
            lines.append(f"| {row['classifier']} | {row['micro_batched']:.0f} posts/s | {row['one_at_a_time']:.0f} "
                         f"posts/s | {row['model_batched']:.0f} posts/s | {row['model_single']:.0f} posts/s |")
        lines.append("")
    if e2e_rows:
        lines += [f"**Submission to flag** (`forum serve` + `forum worker`, {args.rate:g} posts/s for "
                  f"{args.seconds:g} s through `POST /api/v1/threads/{{id}}/posts`; every post is flagged, so the "
                  "figure is the pipeline's, not the model's judgement):", "",
                  "| worker | posts | errors | submission p50 | submission p99 | to flag in queue p50 | "
                  "to flag p99 |", "| --- | --- | --- | --- | --- | --- | --- |"]
        names = {"none": "none (baseline)", "basic": "basic classifier", "detoxify": "tiny Detoxify"}
        for row in e2e_rows:
            lines.append(f"| {names[row['classifier']]} | {row['sent']} | {row['errors']} | {ms(row['submit_p50'])} "
                         f"| {ms(row['submit_p99'])} | {ms(row['flag_p50'])} | {ms(row['flag_p99'])} |")
        lines.append("")
    lines += [
        "Reading it: a post's submission does the same work whichever classifier runs: the web process",
        "writes the post and an outbox event in one transaction, and scoring happens later in `forum",
        "worker`. Basic and tiny Detoxify give the same submission latency; the few milliseconds above",
        "the no-worker baseline are the worker's share of the two CPUs and of SQLite's write lock, not",
        "the model. Time to flag is mostly the worker's idle poll (0.5 s) plus one micro-batch.",
        "Micro-batching is an order of magnitude faster than one event at a time, mostly because each",
        "outbox round (lease, deliver, record, finish) is a few SQLite commits; the model itself gains",
        "4-10x from batching. The basic worker row is lower than its model alone because about one post",
        "in ten is unkind and gets flagged and hidden (flag, audit entry, notice, visibility event); the",
        "untrained tiny model flags nothing at the default thresholds. The tiny model is far cheaper",
        "than `unbiased-small` (ALBERT), so real Detoxify throughput is lower; the batching gain holds.",
        ""]
    return "\n".join(lines)


def write_readme(section: str) -> None:
    path = ROOT / "bench" / "README.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if "## Moderation" in text:
        before, _, rest = text.partition("## Moderation")
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=600, help="posts for the throughput runs")
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second, end to end")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send, end to end")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--write-readme", action="store_true", help="put the results in bench/README.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="haven-modbench-"))
    try:
        from moderation.classifiers.basic import BasicClassifier
        from moderation.classifiers.detoxify_backend import DetoxifyClassifier
        from moderation.classifiers.tiny import build_tiny_detoxify

        tiny = build_tiny_detoxify(work / "tiny")
        throughput_rows: list[dict[str, Any]] = []
        if not args.skip_throughput:
            print("throughput:", flush=True)
            classifiers = {"basic": BasicClassifier(),
                           "tiny Detoxify": DetoxifyClassifier(checkpoint=tiny[0], hf_config=tiny[1])}
            throughput_rows = await throughput(classifiers, args.posts, work)
        e2e_rows: list[dict[str, Any]] = []
        if not args.skip_e2e:
            for classifier in ("none", "basic", "detoxify"):
                print(f"end to end, worker: {classifier} ...", flush=True)
                row = await end_to_end(classifier, tiny, args.rate, args.seconds, work)
                print(f"  submission p50 {ms(row['submit_p50'])} p99 {ms(row['submit_p99'])}; to flag p50 "
                      f"{ms(row['flag_p50'])} p99 {ms(row['flag_p99'])}; {row['errors']} errors", flush=True)
                e2e_rows.append(row)
        section = report(throughput_rows, e2e_rows, args)
        print()
        print(section)
        if args.write_readme:
            write_readme(section)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
