"""/api/v1 for topics, threads, posts and reactions. Thin: parse, call the service, shape JSON."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.crisis_help import resources_for
from forum.discussions.models import PostStatus
from forum.discussions.reading import DiscussionReader
from forum.discussions.schemas import (
    PostIn,
    PostPatch,
    PreviewIn,
    ReactionIn,
    ThreadIn,
    ThreadSettingsIn,
    post_json,
    thread_json,
    topic_json,
    warning_input,
)
from forum.discussions.writing import DiscussionWriter, Submitted
from forum.warnings.services import WarningInput
from forum.warnings.visibility import Reader
from forum.web import provide_discussions, provide_member, provide_writer


async def _with_resources(request: Request, session: AsyncSession, crisis: bool,
                          body: dict[str, Any]) -> dict[str, Any]:
    # Ordered for the reader (their chosen region, else Accept-Language), with phones/sms spelled out.
    body["crisis_resources"] = await resources_for(request, session) if crisis else None
    return body


class DiscussionApi(Controller):
    path = "/api/v1"
    tags = ["discussions"]
    dependencies = {"discussions": Provide(provide_discussions, sync_to_thread=False),
                    "writer": Provide(provide_writer, sync_to_thread=False),
                    "member": Provide(provide_member)}

    @get("/topics")
    async def list_topics(self, discussions: DiscussionReader, reader: Reader) -> dict[str, Any]:
        return {"topics": [topic_json(t) for t in await discussions.topics(reader)]}

    @get("/topics/{slug:str}/threads")
    async def list_threads(self, slug: str, discussions: DiscussionReader, reader: Reader,
                           page: int = 1) -> dict[str, Any]:
        topic, threads = await discussions.threads(slug, reader, page)
        return {"topic": {"slug": topic.slug, "name": topic.name}, "threads": [thread_json(t) for t in threads.items],
                "page": threads.number, "pages": threads.pages, "total": threads.total,
                "hidden_by_settings": threads.hidden_by_settings}

    @post("/topics/{slug:str}/threads", status_code=HTTP_201_CREATED)
    async def create_thread(self, request: Request, slug: str, data: ThreadIn, member: Member,
                            discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                            db_session: AsyncSession) -> dict[str, Any]:
        done = await writer.create_thread(member, slug, data.title, data.body,
                                          WarningInput(tuple(data.warnings), data.other_warning))
        thread = await discussions.thread_view(done.thread.id, reader)
        first = await discussions.post_view(done.post.id, reader, member)
        return await _with_resources(request, db_session, done.crisis,
                                     {**thread_json(thread), "post": post_json(first)})

    @get("/threads/{thread_id:int}")
    async def read_thread(self, thread_id: int, discussions: DiscussionReader, reader: Reader,
                          viewer: Member | None, page: int = 1) -> dict[str, Any]:
        result = await discussions.thread_page(thread_id, reader, page, viewer)
        return {"thread": thread_json(result.thread), "posts": [post_json(p) for p in result.posts.items],
                "page": result.posts.number, "pages": result.posts.pages, "total": result.posts.total,
                "hidden_by_settings": result.posts.hidden_by_settings}

    @patch("/threads/{thread_id:int}")
    async def thread_settings(self, thread_id: int, data: ThreadSettingsIn, member: Member,
                              discussions: DiscussionReader, writer: DiscussionWriter,
                              reader: Reader) -> dict[str, Any]:
        """Pin or lock a thread (moderators)."""
        await writer.set_thread_flags(member, thread_id, pinned=data.pinned, locked=data.locked)
        return thread_json(await discussions.thread_view(thread_id, reader))

    @post("/threads/{thread_id:int}/posts", status_code=HTTP_201_CREATED)
    async def reply(self, request: Request, thread_id: int, data: PostIn, member: Member,
                    discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                    db_session: AsyncSession) -> dict[str, Any]:
        wanted = WarningInput(tuple(data.warnings), data.other_warning)
        done = await writer.reply(member, thread_id, data.body, wanted)
        return await self._posted(request, done, discussions, reader, member, db_session)

    @patch("/posts/{post_id:int}")
    async def edit_post(self, request: Request, post_id: int, data: PostPatch, member: Member,
                        discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                        db_session: AsyncSession) -> dict[str, Any]:
        done = await writer.edit_post(member, post_id, data.body, warning_input(data.warnings, data.other_warning),
                                      data.title)
        return await self._posted(request, done, discussions, reader, member, db_session)

    @delete("/posts/{post_id:int}", status_code=HTTP_200_OK)
    async def delete_post(self, post_id: int, member: Member, writer: DiscussionWriter) -> dict[str, Any]:
        await writer.delete_post(member, post_id)
        return {"id": post_id, "status": PostStatus.DELETED}

    @post("/posts/preview", status_code=HTTP_200_OK)
    async def preview(self, request: Request, data: PreviewIn, member: Member, writer: DiscussionWriter,
                      db_session: AsyncSession) -> dict[str, Any]:
        result = await writer.preview(data.body)
        body = {"body_html": result.body_html,
                "suggested_warnings": [{"slug": s.slug, "matched": list(s.matched)} for s in result.suggestions]}
        return await _with_resources(request, db_session, result.crisis, body)

    @post("/posts/{post_id:int}/reactions", status_code=HTTP_200_OK)
    async def react(self, post_id: int, data: ReactionIn, member: Member, discussions: DiscussionReader,
                    writer: DiscussionWriter, reader: Reader) -> dict[str, Any]:
        view = await writer.toggle_reaction(member, post_id, data.kind, reader)
        return {"id": view.id, "reactions": view.reactions, "my_reactions": sorted(view.mine)}

    async def _posted(self, request: Request, done: Submitted, discussions: DiscussionReader, reader: Reader,
                      member: Member, session: AsyncSession) -> dict[str, Any]:
        view = await discussions.post_view(done.post.id, reader, member)
        return await _with_resources(request, session, done.crisis, post_json(view))
