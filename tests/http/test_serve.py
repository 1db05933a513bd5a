"""`forum serve --workers N`: every worker takes its share of connections, a dead worker is replaced,
and stopping the server stops them all. Runs the real command on a fresh SQLite database."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORUM = [str(ROOT / ".venv" / "bin" / "forum")] if (ROOT / ".venv" / "bin" / "forum").exists() else [
    sys.executable, "-m", "forum.cli"]

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or not Path("/proc/self/fd").exists(),
                                reason="needs Linux (SO_REUSEPORT and /proc) to look at the workers")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The server's worker processes (multiprocessing also starts a resource tracker: not a worker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    workers = []
    for child in path.read_text().split() if path.exists() else []:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            workers.append(int(child))
    return workers


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of TCP sockets on this local port in a state ("01" established, "0A" listening)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _connections_held_by(pid: int, port: int) -> int:
    wanted = _sockets(port, "01")
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in wanted:
            held += 1
    return held


def _wait_until(condition, timeout: float = 90) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def forum_serving(tmp_path: Path, workers: int) -> Iterator[tuple[subprocess.Popen, int, dict[str, str]]]:
    port = _free_port()
    env = {**os.environ, "FORUM_DATA_DIR": str(tmp_path), "FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db",
           "FORUM_SECRET_KEY": "serve-" + "x" * 40, "FORUM_CLASSIFIER": "basic", "FORUM_WORKER_IN_PROCESS": "0"}
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([*FORUM, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        assert _wait_until(lambda: _answers(f"http://127.0.0.1:{port}")), (tmp_path / "serve.log").read_text()
        assert _wait_until(lambda: len(_children(process.pid)) == workers)
        assert _wait_until(lambda: len(_sockets(port, "0A")) == workers)  # every worker listening
        yield process, port, env
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_connections_are_spread_over_the_workers(tmp_path: Path) -> None:
    with forum_serving(tmp_path, workers=2) as (process, port, _):
        # A burst of keep-alive connections, as a load balancer or many browsers would open.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        for connection in connections:
            connection.request("GET", "/healthz")
            assert connection.getresponse().read()
        shares = [_connections_held_by(pid, port) for pid in _children(process.pid)]
        for connection in connections:
            connection.close()
    assert sum(shares) == 16
    assert all(share > 0 for share in shares), f"one worker took every connection: {shares}"


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    with forum_serving(tmp_path, workers=2) as (process, port, _):
        first, second = _children(process.pid)
        os.kill(first, signal.SIGKILL)
        assert _wait_until(lambda: len(_children(process.pid)) == 2 and first not in _children(process.pid))
        assert _wait_until(lambda: len(_sockets(port, "0A")) == 2)
        assert second in _children(process.pid)
        assert all(_answers(f"http://127.0.0.1:{port}") for _ in range(10))


def test_stopping_the_server_stops_every_worker(tmp_path: Path) -> None:
    with forum_serving(tmp_path, workers=2) as (process, _, _):
        workers = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_second_server_on_a_taken_port_refuses_to_start(tmp_path: Path) -> None:
    with forum_serving(tmp_path, workers=2) as (_, port, env):
        second = subprocess.run([*FORUM, "serve", "--port", str(port), "--workers", "2"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "in use" in (second.stdout + second.stderr).lower()
        assert _answers(f"http://127.0.0.1:{port}")
