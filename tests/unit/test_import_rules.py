"""Who may import whom: the dependency rule of DESIGN.md, and migrations that don't move with the code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The composition root: the only modules in `forum` that wire moderation and search in.
COMPOSITION_ROOT = {"forum/app.py", "forum/cli.py", "forum/db/migrations/env.py"}
APP_PACKAGES = ("forum", "moderation", "search")


def _imported(path: Path) -> set[str]:
    """Every module name this file imports, at any depth (function-level imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_forum_imports_moderation_and_search_only_at_its_composition_root() -> None:
    offenders = {}
    for path in sorted((ROOT / "forum").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in COMPOSITION_ROOT:
            continue
        wrong = sorted(n for n in _imported(path) if _top(n) in ("moderation", "search"))
        if wrong:
            offenders[relative] = wrong
    assert offenders == {}


def test_migrations_import_none_of_the_apps_code() -> None:
    # A migration must do the same thing forever: what it seeds is written out in it, not imported.
    offenders = {}
    for path in sorted((ROOT / "forum" / "db" / "migrations" / "versions").glob("*.py")):
        wrong = sorted(n for n in _imported(path) if _top(n) in APP_PACKAGES)
        if wrong:
            offenders[path.name] = wrong
    assert offenders == {}
