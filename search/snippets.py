"""Highlighted snippets that are safe to put in a page: escaped text with <mark> and nothing else.

Engines mark matches with strings we choose. If we asked for "<mark>" directly, a post that
contains the text "<script>" would come back with real markup beside ours, and we couldn't tell
them apart. So engines mark with two control characters that never occur in indexed text
(documents.index_text strips them), we escape everything, and only then swap the sentinels
for <mark> tags.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

START = "\x02"
END = "\x03"
ELLIPSIS = "…"

# Control characters (except tab and newline): never part of what people write, and the
# sentinels above must stay unique.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(text: str) -> str:
    return CONTROL.sub(" ", text)


def sanitize(raw: str) -> Markup:
    """Escape a marked snippet and turn the sentinels into balanced <mark> tags."""
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"([{START}{END}])", raw or ""):
        if piece == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(escape(strip_controls(piece), quote=True))
    if open_mark:  # a snippet cut inside a match still closes its tag
        out.append("</mark>")
    return Markup("".join(out).strip())


def leading(text: str, words: int = 30) -> Markup:
    """The start of a text, for hits whose match is elsewhere (the title)."""
    parts = (text or "").split()
    cut = " ".join(parts[:words]) + (f" {ELLIPSIS}" if len(parts) > words else "")
    return Markup(escape(strip_controls(cut), quote=True))
