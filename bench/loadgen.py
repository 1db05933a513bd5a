"""A small HTTP/1.1 load generator, run as its own process: N keep-alive connections, each
sending requests back to back for a fixed time; prints JSON with requests/s and latencies.

Kept deliberately thin (raw asyncio streams, no HTTP library) so the client's own overhead
barely shows in the server's latency figures.

    python bench/loadgen.py --url http://127.0.0.1:8000/threads/1 --concurrency 8 --seconds 10
    python bench/loadgen.py --url ... --method POST --body '{"body": "hi"}' --header 'Authorization: Bearer ...'
    python bench/loadgen.py --url ... --cookie-file cookies.txt   # one Cookie header per line, taken in turn
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def worker(host: str, port: int, requests: itertools.cycle, until: float, latencies: list[float],
                 errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(next(requests))
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            chunked = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
                elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readline()).strip() or b"0", 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status >= 400:
                errors.append(status)
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> dict[str, float]:
    parts = urlsplit(args.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = args.body.encode() if args.body else b""
    headers = [f"{args.method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Connection: keep-alive"]
    headers += args.header
    if body:
        headers += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    # Every connection takes the next signed-in member in turn, as many members browsing at once would.
    requests = itertools.cycle([("\r\n".join(headers + ([f"Cookie: {c}"] if c else [])) + "\r\n\r\n").encode() + body
                                for c in args.cookies])
    latencies: list[float] = []
    errors: list[int] = []
    # A short warm-up, not counted.
    warm_up: list[float] = []
    await asyncio.gather(*(worker(parts.hostname, parts.port, requests, time.perf_counter() + 1, warm_up, [])
                           for _ in range(args.concurrency)))
    started = time.perf_counter()
    cpu_before = time.process_time()
    until = started + args.seconds
    await asyncio.gather(*(worker(parts.hostname, parts.port, requests, until, latencies, errors)
                           for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies), "warm_up_requests": len(warm_up), "errors": len(errors),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        # The load generator's own CPU per request: it shares the machine with the server.
        "client_cpu_ms": (time.process_time() - cpu_before) * 1000 / max(1, len(latencies)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--cookie-file", default="")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    args.cookies = [c for c in Path(args.cookie_file).read_text().splitlines() if c] if args.cookie_file else [""]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
