"""Who may reach a route, decided before its handler runs, in one place for pages and the API alike.

Guards raise the forum's own errors, so forum/web.py answers in the usual words: the API with
`{"status_code", "detail"}` (401 for visitors, 403 for members), pages with a sign-in redirect for a
visitor's GET and the error page otherwise. Services keep their own checks too: a guard keeps people
out of a route; it never stands in for the rule the service applies to the action itself.
A guard runs before the request's body is read: whoever may not use a route learns nothing about it.

    class AdminPages(Controller):
        guards = [admins_only]
        dependencies = {"admin": Provide(provide_guarded_member)}
"""

from __future__ import annotations

from typing import cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from forum.accounts.models import Member
from forum.accounts.services import AccountService
from forum.errors import Forbidden, NotSignedIn
from forum.web import provide_viewer

MODERATORS_ONLY = "The moderation queue is for moderators."
ADMINS_ONLY = "This page is for the forum's admins."


async def _viewer(connection: ASGIConnection) -> Member | None:
    """The signed-in member, found as the `viewer` dependency finds them and with the request's own
    database session, so the handler's `viewer` and `db_session` are these same ones, read once."""
    config = cast(SQLAlchemyAsyncConfig, connection.app.plugins.get(SQLAlchemyPlugin).config[0])
    session = config.provide_session(connection.app.state, connection.scope)
    # Guards here guard HTTP routes, whose connection is the Request itself.
    return await provide_viewer(cast(Request, connection), session)


async def _signed_in_member(connection: ASGIConnection) -> Member:
    member = await _viewer(connection)
    if member is None:
        raise NotSignedIn()
    return member


async def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Members only: visitors are asked to sign in."""
    await _signed_in_member(connection)


async def moderators_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Moderators and admins whose account is active (a suspended moderator moderates nothing)."""
    member = await _signed_in_member(connection)
    if not member.is_moderator or not AccountService.is_active(member):
        raise Forbidden(MODERATORS_ONLY)


async def admins_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The forum's admins."""
    member = await _signed_in_member(connection)
    if not member.is_admin:
        raise Forbidden(ADMINS_ONLY)


async def provide_guarded_member(viewer: Member | None) -> Member:
    """The member a route's guard let in, for handlers that call them `moderator` or `admin`.

    A provider of its own: Litestar won't give one provider two names (`member` is provide_member)."""
    if viewer is None:  # only on a route whose guard was forgotten
        raise NotSignedIn()
    return viewer
