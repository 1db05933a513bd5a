"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, the app, and an API client.

Every database test runs on both backends. PostgreSQL is this machine's server on 127.0.0.1:5432;
when it is unreachable the PostgreSQL half is skipped with the reason printed, unless
FORUM_REQUIRE_POSTGRES=1 (set by .ci/run), which turns that skip into a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from forum.aio import run_sync
from forum.settings import Settings

if TYPE_CHECKING:  # imported where used, so collecting the tests stays quick
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

    from forum.db.engine import Database

PG_ADMIN_DSN = os.environ.get("FORUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEMPLATE = f"haven_tpl_{os.getpid()}"
REQUIRE_PG = os.environ.get("FORUM_REQUIRE_POSTGRES") == "1"


def base_env(data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "FORUM_DATA_DIR": str(data_dir),
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SECRET_KEY": "test-secret-" + "x" * 40,
        "FORUM_RATE_LIMITS": "off",
        "FORUM_CLASSIFIER": "basic",
        "FORUM_FAST_PASSWORD_HASHING": "1",
        "FORUM_WORKER_IN_PROCESS": "0",
    }


async def _pg_execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_execute(sql: str) -> None:
    run_sync(_pg_execute(sql))


_pg_state: dict[str, str | None] = {}


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    if "error" not in _pg_state:
        try:
            pg_execute("SELECT 1")
            _pg_state["error"] = None
        except Exception as exc:
            _pg_state["error"] = f"PostgreSQL at {PG_ADMIN_DSN} is not reachable: {exc!r}"
    return _pg_state["error"]


def require_postgres() -> None:
    reason = postgres_available()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"{reason} (FORUM_REQUIRE_POSTGRES=1 makes this a failure)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    from forum.db.migrate import upgrade

    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    upgrade(Settings.from_env(base_env(folder, f"sqlite+aiosqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test clones with CREATE DATABASE ... TEMPLATE."""
    require_postgres()
    from forum.db.migrate import upgrade

    pg_execute(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}"')
    pg_execute(f'CREATE DATABASE "{PG_TEMPLATE}"')
    upgrade(Settings.from_env(base_env(Path("/tmp"), f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_TEMPLATE}")))
    yield PG_TEMPLATE
    pg_execute(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for a fresh, migrated, empty database on the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "forum.db"
        shutil.copy(template, path)
        yield Settings.from_env(base_env(tmp_path, f"sqlite+aiosqlite:///{path}"))
        return
    template_db: str = request.getfixturevalue("pg_template")
    name = f"haven_test_{uuid.uuid4().hex[:12]}"
    pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield Settings.from_env(base_env(tmp_path, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"))
    finally:
        pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    from forum.db.engine import Database

    database = Database(settings)
    yield database
    await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.session() as s:
        yield s


@pytest.fixture
async def app(settings: Settings) -> Litestar:
    from forum.app import create_app

    return create_app(settings, run_worker=False)


@contextlib.asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Runs the app's start-up and shut-down in one task of their own (anyio's cancel scopes
    must be left by the task that entered them, and pytest may finalize fixtures elsewhere)."""
    ready, finished = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            ready.set()
            await finished.wait()

    task = asyncio.create_task(lifespan())
    await ready.wait()
    try:
        yield
    finally:
        finished.set()
        await task


class AppClient(httpx.AsyncClient):
    """An httpx client wired straight to the app, in the test's own event loop."""

    app: Litestar


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AppClient]:
    # Litestar's AppClient runs the app through a blocking portal on another loop, which
    # asyncpg's pooled connections don't survive; ASGITransport keeps one loop for everything.
    async with running(app), AppClient(transport=httpx.ASGITransport(app=app),
                                       base_url="http://testserver.local") as c:
        c.app = app
        yield c


@dataclass
class Api:
    """A JSON API client that remembers members' tokens: `await api.member("alice")`."""

    client: AppClient
    tokens: dict[str, str]

    async def member(self, name: str, password: str = "a-long-password-123", role: str | None = None) -> str:
        r = await self.client.post("/api/v1/auth/register", json={"username": name, "password": password})
        assert r.status_code in (201, 409), r.text
        if role:
            await set_role(self.client.app, name, role)
        r = await self.client.post("/api/v1/auth/token", json={"username": name, "password": password})
        assert r.status_code == 200, r.text
        self.tokens[name] = r.json()["token"]
        return self.tokens[name]

    def auth(self, name: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}

    async def call(self, method: str, path: str, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=self.auth(as_), **kwargs)

    async def get(self, path: str, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        return await self.call("GET", path, as_, **kwargs)

    async def post(self, path: str, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        return await self.call("POST", path, as_, **kwargs)


async def set_role(app: Litestar, name: str, role: str) -> None:
    from forum.accounts.services import AccountService

    async with app.state.db.session() as s:
        accounts = AccountService(s)
        member = await accounts.by_username(name)
        await accounts.set_role(member, role)


async def make_topic(app: Litestar, slug: str = "anxiety", name: str = "Anxiety") -> None:
    from forum.discussions.writing import DiscussionWriter

    async with app.state.db.session() as s:
        await DiscussionWriter(s).save_topic(slug, name, f"About {name.lower()}")


@pytest.fixture
async def api(client: AppClient) -> Api:
    await make_topic(client.app)
    return Api(client, {})


# --- the quality report on the never-tuned test sets (tests/safety/test_quality_on_unseen_text.py) ----
# Here, in the root conftest, because under xdist only the controller prints the summary, and it
# reads only the root conftest.

_started: list[float] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    _started.append(time.time())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the quality report on the never-tuned test sets at the end of the run (CI shows it)."""
    import json
    from pathlib import Path

    reports = Path(__file__).parent / ".reports"
    # Only reports this run wrote: an old file from an earlier run must not pass for today's figures.
    since = _started[0] if _started else 0.0
    fresh = sorted(p for p in reports.glob("*_test_*.json") if p.stat().st_mtime >= since) if reports.exists() else []
    if not fresh:
        return
    write = terminalreporter.write_line
    terminalreporter.section("quality on the never-tuned test sets")
    for path in fresh:
        data = json.loads(path.read_text())
        name = path.stem.rsplit("_", 1)[-1].upper()
        if path.name.startswith("crisis"):
            for group, row in data["groups"].items():
                write(f"set {name} crisis {group:13} {row['rate']:.2f} ({row['fired']}/{row['of']})  rules alone "
                      f"{data['rules_only'][group]:.2f}  target {data['targets'][group]}")
        else:
            write(f"set {name} warnings micro recall {data['micro_recall']:.2f}, precision "
                  f"{data['micro_precision']:.2f} ({data['posts']} posts; word list alone "
                  f"{data['word_list_only']['micro_recall']:.2f} / {data['word_list_only']['micro_precision']:.2f})")
            weak = {slug: row["recall"] for slug, row in data["per_warning"].items() if (row["recall"] or 0) < 0.75}
            write(f"set {name} warnings under 0.75 recall: {weak}")
