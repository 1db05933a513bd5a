"""Safety-model benchmark: what reading meaning costs a preview and a reply, and a worker's memory.

Against real processes: `forum serve --workers 2` on SQLite, through the JSON API.

1. Preview with both checks (POST /api/v1/posts/preview: the warning suggester and the crisis check,
   one embedding of the post shared by both) at concurrency 4, p50 / p95. Every request sends a post
   nobody sent before (a demo-community post with a fresh sentence), so no cached sentence helps.
2. Posting a reply, one at a time, with the model and with FORUM_SAFETY_MODEL=off: p50 and the
   difference (the issue's budget: no more than 25 ms slower), for replies whose text was previewed
   before (as the composer does) and for replies nobody previewed.
3. Resident memory (VmRSS) of each web worker once the model is loaded, and again after the previews.

First, in this process, before any server starts: torch and ONNX Runtime embedding the same 120 demo
posts (whole post plus windows, as a preview reads them), one thread each, interleaved post by post
over several rounds, so the shared machine's noise falls on both alike; it prints the ratio.

    .venv/bin/python bench/safety_bench.py                 # about three minutes
    .venv/bin/python bench/safety_bench.py --seconds 10 --skip-compare
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FORUM = str(Path(sys.executable).parent / "forum")
PASSWORD = "a-long-password-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_posts() -> list[str]:
    posts = []
    for part in ("part_a", "part_b"):
        data = json.loads((ROOT / "forum" / "demo" / "data" / f"{part}.json").read_text())
        for thread in data["threads"]:
            posts.extend(p["body"] if isinstance(p, dict) else p for p in thread["posts"])
    return posts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Server:
    def __init__(self, safety_model: str | None) -> None:
        self.dir = tempfile.mkdtemp(prefix="haven-safety-bench-")
        self.port = free_port()
        self.env = {**os.environ, "FORUM_DATA_DIR": self.dir, "FORUM_RATE_LIMITS": "off",
                    "FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{self.dir}/forum.db", "FORUM_CLASSIFIER": "basic",
                    "FORUM_FAST_PASSWORD_HASHING": "1", "FORUM_WORKER_IN_PROCESS": "0", "HF_HUB_OFFLINE": "1"}
        if safety_model:
            self.env["FORUM_SAFETY_MODEL"] = safety_model
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        subprocess.run([FORUM, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        self.log = Path(self.dir) / "serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([FORUM, "serve", "--port", str(self.port), "--workers", "2"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(240):
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200 and len(children(self.proc.pid)) >= 2:
                    time.sleep(2)  # both workers finished loading the model
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("forum serve did not come up")

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)

    def safety_lines(self) -> list[str]:
        """What each worker said at start-up about the model (which backend runs it, and why)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line[line.index("safety model:"):] for line in lines if "safety model:" in line]

    def token(self, name: str) -> str:
        httpx.post(f"{self.base}/api/v1/auth/register", json={"username": name, "password": PASSWORD})
        r = httpx.post(f"{self.base}/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        return r.json()["token"]


async def timed_calls(base: str, token: str, path: str, bodies: itertools.cycle, seconds: float,
                      concurrency: int, keep_alive: bool = True) -> list[float]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def one(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < until:
            started = time.perf_counter()
            r = await client.post(path, json={"body": next(bodies)}, headers=headers)
            if r.status_code >= 400:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency if keep_alive else 0)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(*(one(client) for _ in range(concurrency)))
    return latencies


def fresh_posts(posts: list[str], seed: int) -> itertools.cycle:
    """Demo posts each with a sentence never sent before (a seed per run, so no run sees another's)."""
    rng = random.Random(seed)

    def gen():
        n = 0
        while True:
            n += 1
            yield f"{rng.choice(posts)}\n\nAnyway, that was day {n} of {rng.randint(1, 10**9)}."

    return gen()  # type: ignore[return-value]


def reply_p50(server: Server, seconds: float, posts: list[str], seed: int) -> float:
    token = server.token("replier")
    r = httpx.post(f"{server.base}/api/v1/topics/anxiety/threads", headers={"Authorization": f"Bearer {token}"},
                   json={"title": "Benchmark thread", "body": "Hello all.", "warnings": []})
    r.raise_for_status()
    thread = r.json()["id"]
    latencies = asyncio.run(timed_calls(server.base, token, f"/api/v1/threads/{thread}/posts", fresh_posts(posts, seed),
                                        seconds, 1))
    return percentile(latencies, 0.5)


def compare_backends(posts: list[str], count: int, rounds: int) -> None:
    """torch and ONNX Runtime on the same pieces, alternating post by post; per post the best of the rounds."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np

    from forum.safety.model import Backend, Embedder, default_folder
    from forum.safety.units import units

    embedders = {"torch": Embedder(default_folder(), Backend.TORCH), "ONNX Runtime": Embedder(default_folder())}
    if embedders["ONNX Runtime"].backend is not Backend.ONNX:
        print(f"ONNX Runtime not compared: {embedders['ONNX Runtime'].runs_on}")
        return
    jobs = [units(post) for post in posts[:count]]
    names = list(embedders)
    best = {name: [float("inf")] * len(jobs) for name in names}
    totals = {name: [0.0] * rounds for name in names}
    difference = 0.0
    for r in range(rounds):
        for j, pieces in enumerate(jobs):
            vectors = []
            for name in (names if (j + r) % 2 == 0 else names[::-1]):
                started = time.perf_counter()
                vectors.append(embedders[name]._encode(pieces))  # the cache bypassed: every round embeds
                took = time.perf_counter() - started
                best[name][j] = min(best[name][j], took)
                totals[name][r] += took
            difference = max(difference, float(np.abs(vectors[0] - vectors[1]).max()))
    per_post = {name: (sum(best[name]) / len(jobs) * 1000, sorted(totals[name])[rounds // 2] / len(jobs) * 1000)
                for name in names}
    pieces = sum(len(j) for j in jobs) / len(jobs)
    print(f"embedding {len(jobs)} demo posts ({pieces:.1f} pieces a post), one thread, {rounds} rounds interleaved:")
    for name, (b, m) in per_post.items():
        print(f"  {name}: {b:.1f} ms a post (best of rounds), {m:.1f} ms (median round)")
    print(f"  torch / ONNX Runtime: {per_post['torch'][0] / per_post['ONNX Runtime'][0]:.2f}× (best), "
          f"{per_post['torch'][1] / per_post['ONNX Runtime'][1]:.2f}× (median); largest difference {difference:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--skip-compare", action="store_true", help="skip the in-process torch / ONNX Runtime run")
    parser.add_argument("--compare-rounds", type=int, default=5)
    args = parser.parse_args()
    posts = demo_posts()
    print(f"{platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.skip_compare:
        compare_backends(posts, 120, args.compare_rounds)
    with Server(None) as server:
        subprocess.run([FORUM, "demo"], env=server.env, check=True, capture_output=True)
        workers = children(server.proc.pid)
        for line in server.safety_lines():
            print(f"worker: {line}")
        print("web worker RSS with the model loaded: " + ", ".join(f"{rss_mb(p):.0f} MB" for p in workers))
        token = server.token("previewer")
        # Each worker listens on a socket of its own and the kernel places a connection by a hash of its
        # addresses, so 4 keep-alive connections split 2/2, 3/1 or 4/0 by chance, and the p50 follows the split
        # (each worker embeds one post at a time). The second run opens a connection per request, as many
        # browsers would, and the kernel spreads the requests; the CPU each worker used shows the split.
        for seed, keep_alive, label in ((1, True, "4 keep-alive connections"),
                                        (2, False, "a new connection per request")):
            cpu_before = [cpu_seconds(p) for p in workers]
            previews = asyncio.run(timed_calls(server.base, token, "/api/v1/posts/preview",
                                               fresh_posts(posts, seed), args.seconds, 4, keep_alive))
            cpu = [cpu_seconds(p) - before for p, before in zip(workers, cpu_before, strict=True)]
            print(f"preview, both checks, concurrency 4, {label}: p50 {percentile(previews, 0.5):.1f} ms, "
                  f"p95 {percentile(previews, 0.95):.1f} ms ({len(previews)} requests; CPU used by each web "
                  f"worker: " + ", ".join(f"{c:.1f}" for c in cpu) + f" s in {args.seconds:.0f} s, "
                  f"{sum(cpu) / len(previews) * 1000:.0f} ms a preview)")
        print("web worker RSS after the previews: " + ", ".join(f"{rss_mb(p):.0f} MB" for p in workers))
        # Replies whose text was previewed first (the first preview run's bodies, each seen by one of the two
        # workers, so about half are cached where the reply lands), and replies nobody previewed.
        previewed = reply_p50(server, args.seconds, posts, 1)
        cold = reply_p50(server, args.seconds, posts, 3)
    with Server("off") as server:
        subprocess.run([FORUM, "demo"], env=server.env, check=True, capture_output=True)
        without = reply_p50(server, args.seconds, posts, 3)
    print(f"reply, one at a time: p50 {without:.1f} ms without the model; with it {previewed:.1f} ms when the text "
          f"was previewed first (+{previewed - without:.1f} ms), {cold:.1f} ms when not (+{cold - without:.1f} ms)")


if __name__ == "__main__":
    main()
