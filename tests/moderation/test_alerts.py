"""Alerts for urgent items, delivered for real: a real SMTP server (aiosmtpd) and a real HTTP receiver
started by each test, and the app's own outbox worker running as it does under `forum serve`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from forum.outbox.models import OutboxEvent
from tests.conftest import Api, make_topic, set_role
from tests.helpers.pages import serving

URGENT = "I'm going to kill myself tonight."
BASE = "https://haven.example"
# How soon "within seconds" is, with room for a loaded CI machine (the worker polls every 0.5 s).
WITHIN = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.append({"path": self.path, "type": self.headers.get("content-type"), "raw": raw,
                             "json": json.loads(raw)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/hooks/haven"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.asynccontextmanager
async def live_forum(settings: Any, smtp_url: str | None, hook: str | None,
                     emails: tuple[str, ...] = ("oncall@example.org", "sam@example.org")) -> AsyncIterator[Api]:
    """The app with its outbox worker running in-process, alerts configured, and members."""
    from forum.app import create_app
    from moderation.config import store_setting

    configured = dataclasses.replace(settings, smtp_url=smtp_url, base_url=BASE, mail_from="Haven <haven@example.org>",
                                     worker_in_process=True)
    app = create_app(configured, run_worker=True)
    async with serving(app) as client:
        await make_topic(app)
        async with app.state.db.session() as s:
            await store_setting(s, "alerts", {"webhook_url": hook or "", "emails": list(emails)})
            await s.commit()
        api = Api(client, {})  # type: ignore[arg-type]
        for name in ("ash", "rowan"):
            await api.member(name)
        await api.member("sam", role="moderator")
        yield api


async def until(condition: Any, seconds: float = WITHIN * 2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def post_urgent(api: Api) -> tuple[dict[str, Any], dict[str, Any], float]:
    thread = await api.post("/api/v1/topics/anxiety/threads", as_="ash",
                            json={"title": "Anyone else awake?", "body": "Can't sleep again.", "warnings": []})
    assert thread.status_code == 201, thread.text
    started = time.monotonic()
    reply = await api.post(f"/api/v1/threads/{thread.json()['id']}/posts", as_="rowan", json={"body": URGENT})
    accepted = time.monotonic()
    assert reply.status_code == 201, reply.text
    assert reply.json()["crisis_resources"], "the test sentence must fire the crisis check"
    assert accepted - started < 2, "posting never waits for alerts"
    return thread.json(), reply.json(), accepted


async def test_an_urgent_post_reaches_a_real_mail_server_and_webhook_within_seconds(settings, smtp, webhook) -> None:
    inbox, port = smtp
    received, hook = webhook
    async with live_forum(settings, f"smtp://127.0.0.1:{port}", hook) as api:
        thread, reply, accepted = await post_urgent(api)

        await until(lambda: inbox.messages and received)
        took = time.monotonic() - accepted

        assert len(inbox.messages) == 1 and len(received) == 1, (inbox.messages, received)
        assert took < WITHIN, f"the alert took {took:.1f}s"
        items = (await api.get("/api/v1/mod/queue", as_="sam")).json()["items"]
        flag_id = items[0]["id"]
        link = f"{BASE}/threads/{thread['id']}#post-{reply['id']}"

        sent = received[0]
        assert sent["path"] == "/hooks/haven" and sent["type"].startswith("application/json")
        assert sent["json"]["kind"] == "crisis" and sent["json"]["flag_id"] == flag_id
        assert sent["json"]["thread_link"] == link and sent["json"]["queue_link"] == f"{BASE}/mod/queue"
        assert sent["json"]["time"]
        recipients, message = inbox.messages[0]
        assert sorted(recipients) == ["oncall@example.org", "sam@example.org"]
        assert message["From"] == "Haven <haven@example.org>" and "urgent" in message["Subject"].lower()
        text = message.get_payload(decode=True).decode()
        assert link in text and f"{BASE}/mod/queue" in text

        # The least: nothing of the post, its thread or its author travels with an alert.
        for said in (sent["raw"].decode(), text, message["Subject"]):
            for private in ("kill myself", "tonight", "Anyone else awake", "rowan", "ash"):
                assert private.lower() not in said.lower(), f"{private!r} was sent in an alert"


async def test_an_alert_is_sent_once_per_flag(settings, smtp, webhook) -> None:
    inbox, port = smtp
    received, hook = webhook
    async with live_forum(settings, f"smtp://127.0.0.1:{port}", hook) as api:
        thread, reply, _ = await post_urgent(api)
        await until(lambda: inbox.messages and received)
        assert len(inbox.messages) == 1 and len(received) == 1

        # Editing keeps one open flag (its words are merged): no second alert.
        edited = await api.client.patch(f"/api/v1/posts/{reply['id']}", headers=api.auth("rowan"),
                                        json={"body": "I'm going to kill myself tonight. I've written the notes."})
        assert edited.status_code == 200, edited.text
        # A second urgent post is a second flag: a second alert (which also shows the wait was long enough).
        second = await api.post(f"/api/v1/threads/{thread['id']}/posts", as_="ash",
                                json={"body": "I have the pills ready and I'm going to take them all tonight."})
        assert second.json()["crisis_resources"]
        await until(lambda: len(inbox.messages) >= 2 and len(received) >= 2)
        await asyncio.sleep(1.5)  # a duplicate would have come by now

        flags = sorted(r["json"]["flag_id"] for r in received)
        assert len(flags) == 2 and len(set(flags)) == 2, received
        assert len(inbox.messages) == 2


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def alert_log() -> Iterator[Kept]:
    """What moderation/alerts.py logs (its own handler: the app's logging set-up replaces pytest's)."""
    kept, logger = Kept(), logging.getLogger("moderation.alerts")
    logger.addHandler(kept)
    try:
        yield kept
    finally:
        logger.removeHandler(kept)


async def test_a_mail_server_that_is_down_delays_nothing_and_the_webhook_still_goes(settings, webhook,
                                                                                    alert_log) -> None:
    received, hook = webhook
    down = free_port()  # nothing listens there
    async with live_forum(settings, f"smtp://127.0.0.1:{down}", hook) as api:
        thread, reply, _ = await post_urgent(api)

        await until(lambda: received)
        assert len(received) == 1, "the webhook goes out although the mail server is down"
        items = (await api.get("/api/v1/mod/queue", as_="sam")).json()["items"]
        assert [i["post"]["id"] for i in items] == [reply["id"]] and items[0]["urgent"]
        shown = await api.get(f"/api/v1/threads/{thread['id']}")
        assert reply["id"] in [p["id"] for p in shown.json()["posts"]], "the post is up for everyone"

        db = api.client.app.state.db  # type: ignore[attr-defined]

        async def waiting_mail() -> list[OutboxEvent]:
            async with db.session() as s:
                return list(await s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "moderation.urgent_flag")))

        deadline = time.monotonic() + WITHIN
        events = await waiting_mail()
        while time.monotonic() < deadline and not (events and events[0].attempts):
            await asyncio.sleep(0.1)
            events = await waiting_mail()
        assert len(events) == 1
        event = events[0]
        assert event.done_at is None and event.attempts >= 1, "the mail waits for a retry, with backoff"
        assert "moderation.alerts.webhook" in event.completed and "moderation.alerts.email" not in event.completed
        assert "moderation.alerts.email" in (event.last_error or "")
        assert any("email alert" in line and "not sent yet" in line for line in alert_log.lines), alert_log.lines


async def test_no_alert_settings_no_alerts_and_the_post_goes_through(settings, smtp, webhook) -> None:
    inbox, port = smtp
    received, _ = webhook
    async with live_forum(settings, f"smtp://127.0.0.1:{port}", None, emails=()) as api:
        await post_urgent(api)
        await asyncio.sleep(1.5)
        assert inbox.messages == [] and received == []
        items = (await api.get("/api/v1/mod/queue", as_="sam")).json()["items"]
        assert items and items[0]["urgent"]


async def test_a_test_alert_from_the_settings_page_goes_through_the_same_path(settings, smtp, webhook) -> None:
    from tests.helpers.pages import form_post, sign_in

    inbox, port = smtp
    received, hook = webhook
    async with live_forum(settings, f"smtp://127.0.0.1:{port}", hook) as api:
        await api.member("ada")
        await set_role(api.client.app, "ada", "admin")  # type: ignore[attr-defined]
        await sign_in(api.client, "ada")
        r = await form_post(api.client, "/admin/moderation", {"section": "alerts-test"})
        assert r.status_code in (302, 303)
        await until(lambda: inbox.messages and received)
        assert received and received[0]["json"]["kind"] == "test" and received[0]["json"]["flag_id"] is None
        assert inbox.messages and "test alert" in inbox.messages[0][1]["Subject"].lower()
