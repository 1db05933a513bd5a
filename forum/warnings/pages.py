"""Content settings (/settings/warnings) and the gentler-view toggle in the header."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from forum.accounts.models import Member
from forum.errors import Invalid
from forum.warnings.services import WarningService, gentle_until
from forum.warnings.visibility import Reader
from forum.web import flash, form_data, is_htmx, provide_warnings, render


def _back(request: Request, form: dict[str, str]) -> str:
    target = form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _visitor_session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


class WarningPages(Controller):
    include_in_schema = False
    dependencies = {"warnings": Provide(provide_warnings, sync_to_thread=False)}

    @get("/settings/warnings")
    async def settings(self, request: Request, reader: Reader, warnings: WarningService) -> Template:
        prefs = await warnings.preferences(reader)
        return render("warnings/settings.html", request, taxonomy=await warnings.taxonomy(), modes=prefs["modes"],
                      errors={})

    @post("/settings/warnings")
    async def save(self, request: Request, viewer: Member | None, reader: Reader,
                   warnings: WarningService) -> Response[Any]:
        form, _ = await form_data(request)
        choices = {k.removeprefix("mode-"): v for k, v in form.items() if k.startswith("mode-")}
        try:
            modes = await warnings.validated_modes(choices)
        except Invalid as exc:
            prefs = await warnings.preferences(reader)
            return render("warnings/settings.html", request, 400, taxonomy=await warnings.taxonomy(),
                          modes=prefs["modes"], errors=exc.fields)
        if viewer is not None:
            await warnings.save_member_modes(viewer, modes)
        else:
            session = _visitor_session(request)
            session["warning_modes"] = {**session.get("warning_modes", {}), **modes}
            request.set_session(session)
        flash(request, "Saved. Every page now follows these choices.")
        return Redirect(path="/settings/warnings")

    @post("/gentle")
    async def gentle(self, request: Request, viewer: Member | None, warnings: WarningService) -> Response[Any]:
        """Turns the gentler view on for a while (or off), without touching saved choices."""
        form, _ = await form_data(request)
        choice = form.get("for", "off")
        try:
            offset = int(form.get("tz_offset") or 0)
        except ValueError:
            offset = 0
        until = None if choice == "off" else gentle_until(choice, tz_offset_minutes=offset)
        if viewer is not None:
            await warnings.set_member_gentle(viewer, until)
        else:
            session = _visitor_session(request)
            session["gentle_until"] = until.isoformat() if until else None
            request.set_session(session)
        target = _back(request, form)
        if is_htmx(request):
            return Response(content="", headers={"HX-Redirect": target})
        return Redirect(path=target)


