"""How a post is cut into the pieces the safety model reads.

A short post is read whole. A long one is read whole *and* as overlapping pairs of sentences,
because the one sentence that matters ("I've written letters to everyone") can sit in the middle
of a long post about an ordinary week, where the whole post's embedding would drown it out.
Pairs rather than single sentences keep the context that changes meaning ("I have them ready." /
"Tonight.").
"""

from __future__ import annotations

import re

# Sentence ends: punctuation followed by space, or a line break (phones often skip the full stop).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")
# Markdown that carries no meaning for the model: quote markers, emphasis, list bullets, link targets.
_MARKDOWN = re.compile(r"^\s{0,3}(?:>+|[-*+]|\d+[.)])\s+|[*_`~#]+|\]\([^)]*\)|[\[\]]", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")

# A post of up to this many sentences is read whole only.
WHOLE_ONLY = 3
# Each window is this many consecutive sentences.
WINDOW = 2
# The model reads at most 256 word pieces; past this many words a unit is cut (roughly 1.3 pieces a word).
MAX_WORDS = 180
# A very long post is read as at most this many windows (spread evenly), so a 50,000-character post
# costs a bounded amount of time; the whole-post view is always read too.
MAX_WINDOWS = 24


def plain(text: str) -> str:
    """The text as a reader would say it: Markdown marks dropped, runs of spaces folded."""
    return _SPACES.sub(" ", _MARKDOWN.sub(" ", text)).strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(plain(text)) if s and s.strip()]


def _clip(text: str) -> str:
    words = text.split()
    return " ".join(words[:MAX_WORDS]) if len(words) > MAX_WORDS else text


def excerpt(unit: str, words: int) -> str:
    """The first ``words`` words of a unit, for quoting the sentence that made a check speak."""
    parts = unit.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def units(text: str) -> list[str]:
    """The pieces of ``text`` to embed: the whole post first, then windows of sentences if it is long."""
    parts = sentences(text)
    if not parts:
        return []
    whole = _clip(" ".join(parts))
    if len(parts) <= WHOLE_ONLY:
        return [whole]
    windows = [" ".join(parts[i:i + WINDOW]) for i in range(len(parts) - WINDOW + 1)]
    if len(windows) > MAX_WINDOWS:
        step = len(windows) / MAX_WINDOWS
        windows = [windows[int(i * step)] for i in range(MAX_WINDOWS)]
    seen: dict[str, None] = {whole: None}
    for window in windows:
        seen.setdefault(_clip(window), None)
    return list(seen)
