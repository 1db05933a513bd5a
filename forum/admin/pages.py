"""/admin: what the forum runs with, topics, and the content-warning taxonomy."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.guards import admins_only, provide_guarded_member
from forum.accounts.models import Member
from forum.discussions.reading import DiscussionReader
from forum.discussions.writing import DiscussionWriter
from forum.errors import ForumError
from forum.health import Health
from forum.warnings.services import WarningService
from forum.web import flash, form_data, render


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = [admins_only]
    dependencies = {"admin": Provide(provide_guarded_member)}  # the member the guard let in

    @get("/")
    async def overview(self, request: Request, admin: Member, db_session: AsyncSession) -> Template:
        # What runs and why (the safety model, the classifier, search), asked now: it changes after start-up.
        health: list[Health] = request.app.state.composition.health()
        topics = await DiscussionReader(db_session).all_topics()
        warnings = await WarningService(db_session).taxonomy(include_retired=True)
        return render("admin/overview.html", request, status_lines=[h.line for h in health], topics=topics,
                      warnings=warnings, admin_links=request.app.state.admin_links)

    @post("/topics")
    async def save_topic(self, request: Request, admin: Member, db_session: AsyncSession) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            position = int(form.get("position") or 0)
        except ValueError:
            position = 0
        try:
            topic = await DiscussionWriter(db_session).save_topic(
                form.get("slug") or "", form.get("name") or "", form.get("description") or "", position)
        except ForumError as exc:
            flash(request, exc.detail)
            return Redirect(path="/admin")
        flash(request, f"Saved the topic “{topic.name}”.")
        return Redirect(path="/admin")

    @post("/warnings")
    async def add_warning(self, request: Request, admin: Member, db_session: AsyncSession) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            await WarningService(db_session).add_warning(form.get("slug", ""), form.get("label", ""),
                                                         form.get("description", ""), form.get("default_mode", "show"))
            flash(request, "Added the content warning.")
        except ForumError as exc:
            flash(request, exc.detail)
        return Redirect(path="/admin#warnings")

    @post("/warnings/{slug:str}")
    async def update_warning(self, request: Request, slug: str, admin: Member, db_session: AsyncSession) -> Redirect:
        form, _ = await form_data(request)
        retired = {"retire": True, "restore": False}.get(form.get("action", ""))
        try:
            await WarningService(db_session).update_warning(
                slug, label=form.get("label"), description=form.get("description"),
                default_mode=form.get("default_mode"), retired=retired)
            flash(request, "Saved the content warning.")
        except ForumError as exc:
            flash(request, exc.detail)
        return Redirect(path="/admin#warnings")
