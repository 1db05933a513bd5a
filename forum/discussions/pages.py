"""HTML pages for topics, threads and posts. Same services as the API; htmx gets fragments."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.crisis_help import resources_for
from forum.discussions.models import PostStatus
from forum.discussions.reading import DiscussionReader
from forum.discussions.writing import DiscussionWriter, Submitted
from forum.errors import Forbidden, Invalid
from forum.warnings.services import WarningInput, WarningService
from forum.warnings.visibility import Reader
from forum.web import flash, form_data, is_htmx, provide_discussions, provide_member, provide_writer, render

PENDING_NOTICE = "Your post is waiting for a moderator. It usually takes a few hours, and you'll see it here meanwhile."
# Where the crisis panel is on a thread page: a post the crisis check fired on redirects here
# (Post/Redirect/Get), so that without JavaScript the page opens on the panel, not at the top.
CRISIS_ANCHOR = "crisis-help"


def _warning_input(form: dict[str, str], multi: dict[str, list[str]]) -> WarningInput:
    slugs = tuple(s for s in multi.get("warnings", []) if s != "other")
    other = (form.get("other_warning") or "").strip() or None if "other" in multi.get("warnings", []) else None
    return WarningInput(slugs, other or (form.get("other_warning") or "").strip() or None)


async def _composer_context(session: AsyncSession, chosen: list[str] | None = None) -> dict[str, Any]:
    return {"taxonomy": await WarningService(session).taxonomy(), "chosen": set(chosen or []), "preview": None}


async def _preview(request: Request, writer: DiscussionWriter, session: AsyncSession,
                   form: dict[str, str], multi: dict[str, list[str]]) -> dict[str, Any]:
    """The preview block: rendered body, warning suggestions not yet chosen, crisis resources if needed.

    Used by htmx (POST /posts/preview) and by the no-JavaScript Preview button alike."""
    try:
        result = await writer.preview(form.get("body", ""))
    except Invalid:
        return {"body_html": "", "suggestions": [], "labels": {}, "crisis_resources": []}
    chosen = set(multi.get("warnings", [])) | set(multi.get("dismissed", []))
    labels = {w.slug: w.label for w in await WarningService(session).taxonomy()}
    resources = await resources_for(request, session) if result.crisis else []
    return {"body_html": result.body_html, "suggestions": [s for s in result.suggestions if s.slug not in chosen],
            "labels": labels, "crisis_resources": resources}


def _wants_preview(form: dict[str, str]) -> bool:
    return form.get("action") == "preview"


class DiscussionPages(Controller):
    include_in_schema = False
    dependencies = {"discussions": Provide(provide_discussions, sync_to_thread=False),
                    "writer": Provide(provide_writer, sync_to_thread=False),
                    "member": Provide(provide_member)}

    @get("/")
    async def home(self, request: Request, discussions: DiscussionReader, reader: Reader) -> Template:
        return render("discussions/home.html", request, topics=await discussions.topics(reader))

    @get("/topics/{slug:str}")
    async def topic(self, request: Request, slug: str, discussions: DiscussionReader, reader: Reader,
                    page: int = 1) -> Template:
        topic, threads = await discussions.threads(slug, reader, page)
        return render("discussions/topic.html", request, topic=topic, threads=threads)

    @get("/topics/{slug:str}/feed.xml")
    async def topic_feed(self, request: Request, slug: str, discussions: DiscussionReader,
                         reader: Reader) -> Response[str]:
        """An Atom feed of a topic's latest threads, filtered for the reader like the page itself."""
        topic, threads = await discussions.threads(slug, reader, 1)
        template = request.app.template_engine.get_template("discussions/feed.xml")
        body = template.render(topic=topic, threads=threads.items, base=str(request.base_url).rstrip("/"))
        return Response(body, media_type="application/atom+xml")

    @get("/topics/{slug:str}/new")
    async def new_thread_form(self, request: Request, slug: str, member: Member, discussions: DiscussionReader,
                              db_session: AsyncSession) -> Template:
        topic = await discussions.topic(slug)
        return render("discussions/new_thread.html", request, topic=topic, values={}, errors={},
                    **await _composer_context(db_session))

    @post("/topics/{slug:str}/new")
    async def new_thread(self, request: Request, slug: str, member: Member, discussions: DiscussionReader,
                         writer: DiscussionWriter, db_session: AsyncSession) -> Response[Any]:
        form, multi = await form_data(request)
        if _wants_preview(form):
            topic = await discussions.topic(slug)
            return render("discussions/new_thread.html", request, topic=topic, values=form, errors={},
                          **{**await _composer_context(db_session, multi.get("warnings")),
                             "preview": await _preview(request, writer, db_session, form, multi)})
        try:
            done = await writer.create_thread(member, slug, form.get("title", ""), form.get("body", ""),
                                                   _warning_input(form, multi))
        except Invalid as exc:
            topic = await discussions.topic(slug)
            return render("discussions/new_thread.html", request, 400, topic=topic, values=form, errors=exc.fields,
                        **await _composer_context(db_session, multi.get("warnings")))
        self._after_posting(request, done)
        return Redirect(path=f"/threads/{done.thread.id}" + (f"#{CRISIS_ANCHOR}" if done.crisis else ""))

    @get("/threads/{thread_id:int}")
    async def thread(self, request: Request, thread_id: int, discussions: DiscussionReader, reader: Reader,
                     viewer: Member | None, db_session: AsyncSession, page: int = 1) -> Template:
        result = await discussions.thread_page(thread_id, reader, page, viewer)
        session = request.scope.get("session")
        crisis = isinstance(session, dict) and session.pop("crisis", None) == result.thread.id
        resources = await resources_for(request, db_session) if crisis else []
        return render("discussions/thread.html", request, result=result, thread=result.thread, posts=result.posts,
                    crisis_resources=resources, crisis_focus=crisis, values={}, errors={},
                    **await _composer_context(db_session))

    @post("/threads/{thread_id:int}")
    async def reply(self, request: Request, thread_id: int, member: Member, discussions: DiscussionReader,
                    writer: DiscussionWriter, reader: Reader, db_session: AsyncSession) -> Response[Any]:
        form, multi = await form_data(request)
        if _wants_preview(form):
            result = await discussions.thread_page(thread_id, reader, await discussions.last_page(thread_id, reader),
                                                   member)
            return render("discussions/thread.html", request, result=result, thread=result.thread,
                          posts=result.posts, crisis_resources=[], values=form, errors={},
                          **{**await _composer_context(db_session, multi.get("warnings")),
                             "preview": await _preview(request, writer, db_session, form, multi)})
        try:
            done = await writer.reply(member, thread_id, form.get("body", ""), _warning_input(form, multi))
        except Invalid as exc:
            if is_htmx(request):
                return render("discussions/_reply_form.html", request, 400, thread_id=thread_id, values=form,
                            errors=exc.fields, **await _composer_context(db_session, multi.get("warnings")))
            result = await discussions.thread_page(thread_id, reader, await discussions.last_page(thread_id, reader),
                                                   member)
            return render("discussions/thread.html", request, 400, result=result, thread=result.thread,
                        posts=result.posts, crisis_resources=[], values=form, errors=exc.fields,
                        **await _composer_context(db_session, multi.get("warnings")))
        if is_htmx(request):
            post_view = await discussions.post_view(done.post.id, reader, member)
            resources = await resources_for(request, db_session) if done.crisis else []
            return render("discussions/_reply_done.html", request, post=post_view, thread_id=thread_id,
                        crisis_resources=resources, pending=done.post.status == PostStatus.PENDING,
                        values={}, errors={},
                        **await _composer_context(db_session))
        self._after_posting(request, done)
        last = await discussions.last_page(thread_id, reader)
        if done.crisis:  # the query and the anchor written out: Redirect would put ?page= after the #
            return Redirect(path=f"/threads/{thread_id}" + (f"?page={last}" if last > 1 else "") + f"#{CRISIS_ANCHOR}")
        return Redirect(path=f"/threads/{thread_id}", query_params={"page": last} if last > 1 else None)

    def _after_posting(self, request: Request, done: Submitted) -> None:
        if done.post.status == PostStatus.PENDING:
            flash(request, PENDING_NOTICE)
        if done.crisis:
            session = request.scope.get("session")
            if isinstance(session, dict):
                session["crisis"] = done.thread.id
                request.set_session(session)

    @post("/threads/{thread_id:int}/settings")
    async def thread_settings(self, request: Request, thread_id: int, member: Member,
                              writer: DiscussionWriter) -> Redirect:
        """Pin or lock a thread (moderators)."""
        form, _ = await form_data(request)
        change = {form.get("field", ""): form.get("value") == "on"}
        await writer.set_thread_flags(member, thread_id, pinned=change.get("pinned"), locked=change.get("locked"))
        flash(request, "Saved.")
        return Redirect(path=f"/threads/{thread_id}")

    @get("/posts/{post_id:int}/edit")
    async def edit_form(self, request: Request, post_id: int, member: Member, discussions: DiscussionReader,
                        reader: Reader, db_session: AsyncSession) -> Template:
        view = await discussions.post_view(post_id, reader, member)
        if not view.can_edit:
            raise Forbidden("You can only change your own posts.")
        source = await discussions.source_of(post_id)
        thread = await discussions.thread_view(view.thread_id, reader)
        # A reply's own warnings, not its thread's (which view.tags includes, as readers see them).
        own = thread.tags if view.is_opening else (await WarningService(db_session).post_tags([post_id])).get(
            post_id, [])
        chosen = [t.slug for t in own if t.slug != "other"]
        other = next((t.note for t in own if t.slug == "other"), "")
        return render("discussions/edit_post.html", request, post=view, thread=thread,
                    values={"body": source, "title": thread.title, "other_warning": other}, errors={},
                    **await _composer_context(db_session, chosen + (["other"] if other else [])))

    @post("/posts/{post_id:int}/edit")
    async def edit(self, request: Request, post_id: int, member: Member, discussions: DiscussionReader,
                   writer: DiscussionWriter, reader: Reader, db_session: AsyncSession) -> Response[Any]:
        form, multi = await form_data(request)
        if _wants_preview(form):
            view = await discussions.post_view(post_id, reader, member)
            thread = await discussions.thread_view(view.thread_id, reader)
            return render("discussions/edit_post.html", request, post=view, thread=thread, values=form, errors={},
                          **{**await _composer_context(db_session, multi.get("warnings")),
                             "preview": await _preview(request, writer, db_session, form, multi)})
        try:
            done = await writer.edit_post(member, post_id, form.get("body", ""), _warning_input(form, multi),
                                               form.get("title"))
        except Invalid as exc:
            view = await discussions.post_view(post_id, reader, member)
            thread = await discussions.thread_view(view.thread_id, reader)
            return render("discussions/edit_post.html", request, 400, post=view, thread=thread, values=form,
                        errors=exc.fields, **await _composer_context(db_session, multi.get("warnings")))
        self._after_posting(request, done)
        return Redirect(path=f"/threads/{done.thread.id}#{CRISIS_ANCHOR if done.crisis else f'post-{post_id}'}")

    @post("/posts/{post_id:int}/delete")
    async def delete(self, request: Request, post_id: int, member: Member, writer: DiscussionWriter) -> Redirect:
        thread = await writer.delete_post(member, post_id)
        flash(request, "Your post is deleted.")
        return Redirect(path="/" if thread.status == PostStatus.DELETED else f"/threads/{thread.id}")

    @post("/posts/{post_id:int}/react")
    async def react(self, request: Request, post_id: int, member: Member, writer: DiscussionWriter,
                    reader: Reader) -> Response[Any]:
        form, _ = await form_data(request)
        view = await writer.toggle_reaction(member, post_id, form.get("kind", ""), reader)
        if is_htmx(request):
            return render("discussions/_reactions.html", request, post=view, signed_in=True)
        return Redirect(path=f"/threads/{view.thread_id}#post-{post_id}")

    @post("/posts/preview")
    async def preview(self, request: Request, member: Member, writer: DiscussionWriter,
                      db_session: AsyncSession) -> Template:
        form, multi = await form_data(request)
        block = await _preview(request, writer, db_session, form, multi)
        return render("discussions/_preview.html", request, preview=block, suggestions=block["suggestions"],
                      labels=block["labels"], crisis_resources=block["crisis_resources"],
                      show_body=form.get("show_body") == "1")

    @get("/members/{username:str}")
    async def member(self, request: Request, username: str, discussions: DiscussionReader, reader: Reader,
                     viewer: Member | None, page: int = 1) -> Template:
        member, entries = await discussions.member_posts(username, reader, page, viewer)
        return render("discussions/member.html", request, member=member, entries=entries)

    @get("/help")
    async def help(self, request: Request, db_session: AsyncSession, viewer: Member | None) -> Template:
        # `viewer` is asked for so that a member's chosen region orders the list.
        return render("help.html", request, crisis_resources=await resources_for(request, db_session))
