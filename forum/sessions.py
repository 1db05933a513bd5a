"""Server-side sessions that only touch the store when something changed.

Litestar's backend writes the session on every response, which would give every anonymous
reader a stored session and cost a database write per page view. Here a visitor gets a session
only once they choose something (content settings, gentle mode) or sign in, and a session is
written again only when its contents change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

_LOADED = "_haven_session_loaded"
_FRESH_ID = "_haven_session_fresh_id"


class QuietSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = dict(data)
        return data

    def get_session_id(self, connection: ASGIConnection) -> str:
        return connection.scope.get("state", {}).get(_FRESH_ID) or super().get_session_id(connection)

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        had_cookie = self.config.key in connection.cookies
        loaded = connection.scope.get("state", {}).get(_LOADED)
        if scope_session is Empty or not scope_session:
            if had_cookie:  # signed out or cleared: drop it from the store and the browser
                await super().store_in_message(Empty, message, connection)
            return
        if had_cookie and loaded == scope_session:
            return  # nothing changed: no write
        if had_cookie and (loaded or {}).get("member_id") != scope_session.get("member_id"):
            # Signing in (or out and in as someone else) gets a new session id, and the old one is
            # dropped: an id someone planted or saw before sign-in is worth nothing afterwards.
            await self.delete(super().get_session_id(connection), store=self.config.get_store_from_app(
                connection.scope["app"]))
            connection.scope.setdefault("state", {})[_FRESH_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


@dataclass
class QuietSessionConfig(ServerSideSessionConfig):
    _backend_class = QuietSessionBackend  # type: ignore[assignment]
