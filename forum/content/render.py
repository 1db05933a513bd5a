"""Markdown (CommonMark, raw HTML off) to HTML, then sanitized by bleach against an allow-list.

Markdown-it already escapes raw HTML; bleach is the second lock on the door: whatever the
renderer lets through, only these tags, attributes and URL schemes reach a reader's browser.
"""

from __future__ import annotations

import re
from functools import lru_cache

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("strikethrough").enable("table")
    # Post headings sit inside a page that already has h1/h2: shift them down so the outline holds.
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    return md


def _shifted(tag: str) -> str:
    level = min(int(tag[1]) + 2, 6)
    return f"h{level}"


def _heading_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    return f"<{_shifted(tokens[idx].tag)}>"


def _heading_close(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    return f"</{_shifted(tokens[idx].tag)}>\n"


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel], skip_tags={"pre", "code"})],
    )


def render_markdown(source: str) -> str:
    """Render a member's Markdown to sanitized HTML, ready to store and show."""
    html = _markdown().render(source)
    return _cleaner().clean(html).strip()


_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(html: str) -> str:
    """The words of rendered HTML, for excerpts and search (entities decoded)."""
    import html as html_lib

    return _SPACE.sub(" ", html_lib.unescape(_TAGS.sub(" ", html))).strip()


def excerpt(html: str, length: int = 180) -> str:
    text = plain_text(html)
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut + "…"
