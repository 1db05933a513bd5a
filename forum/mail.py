"""Sending mail over SMTP: one small, reusable sender (urgent-item alerts now; password resets and
digests later).

Configured by FORUM_SMTP_URL (`smtp://[user:pass@]host:port`, or `smtps://…` for TLS from the first
byte), FORUM_MAIL_FROM and FORUM_BASE_URL. With no URL there is no mail, and callers say so rather
than fail. `smtp://` upgrades to TLS with STARTTLS whenever the server offers it (certificates
checked); credentials are only sent over TLS, unless the server is this machine.

The standard library's smtplib does the work in a thread, so a slow mail server never blocks the
event loop. Callers send from the outbox worker, never from a request: a mail server that is down
delays mail (the outbox retries with backoff), never a post or a page.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from forum.settings import Settings

DEFAULT_TIMEOUT = 10.0  # seconds, for connecting and for each command
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class MailError(Exception):
    """Mail could not be sent (not configured, refused, unreachable). The message says why."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False  # smtps://

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise MailError(f"FORUM_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
        if not parts.hostname:
            raise MailError("FORUM_SMTP_URL has no host name (smtp://host:port)")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError as exc:
            raise MailError("FORUM_SMTP_URL has a port that isn't a number") from exc
        return cls(host=parts.hostname, port=port,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   implicit_tls=parts.scheme == "smtps")

    def describe(self) -> str:
        """For logs and the admin page: never the password."""
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{who}{self.host}:{self.port}"


@dataclass(frozen=True)
class Mail:
    to: Sequence[str]
    subject: str
    text: str


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_url)


def mail_status(settings: Settings) -> str:
    """One line for /admin and `forum doctor`: is mail on, and where does it go."""
    if not settings.smtp_url:
        return "Mail is off: FORUM_SMTP_URL is not set, so no mail is sent."
    try:
        server = SmtpServer.from_url(settings.smtp_url)
    except MailError as exc:
        return f"Mail is misconfigured: {exc}."
    return f"Mail goes through {server.describe()} from {settings.mail_from}."


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # Automatic mail: no out-of-office answers back, please.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    return message


def _send_sync(server: SmtpServer, message: EmailMessage, recipients: list[str], timeout: float) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.implicit_tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        client.ehlo()
        secure = server.implicit_tls
        if not secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            secure = True
        if server.username:
            if not secure and server.host not in LOCAL_HOSTS:
                raise MailError(f"{server.host} doesn't offer TLS; not sending the SMTP password in the clear")
            client.login(server.username, server.password or "")
        refused = client.send_message(message, to_addrs=recipients)
    if refused and len(refused) == len(recipients):
        raise MailError(f"the mail server refused every recipient: {sorted(refused)}")


async def send_mail(settings: Settings, mail: Mail, *, smtp_timeout: float = DEFAULT_TIMEOUT) -> None:
    """Sends one message to its recipients, or raises MailError saying why not."""
    if not settings.smtp_url:
        raise MailError("mail is off (FORUM_SMTP_URL is not set)")
    recipients = [address for address in mail.to if address]
    if not recipients:
        raise MailError("no recipients")
    server = SmtpServer.from_url(settings.smtp_url)
    message = build_message(settings, Mail(recipients, mail.subject, mail.text))
    try:
        await asyncio.to_thread(_send_sync, server, message, recipients, smtp_timeout)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out, rejected
        raise MailError(f"could not send mail through {server.describe()}: {exc or type(exc).__name__}") from exc
