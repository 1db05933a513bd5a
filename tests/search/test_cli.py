"""`forum search reindex`, as an operator runs it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from forum.cli import main


def test_reindex_rebuilds_the_index_from_the_database(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "forum.db"
    shutil.copy(sqlite_template, path)
    with sqlite3.connect(path) as db:
        now = "2026-01-01 00:00:00.000000"
        db.execute("INSERT INTO topics (id, slug, name, description, position, created_at, updated_at) "
                   "VALUES (1, 'grief', 'Grief', '', 0, ?, ?)", (now, now))
        db.execute("INSERT INTO threads (id, topic_id, title, status, pinned, locked, last_activity_at, reply_count, "
                   "created_at, updated_at) VALUES (1, 1, 'Since March', 'published', 0, 0, ?, 0, ?, ?)",
                   (now, now, now))
        for post_id, status in ((1, "published"), (2, "deleted")):
            db.execute("INSERT INTO posts (id, thread_id, is_opening, body_source, body_html, status, created_at, "
                       "updated_at) VALUES (?, 1, ?, 'x', '<p>Birdsong &amp; tea</p>', ?, ?, ?)",
                       (post_id, post_id == 1, status, now, now))
        db.execute("INSERT INTO search_posts (rowid, title, body) VALUES (99, 'stale', 'gone long ago')")
    env = {"FORUM_DATABASE_URL": f"sqlite+aiosqlite:///{path}", "FORUM_DATA_DIR": str(tmp_path),
           "FORUM_SECRET_KEY": "k" * 40, "FORUM_SEARCH_BACKEND": "sql"}

    result = CliRunner().invoke(main, ["search", "reindex", "--batch", "10"], env=env)

    assert result.exit_code == 0, result.output
    assert "Indexed 1 posts" in result.output and "1 stale entries removed" in result.output
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rowid, title, body FROM search_posts ORDER BY rowid").fetchall()
    assert rows == [(1, "Since March", "Birdsong & tea")]
