"""HTML pages: /mod/queue and /mod/log for moderators, reporting and notices for members,
/admin/moderation for admins. Same services as the API; htmx gets fragments, and every form
also works as a plain post followed by a redirect.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.guards import admins_only, moderators_only, provide_guarded_member, signed_in
from forum.accounts.models import Member
from forum.discussions.reading import DiscussionReader
from forum.errors import ForumError, Invalid, NotFound
from forum.mail import mail_status
from forum.warnings.services import WarningInput, WarningService
from forum.warnings.visibility import Reader
from forum.web import extensions_of, flash, form_data, is_htmx, provide_discussions, provide_member, render
from moderation.actions import ActionResult, ActionService
from moderation.admin import ModerationAdmin, ResourceInput
from moderation.alerts import AlertSettings
from moderation.calibration import calibrate
from moderation.classifiers.base import LABELS
from moderation.classifying import ClassifierHolder
from moderation.config import load_config
from moderation.queue import QueueService
from moderation.reports import ReportService
from moderation.rules import ACTIONS, CLAIM_TIMEOUT, MAX_SUSPENSION_DAYS, REPORT_REASONS, UNDO_WINDOW

REPORTED = "Thank you for telling us. A moderator will look at it soon."


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


async def _recover(session: AsyncSession, member: Member) -> None:
    """Drops what a refused action may have started. A rollback expires every loaded object, and the
    page about to be rendered reads the signed-in member, so they are loaded again."""
    await session.rollback()
    await session.refresh(member)


def _warning_input(form: dict[str, str], multi: dict[str, list[str]]) -> WarningInput:
    chosen = multi.get("warnings", [])
    other = (form.get("other_warning") or "").strip() or None
    return WarningInput(tuple(s for s in chosen if s != "other"), other if ("other" in chosen or other) else None)


class ModeratorPages(Controller):
    path = "/mod"
    include_in_schema = False
    # Every page here but the badge is for moderators only; `moderator` is the member the guard let in.
    dependencies = {"moderator": Provide(provide_guarded_member)}

    async def _queue_context(self, request: Request, session: AsyncSession) -> dict[str, Any]:
        return {"taxonomy": await WarningService(session).taxonomy(), "reasons": REPORT_REASONS,
                "crisis_resources": await extensions_of(request.app.state).resources(session),
                "claim_minutes": int(CLAIM_TIMEOUT.total_seconds() // 60),
                "undo_minutes": int(UNDO_WINDOW.total_seconds() // 60), "max_days": MAX_SUSPENSION_DAYS}

    @get("/queue", guards=[moderators_only])
    async def queue(self, request: Request, moderator: Member, reader: Reader, db_session: AsyncSession,
                    page: int = 1) -> Template:
        result = await QueueService(db_session).page(reader, page)
        return render("mod/queue.html", request, queue=result, mod_urgent=result.urgent,
                      **await self._queue_context(request, db_session))

    @get("/queue/poll", guards=[moderators_only])
    async def poll(self, request: Request, moderator: Member, reader: Reader, db_session: AsyncSession,
                   page: int = 1) -> Template:
        """What htmx asks every few seconds: the count, the header badge, and cards that arrived since.

        Only new cards are sent (appended under "Just arrived"); cards already on the page are never
        swapped, so nobody loses the card they are reading, typing a reason on, or have claimed."""
        shown = {n for v in request.query_params.getall("shown", []) if (n := _int(v)) is not None}
        result = await QueueService(db_session).page(reader, page)
        arrived = [card for card in result.cards if card.post_id not in shown]
        return render("mod/_poll.html", request, queue=result, arrived=arrived, mod_urgent=result.urgent,
                      **await self._queue_context(request, db_session))

    @get("/badge")
    async def badge(self, request: Request, viewer: Member | None, db_session: AsyncSession) -> Template:
        """The urgent count in a moderator's header (fetched by htmx on every page, then every 30 s).

        Anyone else gets nothing, not a sign-in page: a tab left open after signing out keeps polling,
        and htmx would otherwise put the sign-in page into the header."""
        urgent = await QueueService(db_session).urgent_count() if viewer is not None and viewer.is_moderator else 0
        return render("mod/_badge_count.html", request, mod_urgent=urgent)

    @post("/queue", guards=[moderators_only])
    async def act(self, request: Request, moderator: Member, reader: Reader,
                  db_session: AsyncSession) -> Response[Any]:
        form, multi = await form_data(request)
        action = form.get("action") or ""
        flag_id = _int(form.get("flag_id")) or 0
        actions = ActionService(db_session)
        try:
            if action == "claim":
                result = await actions.claim(moderator, flag_id)
            elif action == "unclaim":
                result = await actions.unclaim(moderator, flag_id)
            elif action == "undo":
                result = await actions.undo(moderator, _int(form.get("action_id")) or 0)
            elif action in ACTIONS:
                result = await actions.resolve(moderator, flag_id, action, form.get("reason"), _int(form.get("days")),
                                               _warning_input(form, multi) if action == "warnings" else None)
            else:
                raise Invalid("Choose what to do with this post.")
        except ForumError as exc:
            await _recover(db_session, moderator)
            if is_htmx(request):
                # htmx only swaps successful answers: the card comes back with the message inside it.
                return await self._card(request, db_session, reader, flag_id=flag_id, error=exc.detail)
            flash(request, exc.detail)
            return Redirect(path="/mod/queue")
        if not is_htmx(request):
            flash(request, result.message)
            return Redirect(path="/mod/queue")
        if action in ("claim", "unclaim", "undo"):
            return await self._card(request, db_session, reader, post_id=result.post_id, message=result.message)
        counts = await QueueService(db_session).counts()
        return render("mod/_result.html", request, result=result, undo_minutes=int(UNDO_WINDOW.total_seconds() // 60),
                      queue=counts, mod_urgent=counts.urgent)

    async def _card(self, request: Request, session: AsyncSession, reader: Reader, *, flag_id: int = 0,
                    post_id: int = 0, error: str | None = None, message: str | None = None) -> Template:
        queue = QueueService(session)
        try:
            card = await (queue.card_for_post(post_id, reader) if post_id else queue.card_for_flag(flag_id, reader))
        except NotFound:
            card = None
        # The count at the top of the page follows (htmx swaps it out of band).
        counts = await queue.counts()
        if card is None:
            done = ActionResult(error or message or "This one is no longer in the queue.", post_id)
            return render("mod/_result.html", request, result=done, undo_minutes=0, queue=counts,
                          mod_urgent=counts.urgent)
        return render("mod/_card.html", request, card=card, error=error, message=message, queue=counts,
                      oob_count=True, mod_urgent=counts.urgent, **await self._queue_context(request, session))

    @get("/log", guards=[moderators_only])
    async def log(self, request: Request, moderator: Member, db_session: AsyncSession, page: int = 1) -> Template:
        return render("mod/log.html", request, log=await QueueService(db_session).log(page))


class MemberModerationPages(Controller):
    include_in_schema = False
    guards = [signed_in]
    dependencies = {"member": Provide(provide_member),
                    "discussions": Provide(provide_discussions, sync_to_thread=False)}

    async def _report_page(self, request: Request, post_id: int, member: Member, reader: Reader,
                           discussions: DiscussionReader, status: int = 200, **context: Any) -> Template:
        post = await discussions.post_view(post_id, reader, member)
        thread = await discussions.thread_view(post.thread_id, reader)
        return render("moderation/report.html", request, status, post=post, thread=thread, reasons=REPORT_REASONS,
                      own=post.author_id == member.id, **{"values": {}, "errors": {}, **context})

    @get("/posts/{post_id:int}/report")
    async def report_form(self, request: Request, post_id: int, member: Member, reader: Reader,
                          discussions: DiscussionReader) -> Template:
        return await self._report_page(request, post_id, member, reader, discussions)

    @post("/posts/{post_id:int}/report")
    async def report(self, request: Request, post_id: int, member: Member, reader: Reader,
                     discussions: DiscussionReader, db_session: AsyncSession) -> Response[Any]:
        form, _ = await form_data(request)
        reason = form.get("reason") or ""
        try:
            done = await ReportService(db_session).report(member, post_id, reason, form.get("note"), reader)
        except Invalid as exc:
            return await self._report_page(request, post_id, member, reader, discussions, 400, values=form,
                                           errors=exc.fields or {"reason": exc.detail})
        except ForumError as exc:
            if exc.status_code == 404:
                raise
            await _recover(db_session, member)
            flash(request, exc.detail)
            return Redirect(path=f"/threads/{(await discussions.post_view(post_id, reader, member)).thread_id}")
        post_view = await discussions.post_view(done.report.post_id, reader, member)
        if reason == "worried":
            # Someone worried about another person may need the numbers themselves, right now.
            resources = await extensions_of(request.app.state).resources(db_session)
            return render("moderation/report_done.html", request, crisis_resources=resources, post=post_view)
        flash(request, REPORTED)
        return Redirect(path=f"/threads/{post_view.thread_id}#post-{post_id}")

    @get("/notices")
    async def notices(self, request: Request, member: Member, db_session: AsyncSession, page: int = 1) -> Template:
        return await self._notices_page(request, member, db_session, page)

    async def _notices_page(self, request: Request, member: Member, session: AsyncSession, page: int = 1,
                            status: int = 200, **context: Any) -> Template:
        service = ReportService(session)
        items, total = await service.notices(member, page)
        unread = {n.id for n in items if n.read_at is None}
        removed = await service.removed_posts(member)
        await service.mark_read(member)  # after noting which were new, so the page can say so
        return render("moderation/notices.html", request, status, notices=items, unread=unread, total=total,
                      removed=removed, **{"values": {}, "errors": {}, **context})

    @post("/notices")
    async def appeal(self, request: Request, member: Member, db_session: AsyncSession) -> Response[Any]:
        form, _ = await form_data(request)
        post_id = _int(form.get("post_id")) or 0
        try:
            await ReportService(db_session).appeal(member, post_id, form.get("note"))
        except Invalid as exc:
            await _recover(db_session, member)
            return await self._notices_page(request, member, db_session, status=400, values=form,
                                            errors={"post_id": post_id, **(exc.fields or {"note": exc.detail})})
        except ForumError as exc:
            if exc.status_code == 404:
                raise
            await _recover(db_session, member)
            flash(request, exc.detail)
            return Redirect(path="/notices")
        flash(request, "Your appeal is with the moderators. Someone other than the person who removed the post "
                       "will look at it, and you'll hear back here.")
        return Redirect(path="/notices")


class AdminModerationPages(Controller):
    path = "/admin/moderation"
    include_in_schema = False
    guards = [admins_only]
    dependencies = {"admin": Provide(provide_guarded_member)}  # the member the guard let in

    async def _page(self, request: Request, session: AsyncSession, holder: ClassifierHolder, status: int = 200,
                    **context: Any) -> Template:
        config = await load_config(session)
        return render("moderation/admin.html", request, status, config=config,
                      calibration=await calibrate(session, config), labels=LABELS,
                      resources=await ModerationAdmin(session).resources(), classifier_status=[holder.health().line],
                      mail_line=mail_status(request.app.state.settings),
                      mail_on=bool(request.app.state.settings.smtp_url),
                      **{"errors": {}, "values": {}, "section": None, **context})

    @get("/")
    async def settings_page(self, request: Request, admin: Member, db_session: AsyncSession,
                            classifier_holder: ClassifierHolder) -> Template:
        return await self._page(request, db_session, classifier_holder)

    @post("/")
    async def save(self, request: Request, admin: Member, db_session: AsyncSession,
                   classifier_holder: ClassifierHolder) -> Response[Any]:
        form, _ = await form_data(request)
        section = form.get("section") or ""
        service = ModerationAdmin(db_session)
        try:
            if section == "thresholds":
                await service.save_thresholds(admin, {label: {"flag": form.get(f"{label}.flag"),
                                                               "hide": form.get(f"{label}.hide")}
                                                       for label in LABELS if f"{label}.flag" in form})
                message = "Saved the thresholds. The worker uses them from its next batch."
            elif section == "premod":
                await service.save_premoderation(admin, form.get("premod_first_posts", "0"),
                                                 form.get("precision_target"))
                message = "Saved."
            elif section == "resource":
                resource = await service.save_resource(admin, _int(form.get("resource_id")),
                                                       ResourceInput.from_form(form))
                message = f"Saved “{resource.name}”."
            elif section == "resource-active":
                resource = await service.set_resource_active(admin, _int(form.get("resource_id")) or 0,
                                                             form.get("active") == "1")
                message = f"“{resource.name}” is {'shown again' if resource.active else 'no longer shown'}."
            elif section == "alerts":
                saved = await AlertSettings(db_session).save(admin, form.get("webhook_url"), form.get("alert_emails"))
                message = ("Saved. Urgent items will be announced within seconds."
                           if saved.alert_webhook or saved.alert_emails else "Saved. Alerts are off.")
            elif section == "alerts-test":
                await AlertSettings(db_session).send_test(admin)
                message = ("A test alert is on its way. If it hasn't arrived in a minute, the outbox on the admin "
                           "page says why.")
            else:
                raise Invalid("Nothing to save there.")
        except Invalid as exc:
            await _recover(db_session, admin)
            return await self._page(request, db_session, classifier_holder, 400, errors=exc.fields,
                                    error=exc.detail, values=form, section=section)
        flash(request, message)
        anchor = {"thresholds": "#thresholds", "premod": "#premoderation", "alerts": "#alerts",
                  "alerts-test": "#alerts"}.get(section, "#resources")
        return Redirect(path=f"/admin/moderation{anchor}")
