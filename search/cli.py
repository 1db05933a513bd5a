"""`forum search ...`: maintenance of the search index."""

from __future__ import annotations

import click

from forum.aio import run_sync


@click.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(10, 20_000),
              help="Posts read and written per batch.")
def reindex_command(batch: int) -> None:
    """Rebuild the search index from the database (safe while the forum is running)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from forum.db.engine import Database
    from forum.settings import Settings
    from search.indexer import reindex
    from search.plugin import make_backend
    from search.protocol import SearchUnavailable

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc

    async def run() -> str:
        database = Database(settings)
        backend = make_backend(settings, database)
        click.echo(backend.describe())
        try:
            with Progress(TextColumn("Indexing posts"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn()) as bar:
                task = bar.add_task("reindex", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                summary = await reindex(database, backend, batch, progress)
            return (f"Indexed {summary.indexed:,} posts in {summary.seconds:.1f} s "
                    f"({summary.left_out:,} deleted posts left out, {summary.pruned:,} stale entries removed).")
        finally:
            await backend.close()
            await database.dispose()

    try:
        click.echo(run_sync(run()))
    except SearchUnavailable as exc:
        raise click.ClickException(f"The search backend isn't answering: {exc.detail}") from exc


def commands() -> list[click.Command]:
    return [search_group]
