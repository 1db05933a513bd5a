"""The moderation queue and the audit log, as moderators read them.

One card per post with open flags, most urgent first: crisis, then "worried about this person"
reports, then posts someone can't see right now (hidden pending review, held by pre-moderation),
appeals, reports, and classifier scores; oldest first within a tier. The post is shown through
the moderator's own content-warning choices: moderators are people too.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forum.accounts.models import Member, MemberStatus
from forum.db.base import utcnow
from forum.discussions.models import Post, PostStatus, Thread
from forum.discussions.reading import POSTS_PER_PAGE
from forum.errors import NotFound
from forum.paging import Page
from forum.warnings.models import Mode
from forum.warnings.services import Tag, WarningService, post_tags_with_thread
from forum.warnings.visibility import Reader, decide, visible_posts, visible_threads
from moderation.actions import claim_is_active
from moderation.models import Appeal, Flag, ModAction, Report
from moderation.rules import HELD_PRIORITY, REPORT_REASONS, URGENT_AT

CARDS_PER_PAGE = 20
LOG_PER_PAGE = 50
# Moderators' decisions against an author, for their one-line history. Automatic hides are left
# out: they are the forum's guesses, and the card in hand is usually one of them.
AGAINST_AUTHOR = ("hide", "remove", "warn", "suspend", "ban")
# The author's last few posts on a card: enough to see a pattern (a goodbye last night?), not a dossier.
RECENT_POSTS = 4
EXCERPT_CHARS = 140


@dataclass(frozen=True)
class ReportView:
    reason: str
    label: str
    note: str | None
    reporter: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AuthorHistory:
    name: str
    member_id: int | None
    joined: dt.datetime | None
    posts: int
    previous_actions: int
    status: str


@dataclass(frozen=True)
class RecentPost:
    """One of the author's other recent posts, as this moderator's content choices let them see it."""

    post_id: int
    thread_id: int
    link: str
    created_at: dt.datetime
    status: str
    mode: Mode  # show or warn ("hide" never gets this far: it is filtered in the query)
    thread_title: str | None  # None when the thread's own warnings are behind a notice for this moderator
    excerpt: str | None  # None when the post is behind a notice
    warning_names: str = ""


def private_message_link(author: AuthorHistory) -> str | None:
    """Seam for "Send a private message" on a crisis card.

    One-to-one conversations don't exist yet. When they do (POST /api/v1/conversations, pages at
    /conversations), return the page that starts one with this member, e.g.
    f"/conversations/new?to={author.name}", and the card shows the link beside "Reply in the thread".
    """
    return None


@dataclass(frozen=True)
class Card:
    flag_id: int  # acting on it decides every open flag of the post
    flag_ids: list[int]
    post_id: int
    thread_id: int
    thread_title: str
    is_opening: bool
    post_status: str
    body_html: str
    tags: list[Tag]
    mode: Mode  # show or warn, for this moderator
    author: AuthorHistory
    priority: int
    sources: list[str]
    created_at: dt.datetime
    crisis: dict[str, Any] | None = None
    scores: dict[str, float] | None = None
    score_labels: list[str] = field(default_factory=list)
    reports: list[ReportView] = field(default_factory=list)
    appeal: dict[str, Any] | None = None
    claimed_by: str | None = None
    claimed_by_id: int | None = None
    claimed_at: dt.datetime | None = None
    removal_reason: str | None = None
    posted_at: dt.datetime | None = None
    post_link: str = ""  # the post's page and anchor in its thread, as this moderator sees the thread
    recent_posts: list[RecentPost] = field(default_factory=list)
    can_reply: bool = False  # the thread takes replies (a moderator may reply to a locked one)
    message_link: str | None = None  # "Send a private message", once conversations exist

    @property
    def urgent(self) -> bool:
        return self.priority >= URGENT_AT

    @property
    def matched(self) -> list[str]:
        """The words the crisis check fired on, in the writer's own words."""
        return [str(m) for m in (self.crisis or {}).get("matched", []) if str(m).strip()]

    @property
    def show_scores(self) -> bool:
        """Score bars only when the classifier itself flagged the post: on a crisis card, toxicity
        scores near zero say nothing about whether someone is safe, and would only distract."""
        return bool(self.scores) and bool(self.score_labels)

    @property
    def body_marked(self) -> Markup:
        """The post with the crisis check's words highlighted (see highlight)."""
        return highlight(self.body_html, self.matched) if self.matched else Markup(self.body_html)

    @property
    def worried(self) -> bool:
        return any(r.reason == "worried" for r in self.reports)


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    urgent: int


@dataclass(frozen=True)
class QueuePage(Page[Card]):
    """A page of the queue, and how many of all the waiting items are urgent."""

    urgent: int = 0

    @property
    def cards(self) -> list[Card]:
        return self.items

    @property
    def waiting(self) -> int:
        return self.total


@dataclass(frozen=True)
class LogEntry:
    id: int
    actor: str
    action: str
    target_kind: str
    target_id: int | None
    target_label: str
    target_link: str | None
    reason: str | None
    details: dict[str, Any]
    created_at: dt.datetime


class QueueService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _ordered(self) -> list[tuple[int, int, dt.datetime]]:
        """(post id, effective priority, oldest flag) for every post with open flags, in queue order."""
        rows = (await self.session.execute(
            select(Flag.post_id, func.max(Flag.priority), func.min(Flag.created_at), Post.status)
            .join(Post, Post.id == Flag.post_id).where(Flag.status == "open")
            .group_by(Flag.post_id, Post.status))).all()
        items = []
        for post_id, priority, oldest, status in rows:
            if status in (PostStatus.HIDDEN, PostStatus.PENDING):
                priority = max(priority, HELD_PRIORITY)
            items.append((post_id, int(priority), oldest))
        items.sort(key=lambda item: (-item[1], item[2], item[0]))
        return items

    async def urgent_count(self) -> int:
        """Posts with an open urgent flag (crisis, "worried about this person"), for every moderator's
        header. One COUNT over the (status, priority, created_at) index: cheap enough for each page."""
        return int(await self.session.scalar(
            select(func.count(func.distinct(Flag.post_id)))
            .where(Flag.status == "open", Flag.priority >= URGENT_AT)) or 0)

    async def counts(self) -> QueueCounts:
        ordered = await self._ordered()
        return QueueCounts(len(ordered), sum(1 for _, priority, _ in ordered if priority >= URGENT_AT))

    async def page(self, reader: Reader, number: int = 1) -> QueuePage:
        ordered = await self._ordered()
        number = max(1, min(int(number or 1), max(1, math.ceil(len(ordered) / CARDS_PER_PAGE))))
        window = ordered[(number - 1) * CARDS_PER_PAGE:number * CARDS_PER_PAGE]
        cards = await self._cards([(post_id, priority) for post_id, priority, _ in window], reader)
        urgent = sum(1 for _, priority, _ in ordered if priority >= URGENT_AT)
        return QueuePage(cards, number, len(ordered), CARDS_PER_PAGE, urgent=urgent)

    async def card_for_flag(self, flag_id: int, reader: Reader) -> Card | None:
        """The card a flag belongs to, while it is still open (None once decided)."""
        flag = await self.session.get(Flag, flag_id)
        if flag is None:
            raise NotFound("We couldn't find that item in the queue.")
        return await self.card_for_post(flag.post_id, reader)

    async def card_for_post(self, post_id: int, reader: Reader) -> Card | None:
        for candidate, priority, _ in await self._ordered():
            if candidate == post_id:
                cards = await self._cards([(post_id, priority)], reader)
                return cards[0] if cards else None
        return None

    async def _cards(self, wanted: list[tuple[int, int]], reader: Reader) -> list[Card]:
        if not wanted:
            return []
        post_ids = [post_id for post_id, _ in wanted]
        flags: dict[int, list[Flag]] = defaultdict(list)
        for flag in await self.session.scalars(
                select(Flag).where(Flag.post_id.in_(post_ids), Flag.status == "open").order_by(Flag.id)):
            flags[flag.post_id].append(flag)
        posts = {post.id: (post, thread) for post, thread in (await self.session.execute(
            select(Post, Thread).join(Thread, Thread.id == Post.thread_id).where(Post.id.in_(post_ids)))).all()}
        tags = WarningService(self.session)
        thread_tags = await tags.thread_tags(list({thread.id for _, thread in posts.values()}))
        post_tags = await tags.post_tags(post_ids)
        reports = await self._reports([f.id for fs in flags.values() for f in fs if f.source == "report"])
        histories = await self._histories({post.author_id for post, _ in posts.values() if post.author_id})
        claimers = await self._names({f.claimed_by_id for fs in flags.values() for f in fs if f.claimed_by_id})
        appeals = await self._appeals(flags)
        pages = await self.post_pages(post_ids, reader)
        recent = await self._recent_posts({(post.author_id, post.id) for post, _ in posts.values()
                                           if post.author_id}, reader)
        now = utcnow()
        cards = []
        for post_id, priority in wanted:
            if post_id not in posts or not flags.get(post_id):
                continue
            post, thread = posts[post_id]
            open_flags = sorted(flags[post_id], key=lambda f: (-f.priority, f.id))
            by_source = {f.source: f for f in open_flags}
            all_tags = post_tags_with_thread(thread_tags.get(thread.id, []), post_tags.get(post.id, []))
            mode = decide(reader, [t.warning_id for t in all_tags], post.author_id)
            claim = next((f for f in open_flags if claim_is_active(f, now)), None)
            classifier = by_source.get("classifier")
            scores = (classifier.details or {}).get("scores") if classifier else post.classifier_scores
            crisis = by_source.get("crisis")
            history = histories.get(post.author_id or -1,
                                    AuthorHistory("Former member", None, None, 0, 0, MemberStatus.DELETED))
            cards.append(Card(
                flag_id=open_flags[0].id, flag_ids=[f.id for f in open_flags], post_id=post.id,
                thread_id=thread.id, thread_title=thread.title, is_opening=post.is_opening,
                post_status=post.status, body_html=post.body_html, tags=all_tags,
                # "hide" would take the post from the one person who must judge it: collapse it instead.
                mode="show" if mode == "show" else "warn",
                author=history,
                priority=priority, sources=[f.source for f in open_flags],
                created_at=min(f.created_at for f in open_flags),
                crisis=dict(crisis.details or {}) if crisis else None,
                scores=scores, score_labels=list((classifier.details or {}).get("labels", [])) if classifier else [],
                reports=[r for f in open_flags if f.source == "report" for r in reports.get(f.id, [])],
                appeal=appeals.get(post.id),
                claimed_by=claimers.get(claim.claimed_by_id) if claim and claim.claimed_by_id else None,
                claimed_by_id=claim.claimed_by_id if claim else None,
                claimed_at=claim.claimed_at if claim else None,
                removal_reason=post.removal_reason,
                posted_at=post.created_at,
                post_link=_post_link(thread.id, post.id, pages.get(post.id, 1)),
                recent_posts=recent.get(post.id, []),
                can_reply=thread.status == PostStatus.PUBLISHED,
                message_link=private_message_link(history) if history.member_id else None,
            ))
        return cards

    async def post_pages(self, post_ids: list[int], reader: Reader) -> dict[int, int]:
        """Which page of its thread each post is on, for this moderator (one statement for the lot)."""
        if not post_ids:
            return {}
        target = aliased(Post)
        before = (select(func.count()).select_from(Post)
                  .where(Post.thread_id == target.thread_id, Post.id < target.id, visible_posts(reader))
                  .correlate(target).scalar_subquery())
        rows = await self.session.execute(select(target.id, before).where(target.id.in_(post_ids)))
        return {post_id: int(n or 0) // POSTS_PER_PAGE + 1 for post_id, n in rows}

    async def _recent_posts(self, wanted: set[tuple[int, int]], reader: Reader) -> dict[int, list[RecentPost]]:
        """For each (author, card post): the author's last few other posts, newest first.

        Filtered in the query through the moderator's own content choices (forum/warnings/visibility):
        what they chose to hide is never fetched; what they chose to be warned about comes without
        its words or its thread's title."""
        if not wanted:
            return {}
        authors = {author for author, _ in wanted}
        # RECENT_POSTS + the number of cards per author, so each card still has enough once its own post is left out.
        per_author = RECENT_POSTS + max(sum(1 for a, _ in wanted if a == author) for author in authors)
        ranked = (select(Post.id.label("post_id"), func.row_number().over(
            partition_by=Post.author_id, order_by=Post.id.desc()).label("n"))
            .join(Thread, Thread.id == Post.thread_id)
            .where(Post.author_id.in_(authors), visible_posts(reader), visible_threads(reader))
            .subquery())
        rows = (await self.session.execute(
            select(Post, Thread).join(ranked, ranked.c.post_id == Post.id).join(Thread, Thread.id == Post.thread_id)
            .where(ranked.c.n <= per_author).order_by(Post.id.desc()))).all()
        if not rows:
            return {}
        tags = WarningService(self.session)
        thread_tags = await tags.thread_tags(list({thread.id for _, thread in rows}))
        post_tags = await tags.post_tags([post.id for post, _ in rows])
        pages = await self.post_pages([post.id for post, _ in rows], reader)
        by_author: dict[int, list[RecentPost]] = defaultdict(list)
        for post, thread in rows:
            on_thread = thread_tags.get(thread.id, [])
            all_tags = post_tags_with_thread(on_thread, post_tags.get(post.id, []))
            mode = decide(reader, [t.warning_id for t in all_tags], post.author_id)
            title_mode = decide(reader, [t.warning_id for t in on_thread], thread.author_id)
            if mode == "hide":  # the query already left these out; belt and braces
                continue
            by_author[post.author_id or 0].append(RecentPost(
                post_id=post.id, thread_id=thread.id, link=_post_link(thread.id, post.id, pages.get(post.id, 1)),
                created_at=post.created_at, status=post.status, mode=mode,
                thread_title=thread.title if title_mode == "show" else None,
                excerpt=excerpt(post.body_html) if mode == "show" else None,
                warning_names=", ".join(t.text for t in all_tags) if mode != "show" else ""))
        return {card_post: [r for r in by_author.get(author, []) if r.post_id != card_post][:RECENT_POSTS]
                for author, card_post in wanted}

    async def _reports(self, flag_ids: list[int]) -> dict[int, list[ReportView]]:
        result: dict[int, list[ReportView]] = defaultdict(list)
        if not flag_ids:
            return result
        rows = await self.session.execute(
            select(Report, Member.username).outerjoin(Member, Member.id == Report.reporter_id)
            .where(Report.flag_id.in_(flag_ids)).order_by(Report.id))
        for report, name in rows:
            label = REPORT_REASONS.get(report.reason, report.reason)
            result[report.flag_id or 0].append(
                ReportView(report.reason, label, report.note, name or "Former member", report.created_at))
        return result

    async def _appeals(self, flags: dict[int, list[Flag]]) -> dict[int, dict[str, Any]]:
        ids = {int(f.details["appeal_id"]) for fs in flags.values() for f in fs
               if f.source == "appeal" and (f.details or {}).get("appeal_id")}
        if not ids:
            return {}
        result = {}
        for appeal, remover in (await self.session.execute(
                select(Appeal, Member.username).outerjoin(Member, Member.id == Appeal.removed_by_id)
                .where(Appeal.id.in_(ids)))).all():
            result[appeal.post_id] = {"id": appeal.id, "note": appeal.note, "removed_by": remover,
                                      "removed_by_id": appeal.removed_by_id}
        return result

    async def _names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict((await self.session.execute(select(Member.id, Member.username).where(Member.id.in_(ids)))).all())

    async def _histories(self, member_ids: set[int]) -> dict[int, AuthorHistory]:
        """Joined, how many posts, and how often moderators have acted on their posts before."""
        if not member_ids:
            return {}
        members = {m.id: m for m in await self.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
        posts = dict((await self.session.execute(
            select(Post.author_id, func.count())
            .where(Post.author_id.in_(member_ids), Post.status != PostStatus.DELETED)
            .group_by(Post.author_id))).all())
        actions = dict((await self.session.execute(
            select(Post.author_id, func.count(ModAction.id))
            .join(Post, (ModAction.target_id == Post.id) & (ModAction.target_kind == "post"))
            .where(Post.author_id.in_(member_ids), ModAction.action.in_(AGAINST_AUTHOR))
            .group_by(Post.author_id))).all())
        return {mid: AuthorHistory(m.display_name, m.id, m.created_at, posts.get(mid, 0), actions.get(mid, 0),
                                   m.status) for mid, m in members.items()}

    # --- the audit log ---------------------------------------------------------------------------

    async def log(self, number: int = 1) -> Page[LogEntry]:
        total = await self.session.scalar(select(func.count()).select_from(ModAction)) or 0
        number = max(1, min(int(number or 1), max(1, math.ceil(total / LOG_PER_PAGE))))
        rows = (await self.session.execute(
            select(ModAction, Member.username).outerjoin(Member, Member.id == ModAction.actor_id)
            .order_by(ModAction.id.desc()).limit(LOG_PER_PAGE).offset((number - 1) * LOG_PER_PAGE))).all()
        post_ids = {a.target_id for a, _ in rows if a.target_kind == "post" and a.target_id}
        titles = dict((await self.session.execute(
            select(Post.id, Thread.title).join(Thread, Thread.id == Post.thread_id)
            .where(Post.id.in_(post_ids)))).all()) if post_ids else {}
        threads = dict((await self.session.execute(
            select(Post.id, Post.thread_id).where(Post.id.in_(post_ids)))).all()) if post_ids else {}
        authors = await self._names({int(a.details["author_id"]) for a, _ in rows
                                     if (a.details or {}).get("author_id")})
        items = []
        for action, actor in rows:
            label, link = _target(action, titles, threads, authors)
            items.append(LogEntry(action.id, actor or ("Haven (automatic)" if action.actor_id is None
                                                       else "Former member"),
                                  action.action, action.target_kind, action.target_id, label, link, action.reason,
                                  dict(action.details or {}), action.created_at))
        return Page(items, number, total, LOG_PER_PAGE)


def _target(action: ModAction, titles: dict[int, str], threads: dict[int, int],
            authors: dict[int, str]) -> tuple[str, str | None]:
    if action.target_kind == "post" and action.target_id:
        title = titles.get(action.target_id)
        author = authors.get(int((action.details or {}).get("author_id") or 0))
        by = f" by {author}" if author else ""
        if title is None:
            return f"post {action.target_id}{by} (since deleted)", None
        return (f"post {action.target_id}{by} in “{title}”",
                f"/threads/{threads[action.target_id]}#post-{action.target_id}")
    if action.target_kind == "setting":
        return f"setting {(action.details or {}).get('key', '')}".strip(), "/admin/moderation"
    if action.target_kind == "crisis_resource":
        return f"crisis resource “{(action.details or {}).get('name', action.target_id)}”", "/admin/moderation"
    return f"{action.target_kind} {action.target_id or ''}".strip(), None



def _post_link(thread_id: int, post_id: int, page: int) -> str:
    return f"/threads/{thread_id}{f'?page={page}' if page > 1 else ''}#post-{post_id}"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "li", "blockquote", "pre", "h1", "h2", "h3", "h4"):
            self.parts.append(" ")


def excerpt(body_html: str, limit: int = EXCERPT_CHARS) -> str:
    """The first words of a post as plain text (escaped again by the template)."""
    parser = _Text()
    parser.feed(body_html)
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


class _Highlighter(HTMLParser):
    """Re-emits sanitized HTML, wrapping matches in the text (never in tags or attributes) in <mark>.

    Tags are copied exactly as they came (they already passed the sanitizer); every piece of text is
    unescaped by the parser and escaped again here, so nothing new can become markup."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.pattern = pattern
        self.out: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        last = 0
        for m in self.pattern.finditer(data):
            self.out.append(html.escape(data[last:m.start()], quote=False))
            self.out.append(f'<mark class="crisis-words">{html.escape(m.group(0), quote=False)}</mark>')
            self.marks += 1
            last = m.end()
        self.out.append(html.escape(data[last:], quote=False))


def highlight(body_html: str, phrases: list[str]) -> Markup:
    """Sanitized post HTML with these phrases marked, case-insensitively and across any whitespace.

    Falls back to the post unchanged if anything about it is unexpected: a highlight is a help,
    never worth a broken or unsafe card."""
    words = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not words:
        return Markup(body_html)
    pattern = re.compile("|".join(r"\s+".join(re.escape(w) for w in phrase.split()) for phrase in words),
                         re.IGNORECASE)
    parser = _Highlighter(pattern)
    try:
        parser.feed(body_html)
        parser.close()
    except Exception:
        return Markup(body_html)
    return Markup("".join(parser.out)) if parser.marks else Markup(body_html)
