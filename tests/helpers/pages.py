"""Page sessions for HTTP tests: a browser-like client that carries cookies and the CSRF token.

Forms on Haven's pages carry a CSRF token: the `haven_csrf` cookie, sent back as the form field
`_csrf_token` (or the `x-csrftoken` header, which htmx uses). These helpers do what a browser does:
GET a page to receive the cookie, then post forms with the token.

    browser = another_browser(client)           # its own cookies, same app
    await sign_in(browser, "alice")
    r = await form_post(browser, "/threads/1", {"body": "hello"}, htmx=True)
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from tests.conftest import running

PASSWORD = "a-long-password-123"
CSRF_COOKIE = "haven_csrf"
BASE_URL = "http://testserver.local"


def another_browser(client: Any) -> Any:
    """A second client on the same (running) app, with a cookie jar of its own."""
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=client.app), base_url=BASE_URL)
    other.app = client.app  # type: ignore[attr-defined]
    return other


@contextlib.asynccontextmanager
async def signed_in_browser(client: Any, name: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app, signed in through the login form as ``name``."""
    browser = another_browser(client)
    await sign_in(browser, name)
    try:
        yield browser
    finally:
        await browser.aclose()


async def csrf_token(client: httpx.AsyncClient, page: str = "/login") -> str:
    """The CSRF token a page would put in its forms (fetching a page first if there is no cookie yet)."""
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        r = await client.get(page)
        assert r.status_code == 200, r.text
        token = client.cookies.get(CSRF_COOKIE)
    assert token, "the page did not set the CSRF cookie"
    return token


async def form_post(client: httpx.AsyncClient, path: str, data: Mapping[str, Any] | None = None, *,
                    htmx: bool = False, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """Posts a form the way the page would: with the CSRF token (and the htmx header if asked)."""
    payload = {**(data or {}), "_csrf_token": await csrf_token(client)}
    extra = dict(headers or {})
    if htmx:
        extra["hx-request"] = "true"
    return await client.post(path, data=payload, headers=extra)


async def register_page(client: httpx.AsyncClient, name: str, password: str = PASSWORD,
                        email: str = "") -> httpx.Response:
    return await form_post(client, "/register", {"username": name, "password": password, "email": email})


async def sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD, next: str = "/") -> httpx.Response:
    """Signs in through the login form; the session cookie stays in the client."""
    r = await form_post(client, "/login", {"username": name, "password": password, "next": next})
    assert r.status_code in (302, 303), f"sign-in failed ({r.status_code}): {r.text[:500]}"
    return r


async def sign_out(client: httpx.AsyncClient) -> httpx.Response:
    return await form_post(client, "/logout")


def signed_in_as(html: str) -> str | None:
    """The name in the header's member menu, or None for a visitor."""
    match = re.search(r'<details class="member-menu">\s*<summary>(.*?)</summary>', html, re.S)
    return text_of(match.group(1)).rsplit(" ", 1)[-1] if match else None  # names have no spaces


def text_of(html: str) -> str:
    """The visible words of a page (tags dropped, whitespace squeezed), for readable assertions."""
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@contextlib.asynccontextmanager
async def serving(app: Any, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """An app of the test's own making (other settings than the fixtures'), started, with a client.

    Start-up and shut-down run through tests/conftest.py's `running`.
    `address` is the client's IP address as the app sees it (rate limits count per address)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with running(app), httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def make_topic(app: Any, slug: str = "anxiety", name: str = "Anxiety") -> None:
    from forum.discussions.writing import DiscussionWriter

    async with app.state.db.session() as s:
        await DiscussionWriter(s).save_topic(slug, name, f"About {name.lower()}")
