"""/api/v1 for topics, threads, posts and reactions. Thin: parse, call the service, shape JSON."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.discussions.crisis_help import resources_for
from forum.discussions.models import PostStatus
from forum.discussions.reading import DiscussionReader
from forum.discussions.schemas import (
    CrisisResourceOut,
    CrisisResources,
    DeletedPostOut,
    NewThreadOut,
    PostedOut,
    PostIn,
    PostOut,
    PostPatch,
    PreviewIn,
    PreviewOut,
    ReactionIn,
    ReactionsOut,
    ThreadIn,
    ThreadListOut,
    ThreadOut,
    ThreadPageOut,
    ThreadSettingsIn,
    TopicOut,
    TopicsOut,
    warning_input,
)
from forum.discussions.writing import DiscussionWriter, Submitted
from forum.warnings.services import WarningInput
from forum.warnings.visibility import Reader
from forum.web import provide_discussions, provide_member, provide_writer


async def _crisis_resources(request: Request, session: AsyncSession, crisis: bool) -> CrisisResources:
    # Ordered for the reader (their chosen region, else Accept-Language), with phones/sms spelled out.
    if not crisis:
        return None
    return [CrisisResourceOut.from_dict(r) for r in await resources_for(request, session)]


class DiscussionApi(Controller):
    path = "/api/v1"
    tags = ["discussions"]
    dependencies = {"discussions": Provide(provide_discussions, sync_to_thread=False),
                    "writer": Provide(provide_writer, sync_to_thread=False),
                    "member": Provide(provide_member)}

    @get("/topics")
    async def list_topics(self, discussions: DiscussionReader, reader: Reader) -> TopicsOut:
        return TopicsOut(topics=[TopicOut.from_view(t) for t in await discussions.topics(reader)])

    @get("/topics/{slug:str}/threads")
    async def list_threads(self, slug: str, discussions: DiscussionReader, reader: Reader,
                           page: int = 1) -> ThreadListOut:
        topic, threads = await discussions.threads(slug, reader, page)
        return ThreadListOut.from_page(topic.slug, topic.name, threads)

    @post("/topics/{slug:str}/threads", status_code=HTTP_201_CREATED)
    async def create_thread(self, request: Request, slug: str, data: ThreadIn, member: Member,
                            discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                            db_session: AsyncSession) -> NewThreadOut:
        done = await writer.create_thread(member, slug, data.title, data.body,
                                               WarningInput(tuple(data.warnings), data.other_warning))
        thread = await discussions.thread_view(done.thread.id, reader)
        first = await discussions.post_view(done.post.id, reader, member)
        return NewThreadOut.from_view(thread, post=PostOut.from_view(first),
                                      crisis_resources=await _crisis_resources(request, db_session, done.crisis))

    @get("/threads/{thread_id:int}")
    async def read_thread(self, thread_id: int, discussions: DiscussionReader, reader: Reader,
                          viewer: Member | None, page: int = 1) -> ThreadPageOut:
        result = await discussions.thread_page(thread_id, reader, page, viewer)
        return ThreadPageOut.from_page(result.thread, result.posts)

    @patch("/threads/{thread_id:int}")
    async def thread_settings(self, thread_id: int, data: ThreadSettingsIn, member: Member,
                              discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader) -> ThreadOut:
        """Pin or lock a thread (moderators)."""
        await writer.set_thread_flags(member, thread_id, pinned=data.pinned, locked=data.locked)
        return ThreadOut.from_view(await discussions.thread_view(thread_id, reader))

    @post("/threads/{thread_id:int}/posts", status_code=HTTP_201_CREATED)
    async def reply(self, request: Request, thread_id: int, data: PostIn, member: Member,
                    discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                    db_session: AsyncSession) -> PostedOut:
        wanted = WarningInput(tuple(data.warnings), data.other_warning)
        done = await writer.reply(member, thread_id, data.body, wanted)
        return await self._posted(request, done, discussions, reader, member, db_session)

    @patch("/posts/{post_id:int}")
    async def edit_post(self, request: Request, post_id: int, data: PostPatch, member: Member,
                        discussions: DiscussionReader, writer: DiscussionWriter, reader: Reader,
                        db_session: AsyncSession) -> PostedOut:
        done = await writer.edit_post(member, post_id, data.body, warning_input(data.warnings, data.other_warning),
                                           data.title)
        return await self._posted(request, done, discussions, reader, member, db_session)

    @delete("/posts/{post_id:int}", status_code=HTTP_200_OK)
    async def delete_post(self, post_id: int, member: Member, writer: DiscussionWriter) -> DeletedPostOut:
        await writer.delete_post(member, post_id)
        return DeletedPostOut(id=post_id, status=PostStatus.DELETED)

    @post("/posts/preview", status_code=HTTP_200_OK)
    async def preview(self, request: Request, data: PreviewIn, member: Member, writer: DiscussionWriter,
                      db_session: AsyncSession) -> PreviewOut:
        result = await writer.preview(data.body)
        return PreviewOut.from_preview(result, await _crisis_resources(request, db_session, result.crisis))

    @post("/posts/{post_id:int}/reactions", status_code=HTTP_200_OK)
    async def react(self, post_id: int, data: ReactionIn, member: Member, writer: DiscussionWriter,
                    reader: Reader) -> ReactionsOut:
        return ReactionsOut.from_view(await writer.toggle_reaction(member, post_id, data.kind, reader))

    async def _posted(self, request: Request, done: Submitted, discussions: DiscussionReader, reader: Reader,
                      member: Member, session: AsyncSession) -> PostedOut:
        view = await discussions.post_view(done.post.id, reader, member)
        return PostedOut.from_view(view, crisis_resources=await _crisis_resources(request, session, done.crisis))
