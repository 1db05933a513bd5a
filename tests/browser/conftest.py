"""Real-browser tests: a real `forum serve` on a temporary SQLite database, driven by Debian's Chromium.

Chromium comes from `apt-get install chromium` (scripts/test.sh installs it); Playwright can't
download its own browser here. Without Chromium these tests are skipped with the reason printed,
unless FORUM_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from forum.aio import run_sync

CHROMIUM = "/usr/lib/chromium/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / ".artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("FORUM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveForum:
    url: str
    env: dict[str, str]

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                text = answer.read().decode()
                return answer.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read().decode() or "null")

    def member(self, name: str, password: str = "a-long-password-123", role: str | None = None) -> str:
        """Registers a member (through the API) and returns a bearer token."""
        self.api("POST", "/api/v1/auth/register", {"username": name, "password": password})
        if role:
            self.set_role(name, role)
        status, answer = self.api("POST", "/api/v1/auth/token", {"username": name, "password": password})
        assert status == 200, answer
        return answer["token"]

    def set_role(self, name: str, role: str) -> None:
        from forum.accounts.services import AccountService
        from forum.db.engine import Database
        from forum.settings import Settings

        async def run() -> None:
            database = Database(Settings.from_env(self.env))
            async with database.session() as session:
                accounts = AccountService(session)
                member = await accounts.by_username(name)
                assert member is not None
                await accounts.set_role(member, role)
            await database.dispose()

        run_sync(run())

    def demo(self) -> None:
        """Loads the demo community (`forum demo`) into this forum's database."""
        forum = ROOT / ".venv" / "bin" / "forum"
        command = [str(forum)] if forum.exists() else [sys.executable, "-m", "forum.cli"]
        subprocess.run([*command, "demo"], env=self.env, check=True, capture_output=True)

    def topic(self, slug: str = "anxiety", name: str = "Anxiety") -> None:
        from forum.db.engine import Database
        from forum.discussions.writing import DiscussionWriter
        from forum.settings import Settings

        async def run() -> None:
            database = Database(Settings.from_env(self.env))
            async with database.session() as session:
                await DiscussionWriter(session).save_topic(slug, name, f"Talking about {name.lower()}.")
            await database.dispose()

        run_sync(run())


@pytest.fixture
def live_forum() -> Iterator[LiveForum]:
    """`forum serve` (in-process outbox worker included) on a fresh SQLite database."""
    with serve_forum() as forum:
        yield forum


@pytest.fixture(scope="module")
def demo_forum() -> Iterator[LiveForum]:
    """One live forum with the demo community loaded, shared by a module's read-mostly tests."""
    with serve_forum() as forum:
        forum.demo()
        yield forum


@contextmanager
def serve_forum() -> Iterator[LiveForum]:
    """Migrates a fresh SQLite database in a temporary folder, runs `forum serve` on it, stops it after."""
    folder = Path(tempfile.mkdtemp(prefix="haven-browser-"))
    port = _free_port()
    env = {**os.environ, "FORUM_DATA_DIR": str(folder), "FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/forum.db",
           "FORUM_SECRET_KEY": "browser-" + "x" * 40, "FORUM_RATE_LIMITS": "off", "FORUM_CLASSIFIER": "basic",
           "FORUM_FAST_PASSWORD_HASHING": "1"}
    forum = ROOT / ".venv" / "bin" / "forum"
    command = [str(forum)] if forum.exists() else [sys.executable, "-m", "forum.cli"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    with open(folder / "serve.log", "w") as log:
        process = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            process.kill()
            raise RuntimeError(f"forum serve did not start: {(folder / 'serve.log').read_text()[-2000:]}")
        try:
            yield LiveForum(url, env)
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
