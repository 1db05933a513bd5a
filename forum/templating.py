"""Jinja2 set-up: filters for dates and plurals, and the globals every page uses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from forum.accounts.models import MemberStatus
from forum.cache import AppCache
from forum.discussions.models import REACTION_LABELS, PostStatus
from forum.warnings.services import GENTLE_CHOICES, Tag, TagSource

if TYPE_CHECKING:
    from forum.discussions.reading import PostView



def ago(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """"3 hours ago", calm and approximate; exact time goes in the <time> element's title."""
    if moment is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400 * 7, "week"), (86400, "day"),
                       (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def listing(words: list[str]) -> str:
    """"self-harm, suicide and grief"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def in_sentence(label: str) -> str:
    """"Self-harm" reads as "self-harm" mid-sentence; "PTSD" stays as it is."""
    if not label or label[:2].isupper():
        return label
    return label[0].lower() + label[1:]


def warning_names(tags: list[Tag]) -> str:
    """"self-harm and suicide": what a notice names, in the words the reader chose to see."""
    return listing([in_sentence(t.text) for t in tags])


_ADDED_BY = {TagSource.AUTHOR: "the author", TagSource.MODERATOR: "a moderator", TagSource.FORUM: "the forum"}


def added_by(tag: Tag) -> str:
    """Who a reader is told added a warning: "the forum" when the crisis check did."""
    return _ADDED_BY[tag.source]


def who_added(tags: list[Tag]) -> str:
    """"added by the author and the forum": everyone who added these warnings, in a fixed order."""
    return "added by " + listing([who for source, who in _ADDED_BY.items() if any(t.source is source for t in tags)])


# Cached posts are rendered with this in place of the reader's CSRF field, swapped on the way out.
# It can't occur in a post itself: bodies are sanitized and never contain an <input>.
_CSRF_STAND_IN = '<input type="hidden" name="_csrf_token" value="haven-csrf-stand-in" />'


@pass_context
def post_article(context: Context, post: PostView) -> Markup:
    """A post as this reader sees it, rendered once and reused for every reader it looks the same to.

    The key is everything the fragment shows (PostView.look): an edit, a moderator's action, a
    warning, the reader's show-or-warn mode, a reaction, whether the reader may edit it; then
    "3 hours ago" turning into "4 hours ago" and whether the reader wrote it. Most readers of a
    page share every key, so a busy thread renders each post once rather than once per view.
    """
    viewer = context.get("viewer")
    relation = "visitor" if viewer is None else ("author" if viewer.id == post.author_id else "other")
    when = ago(post.created_at)
    key = (post.look, when, relation)
    rendered = context["app_cache"].rendered_posts
    html = rendered.get(key)
    if html is None:
        template = context.environment.get_template("discussions/_post.html")
        html = template.render(post=post, when=when, relation=relation, csrf_input=_CSRF_STAND_IN)
        rendered.put(key, html)
    if relation != "visitor":
        html = html.replace(_CSRF_STAND_IN, context.get("csrf_input", ""))
    return Markup(html)


def configure_environment(engine: object, cache: AppCache | None = None) -> None:
    """Filters and globals every page uses; ``cache`` is the app's (a bare environment gets its own)."""
    env: Environment = engine.engine  # type: ignore[attr-defined]
    env.globals["app_cache"] = cache or AppCache()
    env.filters.update(ago=ago, plural=plural, listing=listing)
    env.globals.update(REACTION_LABELS=REACTION_LABELS, GENTLE_CHOICES=GENTLE_CHOICES, PostStatus=PostStatus,
                       MemberStatus=MemberStatus,
                       warning_names=warning_names, who_added=who_added, added_by=added_by,
                       post_article=post_article)
    # Templates don't change while the forum runs; skipping the mtime check saves a stat() per include.
    env.auto_reload = False
    env.trim_blocks = True
    env.lstrip_blocks = True
