"""What every controller shares: who is asking, what they may see, and how answers look.

Controllers stay thin: they parse input, call a service, and render with these helpers.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException, SerializationException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.accounts.services import AccountService
from forum.accounts.viewers import signed_in_member
from forum.discussions.reading import DiscussionReader
from forum.discussions.writing import DiscussionWriter
from forum.errors import ForumError, NotSignedIn
from forum.hooks import Extensions
from forum.settings import Settings
from forum.warnings.services import WarningService
from forum.warnings.visibility import Reader

API_PREFIX = "/api/"


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def settings_of(state: State) -> Settings:
    return state.settings


def extensions_of(state: State) -> Extensions:
    return state.extensions


# --- dependencies ------------------------------------------------------------------------------

async def provide_viewer(request: Request, db_session: AsyncSession) -> Member | None:
    """The signed-in member: by bearer token (API and pages alike), or by session cookie on pages.

    The API never reads the cookie, which is what lets it skip CSRF checks safely; a bearer token
    can't be attached by a browser on its own, so honouring it on pages opens nothing."""
    if "viewer" in request.scope.setdefault("state", {}):
        return request.scope["state"]["viewer"]
    member: Member | None = None
    accounts = AccountService(db_session, settings_of(request.app.state).fast_password_hashing)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        member = await accounts.member_for_token(header[7:].strip())
    elif not is_api(request):
        session = request.scope.get("session") or {}
        member_id = session.get("member_id") if isinstance(session, dict) else None
        if member_id:
            found = await signed_in_member(db_session, int(member_id))
            if found and accounts.session_holds(found[0], session):
                member, request.scope["state"]["viewer_snapshot"] = found
    request.scope["state"]["viewer"] = member
    return member


async def provide_reader(request: Request, db_session: AsyncSession, viewer: Member | None) -> Reader:
    """The reader's content-warning choices, built once per request."""
    visitor_state = None if is_api(request) or viewer else (request.scope.get("session") or {})
    snapshot = request.scope.get("state", {}).get("viewer_snapshot")
    saved = snapshot.saved_modes if snapshot is not None and viewer is not None else None
    reader = await WarningService(db_session).reader_for(viewer, visitor_state, saved)
    request.scope.setdefault("state", {})["reader"] = reader
    header = extensions_of(request.app.state).moderator_header
    if header is not None and viewer is not None and viewer.is_moderator and not is_api(request) \
            and not is_htmx(request):
        request.scope["state"]["moderator_header"] = await header(db_session)
    return reader


async def provide_member(viewer: Member | None) -> Member:
    if viewer is None:
        raise NotSignedIn()
    return viewer


def provide_discussions(db_session: AsyncSession) -> DiscussionReader:
    return DiscussionReader(db_session)


def provide_writer(request: Request, db_session: AsyncSession) -> DiscussionWriter:
    return DiscussionWriter(db_session, extensions_of(request.app.state))


def provide_accounts(request: Request, db_session: AsyncSession) -> AccountService:
    return AccountService(db_session, settings_of(request.app.state).fast_password_hashing)


def provide_warnings(db_session: AsyncSession) -> WarningService:
    return WarningService(db_session)


# --- pages -------------------------------------------------------------------------------------

def render(template: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    """A page or an htmx fragment, with what every page needs: the viewer, their choices, notices."""
    state = request.scope.get("state", {})
    context.setdefault("viewer", state.get("viewer"))
    context.setdefault("reader", state.get("reader"))
    session = request.scope.get("session")
    context.setdefault("flashes", session.pop("flash", []) if isinstance(session, dict) else [])
    for key, value in state.get("moderator_header", {}).items():
        context.setdefault(key, value)
    return Template(template_name=template, context=context, status_code=status_code)


def flash(request: Request, message: str) -> None:
    """A one-line notice shown on the next page ("Your post is waiting for a moderator...")."""
    session = request.scope.get("session")
    if isinstance(session, dict):
        session.setdefault("flash", []).append(message)
        request.set_session(session)


def login_redirect(request: Request) -> Redirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path="/login", query_params={"next": target})


async def form_data(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A form as single values, plus every value for repeated fields (checkboxes)."""
    form = await request.form()
    single = {k: form.get(k) for k in form}
    multi = {k: form.getall(k) for k in form}
    return single, multi  # type: ignore[return-value]


# --- errors ------------------------------------------------------------------------------------

def _json_error(status: int, detail: str, fields: dict[str, str] | None = None) -> Response:
    content: dict[str, Any] = {"status_code": status, "detail": detail}
    if fields:
        content["fields"] = fields
    return Response(content=content, status_code=status)


def forum_error_handler(request: Request, exc: ForumError) -> Response:
    if is_api(request):
        return _json_error(exc.status_code, exc.detail, exc.fields)
    if isinstance(exc, NotSignedIn) and request.method == "GET":
        return login_redirect(request)
    return render("error.html", request, exc.status_code, status_code_=exc.status_code, detail=exc.detail)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = _friendly(status, exc)
    if is_api(request):
        return _json_error(status, detail)
    if isinstance(exc, NotAuthorizedException) and request.method == "GET":
        return login_redirect(request)
    return render("error.html", request, status, status_code_=status, detail=detail)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    import logging

    logging.getLogger("forum").exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = "Something went wrong on our side. Your words are safe to try again in a moment."
    if is_api(request):
        return _json_error(HTTP_500_INTERNAL_SERVER_ERROR, detail)
    return render("error.html", request, 500, status_code_=500, detail=detail)


def _friendly(status: int, exc: HTTPException) -> str:
    if isinstance(exc, ValidationException) or isinstance(exc.__cause__, SerializationException):
        return "We couldn't read that request. Check that it is valid JSON with the fields described at /schema."
    if status == 403 and "CSRF" in str(exc.detail):
        return "This form has expired. Please go back, reload the page and try again."
    return {
        401: "Please sign in to do that.",
        403: "You don't have permission to do that.",
        404: "We couldn't find that page. It may have been moved or deleted.",
        405: "That isn't something this address can do.",
        429: "That's a lot of requests in a short time. Please wait a minute and try again.",
    }.get(status, str(exc.detail) if exc.detail else "Something went wrong with that request.")
