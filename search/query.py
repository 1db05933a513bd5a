"""What a person typed, turned into a query each engine understands, without ever passing their syntax on.

People type anything: quotes that never close, `*`, `NEAR(`, `OR OR`, ten thousand characters,
emoji. We never hand that text to FTS5 or to_tsquery as syntax (an unbalanced quote is an FTS5
syntax error, i.e. a 500). Instead we read a small, forgiving language ourselves:

- words, each matched with stemming ("panicking" finds "panic");
- "a phrase" in double quotes (an unclosed quote runs to the end);
- `-word` or `-"a phrase"` to leave out posts that contain it;
- `or` between two words or phrases, for either.

Words are split the way FTS5's unicode61 tokenizer splits them (letters and digits; everything
else separates), so "self-harm" or "don't" become phrases, as they would be in the index.
Each engine then gets its query built from these pieces: quoted FTS5 strings, tsqueries from
websearch_to_tsquery combined with tsquery_and/or/not, or plain words for Meilisearch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The first 200 characters carry any real question; the rest only costs time.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_PHRASE_WORDS = 8

WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# English adds a k after -ic before -ing/-ed/-er/-y (panic, panicking, panicked, panicky), and
# the Porter stemmer (FTS5's and PostgreSQL's) keeps it: "panick" and "panic" never meet. We
# search for both forms, so "panicking" finds "panic" and the other way round.
_IC_K = re.compile(r"(\w{2,}ic)k(?:ing|ed|er|ers|y|s)")
_IC = re.compile(r"\w{2,}ic")


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several in order."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class ParsedQuery:
    # Every group must match; within a group any one term may (the `or`s).
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: searching would be all exclusions, or nothing at all."""
        return not self.groups

    @property
    def words(self) -> list[str]:
        return [w for group in self.groups for term in group for w in term.words]


def words_of(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def parse(text: str | None) -> ParsedQuery:
    text = (text or "")[:MAX_QUERY_CHARS]
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    count = 0
    for match in TOKEN.finditer(text):
        minus, phrase, bare = match.groups()
        if phrase is not None:
            negate, words = bool(minus), words_of(phrase)
        elif bare.lower() == "or":
            join_next = bool(groups)
            continue
        else:
            negate = bare.startswith("-") and len(bare) > 1
            words = words_of(bare)
        if not words:
            continue
        term = Term(tuple(words[:MAX_PHRASE_WORDS]))
        count += 1
        if count > MAX_TERMS:
            break
        if negate:
            excluded.append(term)
        elif join_next and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return ParsedQuery(tuple(tuple(dict.fromkeys(g)) for g in groups), tuple(dict.fromkeys(excluded)))


def variants(word: str) -> tuple[str, ...]:
    """The word, plus its -ic/-ick twin when it has one (see _IC_K)."""
    if m := _IC_K.fullmatch(word):
        return (word, m.group(1))
    if _IC.fullmatch(word) and len(word) > 3:
        return (word, word + "k")
    return (word,)


def alternatives(term: Term) -> tuple[str, ...]:
    """The texts that count as a match for a term: a phrase as it is, a word with its twins."""
    return (term.text,) if term.is_phrase else variants(term.words[0])


# --- SQLite FTS5 ------------------------------------------------------------------------------

def _fts5_term(term: Term) -> str:
    # Inside an FTS5 string only `"` is special, and our words are letters and digits only.
    options = [f'"{text}"' for text in alternatives(term)]
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def to_fts5(parsed: ParsedQuery) -> str | None:
    """An FTS5 MATCH expression, or None when there's nothing to look for."""
    if parsed.is_empty:
        return None
    groups = []
    for group in parsed.groups:
        parts = [_fts5_term(t) for t in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    expression = " AND ".join(groups)
    if parsed.excluded:
        expression = f"({expression})" + "".join(f" NOT {_fts5_term(t)}" for t in parsed.excluded)
    return expression


# --- PostgreSQL ---------------------------------------------------------------------------------

def websearch_pieces(parsed: ParsedQuery) -> tuple[list[list[list[str]]], list[list[str]]]:
    """Quoted pieces for websearch_to_tsquery: groups -> terms -> alternatives, and exclusions.

    websearch_to_tsquery's own `or` binds looser than the implicit AND ("a b or c d" is
    (a & b) | (c & d)), so the SQL backend turns each piece into a tsquery and combines them
    with tsquery_and / tsquery_or / tsquery_not instead of writing one string.
    """
    groups = [[[f'"{text}"' for text in alternatives(t)] for t in group] for group in parsed.groups]
    excluded = [[f'"{text}"' for text in alternatives(t)] for t in parsed.excluded]
    return groups, excluded


# --- Meilisearch and the light stemmer its index uses -----------------------------------------

_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s")


def light_stem(word: str) -> str:
    """A small English stemmer for Meilisearch, which has none of its own.

    It only needs to agree with itself: the same function reduces the words stored in the
    index's `stems` field and the words of a query, so "panicking", "panicked" and "panics"
    all meet at "panic".
    """
    word = word.lower()
    if m := _IC_K.fullmatch(word):
        return m.group(1)
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return stem + "y"
            if suffix in ("s",) and stem.endswith(("s", "u", "i")):
                return word  # "stress", "virus", "crisis": not plurals
            # "running" -> "runn" -> "run"
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    return word


def stems_of(text: str) -> str:
    """The distinct stems of a text, space-separated (the Meilisearch documents' `stems` field)."""
    return " ".join(dict.fromkeys(light_stem(w) for w in words_of(text)))


def to_meili(parsed: ParsedQuery) -> str:
    """Meilisearch query text: stemmed words, phrases in quotes, exclusions with a minus."""
    parts: list[str] = []
    for group in parsed.groups:
        for term in group:
            parts.append(f'"{term.text}"' if term.is_phrase else light_stem(term.words[0]))
    for term in parsed.excluded:
        parts.append(f'-"{term.text}"' if term.is_phrase else f"-{term.words[0]}")
    return " ".join(parts)


def has_alternatives(parsed: ParsedQuery) -> bool:
    return any(len(group) > 1 for group in parsed.groups)
