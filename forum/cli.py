"""The `forum` command: serve, migrate, create an admin, load the demo, run workers, check health.

Part of the composition root (with forum/app.py): it adds moderation's and search's own commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sys

import click

import moderation.cli
import search.cli
from forum.aio import run_sync
from forum.settings import Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
def main() -> None:
    """Haven, a forum for peer-support communities."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Web worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the forum (SQLite databases are migrated first)."""
    from forum.db.migrate import upgrade
    from forum.server import serve as serve_forever

    settings = _settings()
    _logging()
    if settings.is_sqlite:
        upgrade(settings)
    if settings.secret_key_is_generated:
        click.echo(f"Using a secret key kept in {settings.data_dir / 'secret_key'} "
                   "(set FORUM_SECRET_KEY to choose one).")
    click.echo(f"Haven is ready at http://{host}:{port}")
    try:
        serve_forever(host, port, workers)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise click.ClickException(f"Port {port} is already in use (is Haven already running?). "
                                   "Stop it, or choose another port with --port.") from exc


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (safe to run again)."""
    from forum.db.migrate import upgrade

    upgrade(_settings())
    click.echo("The database is up to date.")


@main.command()
@click.argument("name")
@click.option("--password", default=None, help="Prompted for (hidden) when left out.")
def createadmin(name: str, password: str | None) -> None:
    """Create an admin account, or make an existing member an admin."""
    if password is None:
        if not sys.stdin.isatty():
            raise click.ClickException("Give --password, or run this in a terminal to be asked for one.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def run() -> str:
        from forum.accounts.services import AccountService
        from forum.db.engine import Database

        settings = _settings()
        database = Database(settings)
        try:
            async with database.session() as session:
                accounts = AccountService(session, settings.fast_password_hashing)
                member = await accounts.by_username(name)
                if member is None:
                    await accounts.register(name, password, role="admin")
                    return f"Created the admin {name}."
                await accounts.set_role(member, "admin")
                return f"{member.username} is now an admin."
        finally:
            await database.dispose()

    from forum.errors import ForumError

    try:
        click.echo(run_sync(run()))
    except ForumError as exc:
        details = "; ".join(exc.fields.values()) if exc.fields else ""
        raise click.ClickException(f"{exc.detail} {details}".strip()) from exc


@main.command()
def demo() -> None:
    """Load a demo community: topics, members, threads and replies."""
    from forum.demo.loader import load_demo

    settings = _settings()
    summary = run_sync(load_demo(settings))
    click.echo(summary)


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is waiting, then stop.")
def worker(once: bool) -> None:
    """Run the background workers (moderation, search indexing) on their own."""
    from forum.app import compose
    from forum.db.engine import Database
    from forum.outbox.worker import OutboxWorker

    settings = _settings()
    _logging()

    async def run() -> None:
        database = Database(settings)
        composition = compose(settings, database)
        # The worker never reads the safety model (it runs at submission, in the web process).
        for health in composition.plugin_health():
            logging.getLogger("forum").info(health.line)
        outbox = OutboxWorker(database, composition.subscribers)
        try:
            if once:
                while await outbox.run_once():
                    pass
                await outbox.prune_done()  # run from cron, --once is its only chance to delete old done events
            else:
                stop = asyncio.Event()
                await outbox.run_forever(stop)
        finally:
            for hook in composition.on_shutdown:
                await hook()
            await database.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        run_sync(run())


@main.command()
def doctor() -> None:
    """Say what is configured and whether it works: database, search, classifier."""
    from sqlalchemy import text

    from forum.app import compose
    from forum.db.engine import Database
    from forum.health import HealthState

    settings = _settings()
    ok = True

    async def run() -> None:
        nonlocal ok
        database = Database(settings)
        kind = "SQLite" if settings.is_sqlite else "PostgreSQL"
        try:
            async with database.session() as session:
                await session.execute(text("SELECT 1"))
            click.echo(f"database: ok ({kind}, {_redacted(settings.database_url)})")
        except Exception as exc:
            ok = False
            click.echo(f"database: NOT WORKING ({kind}): {exc}")
        composition = compose(settings, database)
        await composition.extensions.safety.start()
        for health in composition.health():
            click.echo(health.line)
            ok = ok and health.state is not HealthState.NOT_WORKING
        for name, check in composition.readiness_checks.items():
            try:
                await asyncio.wait_for(check(), timeout=10)
                click.echo(f"{name}: ok")
            except Exception as exc:
                ok = False
                click.echo(f"{name}: NOT WORKING: {exc}")
        for hook in composition.on_shutdown:
            await hook()
        click.echo(f"sessions and rate limits: {'Redis' if settings.redis_url else 'the database'}"
                   f"; rate limits {'on' if settings.rate_limits else 'off'}")
        await database.dispose()

    run_sync(run())
    if not ok:
        sys.exit(1)


@main.group()
def safety() -> None:
    """The safety model under the crisis check and the warning suggester."""


@safety.command("train")
@click.option("--ship", is_flag=True,
              help="Write the heads into the package (for developers committing a new corpus), "
                   "instead of FORUM_DATA_DIR/safety/.")
def safety_train(ship: bool) -> None:
    """Rebuild the crisis and warning heads from the labelled corpora (deterministic, a minute or two)."""
    from forum.safety.model import SafetyModel
    from forum.warnings import suggest, training
    from moderation import crisis_model

    settings = _settings()
    model = SafetyModel(settings.safety_model if settings.safety_model != "off" else None)
    status = model.load()
    click.echo(status.line)
    if model.embedder is None:
        raise click.ClickException("The heads can only be trained with the embedding model loaded.")
    for name, trainer, shipped in (("crisis check", crisis_model.train, crisis_model.SHIPPED_HEADS),
                                   ("warning suggestions", training.train, suggest.SHIPPED_HEADS)):
        click.echo(f"training the {name} heads…")
        heads, meta = trainer(model.embedder)
        path = shipped if ship else settings.data_dir / "safety" / shipped.name
        heads.save(path)
        click.echo(f"  {meta['examples']} examples ({meta['train']} to train, {meta['development']} to choose "
                   f"thresholds); wrote {path}")
        click.echo(f"  thresholds: {', '.join(f'{k} {v:.2f}' for k, v in heads.thresholds.items())}")
        click.echo(f"  development figures: {meta['development_figures']}")


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


# moderation and search bring their own commands (`forum classifier ...`, `forum search ...`).
for command in (*moderation.cli.commands(), *search.cli.commands()):
    main.add_command(command)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
