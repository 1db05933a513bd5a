"""/admin: what the forum runs with, topics, and the content-warning taxonomy."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.guards import admins_only, provide_guarded_member
from forum.accounts.models import Member
from forum.discussions.models import Topic
from forum.errors import ForumError
from forum.warnings.services import WarningService
from forum.web import flash, form_data, render


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = [admins_only]
    dependencies = {"admin": Provide(provide_guarded_member)}  # the member the guard let in

    @get("/")
    async def overview(self, request: Request, admin: Member, db_session: AsyncSession) -> Template:
        composition = request.app.state.composition
        topics = list(await db_session.scalars(select(Topic).order_by(Topic.position, Topic.name)))
        warnings = await WarningService(db_session).taxonomy(include_retired=True)
        return render("admin/overview.html", request, status_lines=composition.status_lines, topics=topics,
                      warnings=warnings, admin_links=request.app.state.admin_links)

    @post("/topics")
    async def save_topic(self, request: Request, admin: Member, db_session: AsyncSession) -> Response[Any]:
        form, _ = await form_data(request)
        slug = (form.get("slug") or "").strip().lower()
        name = (form.get("name") or "").strip()
        if not slug or not name or not slug.replace("-", "").isalnum():
            flash(request, "A topic needs a name and a slug of lower-case letters, numbers and dashes.")
            return Redirect(path="/admin")
        topic = await db_session.scalar(select(Topic).where(Topic.slug == slug))
        if topic is None:
            topic = Topic(slug=slug, name=name)
            db_session.add(topic)
        topic.name = name
        topic.description = (form.get("description") or "").strip()
        try:
            topic.position = int(form.get("position") or 0)
        except ValueError:
            topic.position = 0
        await db_session.commit()
        flash(request, f"Saved the topic “{name}”.")
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
