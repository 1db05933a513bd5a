"""Telling on-duty moderators, within seconds, that an urgent item arrived (optional).

When a flag makes an item urgent (the crisis check fired; a member is worried about someone),
moderation/flags.py writes a `moderation.urgent_flag` outbox event in the same transaction. Two
outbox subscribers read it, one per channel, so the outbox keeps each one's progress apart and a
mail server that is down never holds back the webhook (or the other way round):

- WebhookAlerts POSTs JSON to the URL an admin set on /admin/moderation;
- EmailAlerts mails the addresses an admin listed, through forum/mail.py (FORUM_SMTP_URL).

An alert says the least that is useful, because it may travel through third-party services (a chat
app's webhook, someone's mail provider): what kind of item, the flag's id, a link to the post and
the queue, and the time. Never the post's words, its title, or who wrote it: a moderator signs in to
read those.

Sending happens in the worker, never in a request: posting is never slower or refused because a
receiver is down. A failed send raises, the outbox retries it with backoff (and logs why), and an
alert that still hasn't gone out after ALERT_GIVE_UP_AFTER is dropped with a log line. An alert goes
out once per flag: the event is written once, when the flag is raised, and each channel's
completion is recorded by the outbox (a worker that crashes between sending and recording may send
one twice; receivers can tell by `flag_id`). A flag a moderator resolved before its alert went out
needs no alert, and gets none.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.db.base import utcnow
from forum.db.engine import Database
from forum.discussions.models import Post
from forum.mail import Mail, MailError, send_mail
from forum.outbox.events import emit
from forum.settings import Settings
from forum.warnings.visibility import Reader
from moderation.admin import ModerationAdmin
from moderation.config import ModerationConfig, load_config, store_setting, validate_alerts
from moderation.flags import URGENT_FLAG_RAISED
from moderation.models import Flag
from moderation.queue import QueueService
from moderation.rules import ALERT_GIVE_UP_AFTER
from moderation.services import log_action

log = logging.getLogger("moderation.alerts")

WEBHOOK_TIMEOUT = 5.0  # seconds; the worker waits this long at most for a receiver
KIND_WORDS = {"crisis": "the crisis check noticed a post where someone may be in danger",
              "worried": "a member is worried about someone and asked a moderator to look",
              "test": "this is a test alert, sent from the moderation settings"}


class Event(Protocol):
    id: int
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class UrgentAlert:
    """What an alert says: no words of the post, no title, no names."""

    kind: str  # crisis | worried | test
    flag_id: int | None
    thread_link: str
    queue_link: str
    time: dt.datetime
    forum_name: str = "Haven"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "flag_id": self.flag_id, "thread_link": self.thread_link,
                "queue_link": self.queue_link, "time": self.time.isoformat(),
                # A ready-made line for chat webhooks that show a "text" field (Slack, Mattermost...).
                "text": f"{self.forum_name}: {self.summary}. {self.queue_link}"}

    @property
    def summary(self) -> str:
        if self.kind == "test":
            return "a test alert; urgent items will be announced like this"
        return f"an urgent item is waiting in the moderation queue ({self.kind})"

    def mail(self, to: Sequence[str]) -> Mail:
        if self.kind == "test":
            subject = f"[{self.forum_name}] Test alert: this address will hear about urgent items"
        else:
            subject = f"[{self.forum_name}] Someone may need help now: an urgent item is waiting"
        when = self.time.astimezone(dt.UTC).strftime("%A %d %B, %H:%M UTC")
        text = (f"An urgent item is waiting in {self.forum_name}'s moderation queue: "
                f"{KIND_WORDS.get(self.kind, self.kind)}.\n\n"
                f"Open the queue: {self.queue_link}\n"
                f"Go to the post: {self.thread_link}\n"
                f"Flagged: {when}\n\n"
                "This message doesn't say what was written or who wrote it: sign in to read it. "
                "If someone else has it already, the queue shows who.\n\n"
                "You get these alerts because an admin added this address in the moderation settings.\n")
        return Mail(list(to), subject, text)


def _when(raw: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(raw))
    except (TypeError, ValueError):
        return utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def alert_for(session: AsyncSession, event: Event, settings: Settings) -> UrgentAlert | None:
    """The alert for this event, or None when there is nothing to tell (the flag is gone or decided)."""
    base = settings.base_url.rstrip("/")
    queue_link = f"{base}/mod/queue"
    when = _when(event.payload.get("raised_at"))
    if event.payload.get("test"):
        return UrgentAlert("test", None, queue_link, queue_link, when, settings.forum_name)
    try:
        flag_id = int(event.payload.get("flag_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    flag = await session.get(Flag, flag_id)
    if flag is None or flag.status != "open":
        return None
    post = await session.get(Post, flag.post_id)
    if post is None:
        return None
    # The page a moderator finds the post on (moderators see every status; their warnings aside).
    page = (await QueueService(session).post_pages([post.id], Reader(is_moderator=True))).get(post.id, 1)
    thread_link = f"{base}/threads/{post.thread_id}{f'?page={page}' if page > 1 else ''}#post-{post.id}"
    kind = "crisis" if flag.source == "crisis" else "worried" if flag.source == "report" else flag.source
    return UrgentAlert(kind, flag.id, thread_link, queue_link, when, settings.forum_name)


class _AlertChannel:
    """One way of telling moderators; the outbox records each channel's progress on its own."""

    name = "moderation.alerts"
    channel = "alert"
    kinds = frozenset({URGENT_FLAG_RAISED})

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        # Sent by this process: a batch retried one by one after a later alert failed must not
        # send the earlier ones again.
        self._sent: OrderedDict[str, None] = OrderedDict()

    def configured(self, config: ModerationConfig) -> bool:
        raise NotImplementedError

    async def send(self, alert: UrgentAlert, config: ModerationConfig) -> None:
        raise NotImplementedError

    async def handle(self, events: Sequence[Event]) -> None:
        for event in events:
            key = f"flag-{event.payload.get('flag_id')}" if not event.payload.get("test") else f"event-{event.id}"
            if key in self._sent:
                continue
            async with self.db.session() as session:
                config = await load_config(session)
                if not self.configured(config):
                    continue
                alert = await alert_for(session, event, self.settings)
            if alert is None:
                log.info("urgent-item %s alert for event %s not sent: the item was already decided", self.channel,
                         event.id)
                continue
            if utcnow() - alert.time > ALERT_GIVE_UP_AFTER:
                log.warning("urgent-item %s alert for flag %s dropped: it couldn't be sent for over %s",
                            self.channel, alert.flag_id, ALERT_GIVE_UP_AFTER)
                continue
            try:
                await self.send(alert, config)
            except Exception as exc:
                log.warning("urgent-item %s alert for flag %s not sent yet (%s); the outbox will try again",
                            self.channel, alert.flag_id, exc)
                raise
            self._sent[key] = None
            while len(self._sent) > 1000:
                self._sent.popitem(last=False)
            log.info("urgent-item %s alert sent for flag %s", self.channel, alert.flag_id)


class WebhookAlerts(_AlertChannel):
    name = "moderation.alerts.webhook"
    channel = "webhook"

    def configured(self, config: ModerationConfig) -> bool:
        return bool(config.alert_webhook)

    async def send(self, alert: UrgentAlert, config: ModerationConfig) -> None:
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT, follow_redirects=False) as client:
            response = await client.post(config.alert_webhook, json=alert.as_json(),
                                         headers={"User-Agent": f"{self.settings.forum_name} alerts"})
        if response.status_code >= 300:
            raise RuntimeError(f"the webhook answered {response.status_code}")


class EmailAlerts(_AlertChannel):
    name = "moderation.alerts.email"
    channel = "email"

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(db, settings)
        self._said_off = False

    def configured(self, config: ModerationConfig) -> bool:
        if not config.alert_emails:
            return False
        if not self.settings.smtp_url:
            if not self._said_off:
                log.warning("urgent-item alerts have email addresses, but FORUM_SMTP_URL is not set: no mail is sent")
                self._said_off = True
            return False
        return True

    async def send(self, alert: UrgentAlert, config: ModerationConfig) -> None:
        try:
            await send_mail(self.settings, alert.mail(config.alert_emails))
        except MailError as exc:
            raise RuntimeError(str(exc)) from exc


def alert_subscribers(db: Database, settings: Settings) -> list[_AlertChannel]:
    """The outbox subscribers that send alerts (moderation/plugin.py registers them after the flags)."""
    return [WebhookAlerts(db, settings), EmailAlerts(db, settings)]


class AlertSettings:
    """The "Alerts" section of /admin/moderation: where urgent items are announced."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, actor: Member | None, webhook_url: str | None, emails: str | None) -> ModerationConfig:
        admin = ModerationAdmin.ensure_admin(actor)
        clean = validate_alerts(webhook_url, emails)
        before = await load_config(self.session)
        await store_setting(self.session, "alerts", clean)
        # The log says what changed, not the address: a webhook URL is often a secret.
        was = {"webhook": bool(before.alert_webhook), "emails": len(before.alert_emails)}
        now = {"webhook": bool(clean["webhook_url"]), "emails": len(clean["emails"])}
        if (before.alert_webhook, list(before.alert_emails)) != (clean["webhook_url"], clean["emails"]):
            log_action(self.session, admin, "settings", "setting", None, None, key="alerts", before=was, after=now)
        await self.session.commit()
        return await load_config(self.session)

    async def send_test(self, actor: Member | None) -> None:
        """A test alert through the same path as a real one (the outbox worker sends it)."""
        ModerationAdmin.ensure_admin(actor)
        emit(self.session, URGENT_FLAG_RAISED, test=True, flag_id=None, raised_at=utcnow().isoformat())
        await self.session.commit()
