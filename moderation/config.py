"""Admin-editable moderation settings (mod_settings rows over the defaults in moderation.rules)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import Invalid
from moderation.models import ModerationSetting
from moderation.rules import MAX_ALERT_EMAILS, default_settings

Thresholds = dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class ModerationConfig:
    thresholds: Thresholds
    premod_first_posts: int
    precision_target: float
    # Who hears about an urgent item within seconds: a webhook (POST JSON) and/or email addresses.
    alert_webhook: str = ""
    alert_emails: tuple[str, ...] = ()

    def flag_labels(self, scores: Mapping[str, float]) -> list[str]:
        """Labels at or above their flag threshold."""
        return [label for label, value in scores.items()
                if (t := self.thresholds.get(label, {}).get("flag")) is not None and value >= t]

    def hide_labels(self, scores: Mapping[str, float]) -> list[str]:
        """Labels at or above their hide threshold (the post waits for a moderator)."""
        return [label for label, value in scores.items()
                if (t := self.thresholds.get(label, {}).get("hide")) is not None and value >= t]


async def load_config(session: AsyncSession) -> ModerationConfig:
    values = default_settings()
    rows = await session.execute(select(ModerationSetting.key, ModerationSetting.value))
    for key, value in rows:
        if key == "thresholds" and isinstance(value, dict):
            # Stored labels override the defaults one by one, so a new label gets its default.
            for label, pair in value.items():
                if isinstance(pair, dict):
                    values["thresholds"].setdefault(label, {}).update(pair)
        elif key in values:
            values[key] = value
    alerts = values["alerts"] if isinstance(values["alerts"], dict) else {}
    return ModerationConfig(values["thresholds"], int(values["premod_first_posts"] or 0),
                            float(values["precision_target"]),
                            alert_webhook=str(alerts.get("webhook_url") or ""),
                            alert_emails=tuple(str(e) for e in alerts.get("emails") or ()))


async def store_setting(session: AsyncSession, key: str, value: Any) -> None:
    """Writes one setting in the caller's transaction."""
    row = await session.scalar(select(ModerationSetting).where(ModerationSetting.key == key))
    if row is None:
        session.add(ModerationSetting(key=key, value=value))
    else:
        row.value = value


def parse_threshold(raw: str | float | None, label: str, kind: str) -> float | None:
    """A threshold from a form: a number from 0 to 1, or empty for "never" (hide only)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if kind == "flag":
            raise Invalid("Every label needs a flag threshold.", {f"{label}.{kind}": "Enter a number from 0 to 1."})
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise Invalid("Thresholds are numbers from 0 to 1.",
                      {f"{label}.{kind}": "Enter a number from 0 to 1, like 0.8."}) from exc
    if math.isnan(value) or not 0 <= value <= 1:
        raise Invalid("Thresholds are numbers from 0 to 1.", {f"{label}.{kind}": "Enter a number from 0 to 1."})
    return round(value, 3)


def validate_thresholds(thresholds: Mapping[str, Mapping[str, Any]]) -> Thresholds:
    result: Thresholds = {}
    for label, pair in thresholds.items():
        flag = parse_threshold(pair.get("flag"), label, "flag")
        hide = parse_threshold(pair.get("hide"), label, "hide")
        if hide is not None and flag is not None and hide < flag:
            raise Invalid("A hide threshold can't be below its flag threshold.",
                          {f"{label}.hide": "Make it at least the flag threshold, or leave it empty for never."})
        result[label] = {"flag": flag, "hide": hide}
    return result


_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")


def validate_alerts(webhook_url: str | None, emails: str | list[str] | None) -> dict[str, Any]:
    """The alerts setting from a form: an http(s) address (or empty) and up to 20 email addresses,
    one per line or separated by commas (or none)."""
    url = (webhook_url or "").strip()
    errors: dict[str, str] = {}
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            errors["webhook_url"] = "Give the full address, starting with https://"
        elif len(url) > 500:
            errors["webhook_url"] = "Keep the address under 500 characters."
    raw = emails if isinstance(emails, list) else re.split(r"[\s,;]+", emails or "")
    addresses = list(dict.fromkeys(e.strip() for e in raw if e and e.strip()))
    wrong = [e for e in addresses if not _EMAIL.fullmatch(e)]
    if wrong:
        errors["alert_emails"] = f"These don't look like email addresses: {', '.join(wrong[:3])}."
    elif len(addresses) > MAX_ALERT_EMAILS:
        errors["alert_emails"] = f"Up to {MAX_ALERT_EMAILS} addresses; a shared inbox or a webhook suits more."
    if errors:
        raise Invalid("The alert settings need another look.", errors)
    return {"webhook_url": url, "emails": addresses}
