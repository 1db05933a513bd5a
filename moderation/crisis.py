"""Inline crisis-language check: spots a writer who may be in danger *now*.

The forum publishes the post regardless; a signal only makes it show crisis resources to the writer
and raise an urgent flag for moderators.  It runs at submission time, so it is curated regular
expressions, no model: well under a millisecond for a normal post.

How a post is read:

1. Normalise a copy: lower case, markdown punctuation and apostrophes dropped, a few spellings and
   contractions folded ("I'm" -> "im", "gonna" -> "going to", "kms" -> "kill myself", "sucide" ->
   "suicide").  When a signal is reported the copy is rebuilt with each character remembering where it
   came from, so ``matched`` quotes the writer's own words.
2. Search the copy with one rule list per category.  Each rule names substrings it cannot match without,
   so a plain-text ``in`` test skips almost every regex on an ordinary post.  A hit is dropped when it is
   negated ("I'm not going to kill myself"), sits inside a figure of speech ("killed myself laughing"),
   is about someone else ("my mum keeps saying she doesn't want to be here"), or its clause talks about
   the past or recovery ("two years ago", "used to", "no longer", "I'm so glad").  Clauses end at
   sentence punctuation and at pivots like "but" and "now", so "I used to want to die, now I'm glad" is
   recovery while "I used to be happy but now I want to die" still fires.
3. Combine weaker cues across the whole post: a plan or farewell ("tonight is the night", "said goodbye",
   "I've picked a date") next to the means or any other signal makes it intent; pills taken plus "too
   late" makes it in progress; a threat plus fear ("he's got a knife") makes it danger.

The most urgent category wins: in_progress > intent > danger > passive.  Passive ideation ("I don't
want to be here anymore") deliberately fires: it is reason enough to signpost help.  Erring towards a
signal is cheap here (a resources box, a moderator glance); missing one is not.  For the same reason a
trailing "lol" does not cancel anything: young people in real crisis often deflect that way.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

CrisisCategory = Literal["intent", "in_progress", "danger", "passive"]

# Most urgent first; detect_crisis returns the first category that has a hit.
URGENCY: tuple[CrisisCategory, ...] = ("in_progress", "intent", "danger", "passive")


@dataclass(frozen=True)
class CrisisSignal:
    """The most urgent category found and the phrases (as written) that triggered it."""

    category: CrisisCategory
    matched: tuple[str, ...]


# ==================================================================================================
# Normalisation
# ==================================================================================================

# Markdown punctuation, slashes and hyphens become spaces ("**kill myself**", "self-harm" -> "self harm");
# same length, so offsets are untouched.  Curly quotes become "'" and are then deleted with the rest.
_TRANSLATE = str.maketrans(
    {
        **{c: " " for c in "*_`~#>|[](){}\\-–—/\t\r\f\v"},
        **{c: "'" for c in "’‘ʼ´"},
    }
)
_SPACES = re.compile("  +")
# For finding which rewrite keys occur: every punctuation mark becomes a space, then str.split().
_PROBE = str.maketrans({c: " " for c in string.punctuation + "…“”«»¿¡\n"})

# One-word rewrites, applied after apostrophes are gone ("don't" is already "dont").  The misspellings
# are the ones people actually type; "unalive", "kms" and "sh" are what people use to slip past filters.
_WORDS: dict[str, str] = {
    "cannot": "cant",
    "gonna": "going to",
    "gunna": "going to",
    "imma": "im going to",
    "ima": "im going to",
    "wanna": "want to",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "rn": "right now",
    "every1": "everyone",
    "evry1": "everyone",
    "noone": "nobody",
    "no1": "nobody",
    "meself": "myself",
    "myslef": "myself",
    "mysefl": "myself",
    "mysef": "myself",
    "kil": "kill",
    "kll": "kill",
    "kms": "kill myself",
    "unalive": "kill",
    "unaliving": "killing",
    "selfharm": "self harm",
    "selfharming": "self harming",
    "sh": "self harm",  # forum shorthand for self-harm ("doing sh right now")
    "pils": "pills",
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "suicid": "suicide",
    "sucicide": "suicide",
    "suecide": "suicide",
    "suacide": "suicide",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "suisidal": "suicidal",
    "suicidial": "suicidal",
    "suicidle": "suicidal",
    "paracetemol": "paracetamol",
    "paracetomol": "paracetamol",
    "overdossed": "overdosed",
    "oded": "overdosed",
}
# Rewrite patterns start with the literal key, so ``re`` can use its fast literal search; the word
# boundary before the key is checked in _Rewrite instead (a leading \b would force a slow scan).
_WORD_SUBS: dict[str, re.Pattern[str]] = {k: re.compile(rf"{k}(?![a-z0-9])") for k in _WORDS}

# Two-word contractions fold to one spelling so the patterns need not list both.
_PHRASES: tuple[tuple[str, str, re.Pattern[str], str], ...] = tuple(
    (*key.split(" "), re.compile(rf"{key}(?![a-z0-9])"), value)
    for key, value in {
        "i am": "im",
        "i have": "ive",
        "i will": "ill",
        "i would": "id",
        "do not": "dont",
        "does not": "doesnt",
        "did not": "didnt",
        "can not": "cant",
        "will not": "wont",
        "would not": "wouldnt",
        "have not": "havent",
        "has not": "hasnt",
        "is not": "isnt",
        "any more": "anymore",
        "no one": "nobody",
        "my self": "myself",
    }.items()
)


@dataclass(frozen=True)
class _Rewrite:
    """Replace ``regex`` matches that start at a word boundary with ``value``."""

    regex: re.Pattern[str]
    value: str

    def __call__(self, m: re.Match[str]) -> str:
        start = m.start()
        if start and m.string[start - 1].isalnum():
            return m.group(0)
        return self.value


def _rewrites(text: str) -> tuple[list[_Rewrite], set[str]]:
    """The rewrites this text needs, in order, and the words of the rewritten text (a superset).

    Most posts need none, and a set lookup per key is far cheaper than running every rewrite pattern over
    the whole post.  The word set also gates the rules (see _Rule).
    """
    words = set(text.translate(_PROBE).split())
    # Singular forms too, so a gate word like "goodbye" also admits "goodbyes".
    words.update([w[:-1] for w in words if w.endswith("s")])
    if any(w.isdigit() for w in words):
        words.add("NUM")  # lets a gate ask for "any number" ("took 30 paracetamol")
    present = sorted(words & _WORDS.keys())
    plan = [_Rewrite(_WORD_SUBS[k], _WORDS[k]) for k in present]
    for k in present:
        words.update(_WORDS[k].split())
    for first, second, regex, value in _PHRASES:
        if first in words and second in words:
            plan.append(_Rewrite(regex, value))
            words.add(value)
    return plan, words


def _prepare(source: str) -> str:
    """Lower case, markdown punctuation to spaces, apostrophes dropped (length changes only at the end)."""
    return source.lower().translate(_TRANSLATE)


def _normalise(source: str) -> tuple[str, set[str]]:
    """The fast path: the normalised text and its words."""
    text = _SPACES.sub(" ", _prepare(source).replace("'", ""))
    plan, words = _rewrites(text)
    for rewrite in plan:
        text = rewrite.regex.sub(rewrite, text)
    return text, words


class _Tracked:
    """The same normalisation, slower, remembering each character's offset in the original."""

    def __init__(self, source: str) -> None:
        self.source = source
        lowered = source.lower()
        if len(lowered) == len(source):
            self.origin = list(range(len(source)))
        else:  # a few characters lower-case to two ("İ"); map each piece back to its source char
            pieces = [(ch.lower(), i) for i, ch in enumerate(source)]
            lowered = "".join(p for p, _ in pieces)
            self.origin = [i for p, i in pieces for _ in p]
        self.text = lowered.translate(_TRANSLATE)
        self._sub(re.compile("'"), lambda m: "")
        self._sub(_SPACES, lambda m: " ")
        for rewrite in _rewrites(self.text)[0]:
            self._sub(rewrite.regex, rewrite)

    def _sub(self, regex: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None:
        text, origin = self.text, self.origin
        out: list[str] = []
        out_origin: list[int] = []
        last = 0
        for m in regex.finditer(text):
            new = repl(m)
            if new == m.group(0):
                continue
            out.append(text[last : m.start()])
            out_origin.extend(origin[last : m.start()])
            out.append(new)
            # Spread the replacement over the replaced span so phrase ends stay inside it.
            out_origin.extend(origin[min(m.start() + i, m.end() - 1)] for i in range(len(new)))
            last = m.end()
        if out:
            out.append(text[last:])
            out_origin.extend(origin[last:])
            self.text = "".join(out)
            self.origin = out_origin

    def original(self, start: int, end: int) -> str:
        """The writer's own words for the normalised span [start, end)."""
        if start >= end:
            return ""
        return self.source[self.origin[start] : self.origin[end - 1] + 1].strip(" *_`~")


# ==================================================================================================
# Rules (all on normalised text: lower case, no apostrophes, "im", "ive", "dont", "going to")
# ==================================================================================================


@dataclass(frozen=True)
class _Rule:
    """A pattern plus a cheap gate: the words it cannot match without.

    ``needs`` and ``also`` are phrases; the rule runs only if every word of at least one ``needs`` phrase
    is in the post (and likewise for ``also``, when given).  Set lookups cost next to nothing, so on an
    ordinary post almost no regex runs.  tests/moderation/test_crisis_check.py checks that gating changes
    no result.
    """

    regex: re.Pattern[str]
    needs: tuple[frozenset[str], ...]
    also: tuple[frozenset[str], ...] = ()

    def could_match(self, words: set[str]) -> bool:
        return (not self.needs or any(n <= words for n in self.needs)) and (
            not self.also or any(n <= words for n in self.also)
        )


def _rule(pattern: str, *needs: str, also: Iterable[str] = ()) -> _Rule:
    def sets(phrases: Iterable[str]) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(p.split()) for p in phrases)

    return _Rule(re.compile(pattern), sets(needs), sets(also))


def _each(words: Iterable[str], tails: Iterable[str]) -> tuple[str, ...]:
    """Every "word tail" pair, for gates like ("kill me", "hurt me", ...)."""
    tails = tuple(tails)
    return tuple(f"{w} {t}" for w in words for t in tails)


# A future or plan lead-in.  No subject on purpose: "going to jump" after "shes" is caught by the
# someone-else check; after "im" it stands.
_FUT = (
    r"(?:going to|about to|planning (?:to|on)|plan to|ready to|decided to|want to|need to|so i can"
    r"|ill|im|i will|tonight i|tempted to|easy to|could just|could easily)"
)
_FUT_NEEDS = (
    "going to",
    "about to",
    "planning",
    "plan to",
    "ready to",
    "decided",
    "want to",
    "need to",
    "so i can",
    "ill ",
    "im ",
    "i will",
    "tonight i",
    "tempted",
    "easy",
    "could",
)
_PILLS = (
    r"(?:pills?|tablets?|meds|medication|medicine|paracetamol|ibuprofen|aspirin|antidepressants|painkillers"
    r"|sleeping pills|insulin|co codamol|codeine|sertraline|tramadol)"
)
_PILL_NEEDS = (
    "pill",
    "pills",
    "tablet",
    "tablets",
    "meds",
    "medication",
    "medicine",
    "paracetamol",
    "ibuprofen",
    "aspirin",
    "antidepressants",
    "painkillers",
    "insulin",
    "codamol",
    "codeine",
    "sertraline",
    "tramadol",
)
_QUANTITY = (
    r"(?:all|every (?:single )?one|every(?: single)?|everything|(?:the|my) (?:whole|entire|rest)|most|half|"
    r"(?:half |most of )?(?:a|the|my) (?:whole |full |half |new |big |huge |massive )?(?:load|lot|bunch|handful|"
    r"packet|pack|box|bottle|strip|heap|tub|jar|blister|sheet)s?|two (?:packets|packs|boxes|bottles|strips)|"
    r"loads|lots|\d+|ten|twenty|thirty|forty|fifty|a hundred)"
)
# Gate words for _QUANTITY ("NUM" stands for any number; see _rewrites).
_QUANTITY_WORDS = (
    "all",
    "every",
    "everything",
    "whole",
    "entire",
    "rest",
    "most",
    "half",
    "load",
    "lot",
    "bunch",
    "handful",
    "packet",
    "pack",
    "box",
    "bottle",
    "strip",
    "heap",
    "tub",
    "jar",
    "blister",
    "sheet",
    "boxes",
    "loads",
    "lots",
    "NUM",
    "ten",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
)
_OTHER_SELF = r"(?:himself|herself|themselves|themself)"
_LIMB = r"(?:arms?|legs?|wrists?|thighs?|skin|stomach)"
_RELATION = (
    r"(?:friend|mate|bestie|mum|mom|mother|dad|father|brother|sister|son|daughter|partner|husband|wife|"
    r"boyfriend|girlfriend|bf|gf|cousin|flatmate|roommate|housemate|uncle|aunt|nan|gran|grandma|grandad|"
    r"grandpa|niece|nephew|colleague|kid|child|ex|neighbour|neighbor)s?"
)

# ---- in_progress: the act is happening or has just happened ---------------------------------------
_IN_PROGRESS: tuple[_Rule, ...] = (
    # Overdose taken.  "overdosed on chocolate" is removed as a figure of speech.
    _rule(r"\b(?:taken|took|swallowed|downed|necked|had) (?:an? )?overdose\b", "overdose"),
    _rule(r"\b(?:i|ive|just|already) (?:just |already )?(?:overdosed|odd)\b", "overdosed", "odd"),
    # A quantity of medication swallowed.  "I took my meds this morning" has no quantity, so stays quiet.
    _rule(
        rf"\b(?:taken|took|swallowed|downed|necked) {_QUANTITY}\b[^.!?\n]{{0,40}}?\b(?:{_PILLS}|in (?:the|my) "
        r"(?:medicine |bathroom |kitchen )?(?:cabinet|cupboard|drawer)|prescription|supply|stash)",
        "taken",
        "took",
        "swallowed",
        "downed",
        "necked",
        also=(*_QUANTITY_WORDS, "prescription", "supply", "stash"),
    ),
    _rule(r"\b(?:taken|took|swallowed|downed) (?:them|it) all\b", "them all", "it all"),
    _rule(rf"\b{_PILLS} (?:are |is )?in (?:me|my system)\b", "in me", "in my system", also=_PILL_NEEDS),
    # Self-harm in progress.  "cutting" needs a self-harm continuation, so "cutting back on sugar" and
    # "cutting my hair" stay quiet.
    _rule(
        rf"\bim (?:\w+ ){{0,6}}?cutting(?= *(?:$|[.,!?\n]| (?:myself|my {_LIMB}|again|right now|now|deep|"
        r"and (?:i )?cant stop)))",
        "cutting",
    ),
    _rule(
        r"\bim (?:\w+ )?(?:self harming|burning myself|hurting myself|harming myself)\b",
        "self harming",
        "burning myself",
        "hurting myself",
        "harming myself",
    ),
    # The bare participle is the act itself: "cutting my arms right now".  "I want to stop cutting myself"
    # is caught by the negation check and "used to" by the past check.
    _rule(
        rf"\b(?:cutting|burning|hurting|harming) (?:myself|my {_LIMB})\b",
        *_each(("cutting", "burning", "hurting", "harming"), ("myself", "my")),
    ),
    _rule(r"\b(?:doing|done) self harm (?:right now|now|again)\b", "self harm"),
    _rule(
        r"\b(?:ive|i) just (?:cut|hurt|burned|burnt|harmed) (?:myself|my (?:arms?|legs?|wrists?|thighs?))\b",
        *_each(("just",), ("cut", "hurt", "burned", "burnt", "harmed")),
    ),
    # Recent self-harm counts as in progress: the person needs first aid and support now.
    _rule(
        r"\b(?:cut|hurt|burned|burnt|harmed) myself (?:again|(?:really |too |so )?(?:deep|badly|bad)|tonight"
        r"|right now|last night|this morning|today|earlier)\b",
        *_each(("cut", "hurt", "burned", "burnt", "harmed"), ("myself",)),
    ),
    _rule(
        r"\b(?:been|started|start|keep|am|im) (?:self harming|cutting|hurting myself|burning myself) again\b", "again"
    ),
    _rule(
        r"\bself harmed (?:again|tonight|last night|this morning|today|earlier)\b|\brelapsed (?:and|with) "
        r"(?:cut|self harm|hurt myself|burned)",
        "self harmed",
        "relapsed",
    ),
    _rule(r"\bcut (?:too|really|so) deep\b", "deep"),
    _rule(r"\b(?:wont|cant|doesnt|isnt|not) stop(?:ping)? bleeding\b", "bleeding"),
    _rule(r"\b(?:im|its|still) bleeding (?:a lot|loads|so much|heavily|badly|everywhere|through)\b", "bleeding"),
    _rule(r"\bblood everywhere\b", "blood everywhere"),
    # At a drop or on a line.  Bare "on the edge" is emotional, so the edge must belong to a place; a roof or
    # bridge is an ordinary place ("standing on the bridge watching the sunset") unless something says now.
    _rule(
        r"\b(?:im|currently|right now|sat|sitting|standing|stood)(?: \w+){0,2}? (?:on|at) (?:the )?(?:\w+ )?(?:ledge|"
        r"railings?|cliff edge|train tracks|tracks|railway line|edge of (?:the |a |my )?(?:\w+ )?(?:bridge|roof|"
        r"cliff|building|platform|balcony|car park|multi storey))\b",
        "ledge",
        "railing",
        "cliff",
        "tracks",
        "railway",
        "edge of",
    ),
    _rule(
        r"\b(?:currently|right now) (?:\w+ ){0,2}?(?:on|at) (?:the )?(?:\w+ )?(?:roof|rooftop|bridge)\b|"
        r"\b(?:im|sat|sitting|standing|stood)(?: \w+){0,2}? on (?:the )?(?:\w+ )?(?:roof|rooftop|bridge)\b"
        r"(?=[^.!?\n]{0,50}\b(?:right now|over the (?:side|edge)|looking down|jump|goodbye|not sure why|"
        r"dont know why))",
        "roof",
        "rooftop",
        "bridge",
    ),
    _rule(r"\b(?:legs|feet) over the (?:side|edge)\b", "over the side", "over the edge"),
    _rule(r"\bengine running\b[^.!?\n]{0,40}\bgarage\b|\bgarage\b[^.!?\n]{0,60}\bengine running\b", "engine running"),
    _rule(r"\b(?:rope|noose|belt|ligature) (?:is )?(?:around|round|on) my neck\b", "my neck"),
    _rule(
        r"\bhose(?:pipe)?\b[^.!?\n]{0,40}\b(?:car|exhaust)\b|\b(?:car|exhaust)\b[^.!?\n]{0,40}\bhose(?:pipe)?\b",
        "hose",
        "hosepipe",
    ),
    _rule(
        r"\b(?:i|ive) just (?:cut|self harmed|relapsed)(?= *(?:$|[.,!?\n]| and\b| again| tonight| deep))",
        *_each(("just",), ("cut", "self", "relapsed")),
    ),
    _rule(r"\bneed(?:s)? stitches\b", "stitches"),
)

# ---- intent: the writer says they mean to end their life --------------------------------------------
_INTENT: tuple[_Rule, ...] = (
    # Any first-person self-killing phrase that survives the negation, past and figure checks.  Active
    # ideation ("I think about killing myself every day") counts: it outranks passive.
    _rule(
        r"\b(?:kill|killing|off|offing|hang|hanging|drown|drowning|shoot|shooting|poison|poisoning|gas|"
        r"gassing|suffocate|suffocating) myself\b",
        *_each(("kill", "off", "hang", "drown", "shoot", "poison", "gas", "suffocate", "suffocating"), ("myself",)),
        "killing myself",
        "offing myself",
        "hanging myself",
        "drowning myself",
        "shooting myself",
        "poisoning myself",
        "gassing myself",
    ),
    _rule(
        r"\b(?:end|ending|take|taking) my (?:own )?life\b",
        *_each(("end", "ending", "take", "taking"), ("my life", "my own life")),
    ),
    _rule(r"\bcommit(?:ting)? suicide\b", "suicide"),
    # "planning my suicide", "my suicide" as the writer's own plan; "my suicide attempt" is history.
    _rule(
        r"\bmy (?:own )?(?:suicide|death)\b(?! (?:attempt|attempts|note from|risk))",
        "my suicide",
        "my death",
        also=("plan", "planning", "planned", "my suicide"),
    ),
    # Imminent self-harm with a lead-in.
    _rule(
        r"\b(?:about to|going to|need to|ready to) (?:\w+ )?(?:hurt|cut|harm|burn) myself\b",
        *_each(("hurt", "cut", "harm", "burn"), ("myself",)),
        also=("about", "going", "need", "ready"),
    ),
    # Present-tense suicidal feeling.  "I was suicidal" (past) is deliberately not here.
    _rule(
        r"\b(?:im|i feel|im feeling|feeling|ive been(?: feeling)?|been(?: feeling)?|i get|getting|im getting|"
        r"i keep (?:feeling|getting)) (?:so |really |very |extremely |quite |pretty |super |incredibly |"
        r"actively )?suicidal\b",
        "suicidal",
    ),
    # "end it" only with a lead-in; "end it with him" / "end things with her" is a break-up.
    _rule(
        rf"\b(?:{_FUT}|time to|its time to|thinking (?:about|of)|feel like|finally|just) (?:just |finally |going to )?"
        r"(?:end|ending) (?:it|things|everything|my suffering|the pain)\b(?! (?:with|between|off)\b)",
        *_each(("end", "ending"), ("it", "things", "everything", "my suffering", "the pain")),
    ),
    _rule(r"\bend(?:ing)? it all\b", "end it all", "ending it all"),
    # Thinking about a method is active ideation.
    _rule(
        r"\b(?:thinking|think|thought|thoughts) (?:about|of) (?:driving|crashing|jumping|stepping|walking|throwing"
        r" myself|overdosing|taking all|hanging|drowning|slitting)\b",
        *_each(
            ("about", "of"),
            (
                "driving",
                "crashing",
                "jumping",
                "stepping",
                "walking",
                "throwing",
                "overdosing",
                "taking",
                "hanging",
                "drowning",
                "slitting",
            ),
        ),
    ),
    # Clinical "can't keep myself safe" is how people often say it to a professional.
    _rule(r"\b(?:cant|dont think i can|not sure i can|unable to) (?:stay|keep myself|be) safe\b", "safe"),
    _rule(
        r"\b(?:dont think|not sure|doubt) (?:ill|im going to|i will) (?:be alive|be here|still be here|"
        r"still be alive|make it) (?:next|by|tomorrow|much longer|through|this time)",
        "think",
        "sure",
        "doubt",
    ),
    _rule(r"\b(?:use|turn) (?:it|them|this|that|the \w+) on myself\b", "on myself"),
    _rule(
        r"\b(?:ill|im going to) be dead (?:by (?:the )?(?:morning|tomorrow|tonight|weekend)|tomorrow|tonight|"
        r"soon)\b",
        "be dead",
    ),
    # A method with a lead-in.
    _rule(
        rf"\b{_FUT} (?:\w+ ){{0,3}}?(?:jump (?:off|from|in front of|under)|throw myself|step in front of|"
        r"walk (?:in front of|into (?:the )?(?:sea|traffic|river|lake|canal|water|ocean))|overdose|od\b|slit my|"
        r"cut my wrists|"
        r"drive (?:\w+ ){0,2}?(?:into|off)|crash my car)\b",
        "jump",
        "throw myself",
        "step in front",
        "walk in front",
        "walk into",
        "overdose",
        " od",
        "slit my",
        "wrists",
        "drive",
        "crash my car",
        also=_FUT_NEEDS,
    ),
    # "take all my tablets" needs the quantity: "take my tablets" is what people are meant to do.
    _rule(
        rf"\b{_FUT} (?:\w+ ){{0,3}}?(?:(?:take|swallow) {_QUANTITY} (?:of )?(?:my |the |those |these )?"
        rf"(?:{_PILLS})|(?:take|swallow) (?:them|it) all)\b",
        *_each(("take", "swallow"), (*_QUANTITY_WORDS, "them", "it")),
        also=_FUT_NEEDS,
    ),
    # A bare "I'll jump" at the end of a clause ("this time I'll jump"); "going to jump in the shower"
    # has a continuation and stays quiet.
    _rule(r"\b(?:ill|im going to|going to|about to) jump(?= *(?:$|[.,!?\n]| tonight| today| tomorrow| now))", "jump"),
    # Stockpiling is a plan in itself.
    _rule(
        rf"\b(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting) (?:up )?(?:my |the |some |enough )?"
        rf"{_PILLS}\b(?![^.!?\n]{{0,30}}\b(?:in case|for later|for emergencies)\b)",
        "saving",
        "saved",
        "stockpiling",
        "stockpiled",
        "hoarding",
        "hoarded",
        "collecting",
    ),
    _rule(rf"\b{_PILLS} saved up\b", "saved up"),
    # Unambiguous farewells.  "this is my last post" or "goodbye everyone" alone are not here (people
    # leave forums); they count as cues in the post-level rule.
    _rule(
        r"\b(?:suicide note|goodbye (?:notes?|letters?)|goodbye forever|this is goodbye)\b", "goodbye", "suicide note"
    ),
    _rule(r"\bby the time (?:you|anyone|someone|somebody) (?:reads?|sees?|finds?) this\b", "by the time"),
    _rule(r"\b(?:wont|will not) be (?:here|around|alive) (?:tomorrow|by (?:the )?morning|much longer)\b", "wont be"),
)

# ---- danger: the writer (or someone with them) is at risk from a person or situation right now -------
_DANGER: tuple[_Rule, ...] = (
    _rule(r"\b(?:im not|not feeling|dont feel|never feel) safe\b", "safe"),
    _rule(
        r"\b(?:scared|afraid|terrified|frightened|fear(?:ing)?) for my (?:life|safety)\b",
        "for my life",
        "for my safety",
    ),
    _rule(
        r"\b(?:trying to|is|are|keeps?) (?:break(?:ing)?|get(?:ting)?|kick(?:ing)?|smash(?:ing)?) (?:in(?:to)? |"
        r"down )?(?:my|the) (?:house|flat|home|room|door|window)\b",
        "break",
        "breaking",
        "get",
        "getting",
        "kick",
        "kicks",
        "kicking",
        "smash",
        "smashing",
        "keep",
        "keeps",
        also=("house", "flat", "home", "room", "door", "window"),
    ),
    _rule(
        r"\b(?:hes|shes|theyre|he|she|they|someone|somebody)(?: \w+)?(?: has| have)?(?: got)? (?:a|an|his|her|"
        r"their) (?:knife|gun|weapon|blade|axe|hammer)\b",
        "knife",
        "gun",
        "weapon",
        "blade",
        "axe",
        "hammer",
    ),
    _rule(
        r"\b(?:outside|at the door|in the house|downstairs|upstairs|coming|here) with an? (?:knife|gun|weapon|bat|"
        r"baseball bat|machete|axe|hammer|crowbar)\b",
        "knife",
        "gun",
        "weapon",
        "bat",
        "machete",
        "axe",
        "hammer",
        "crowbar",
    ),
    _rule(
        r"\b(?:strangled|choked|stabbed|attacked|assaulted|raped) me (?:tonight|today|just now|again|earlier)\b",
        *_each(("strangled", "choked", "stabbed", "attacked", "assaulted", "raped"), ("me",)),
    ),
    # Someone else about to die or having just tried.
    _rule(
        rf"\b(?:hes|shes|theyre|theyve|he|she|they) (?:\w+ )?(?:taken|took|swallowed) (?:an? )?(?:overdose|"
        rf"{_QUANTITY} (?:of )?(?:his |her |their )?{_PILLS})\b",
        "taken",
        "took",
        "swallowed",
        also=("overdose", *_PILL_NEEDS),
    ),
    _rule(
        r"\b(?:hes|shes|theyre) (?:\w+ )?(?:on|at) (?:the )?(?:bridge|roof|ledge|edge|tracks|train tracks)\b",
        "bridge",
        "roof",
        "ledge",
        "edge",
        "tracks",
    ),
    _rule(
        rf"\b(?:is|hes|shes|theyre|are) going to (?:kill {_OTHER_SELF}|jump\b|end (?:it|his life|her life|"
        r"their life))",
        *_each(("going to",), ("kill himself", "kill herself", "kill themselves", "kill themself", "jump", "end")),
    ),
)

# ---- passive: not wanting to be alive, without a plan ---------------------------------------------------
_PASSIVE: tuple[_Rule, ...] = (
    _rule(r"\b(?:want|wanting|wanted) to (?:die|be dead)\b", "to die", "to be dead"),
    _rule(r"\b(?:id|i) rather (?:be dead|die)\b", "rather"),
    _rule(r"\bwish (?:that )?(?:i|id) (?:was|were|could (?:just )?be|had) (?:dead|gone|never been born)\b", "wish"),
    _rule(r"\bwish (?:that )?id never been born\b", "wish"),
    _rule(r"\bwish (?:that )?i (?:wasnt|werent) (?:alive|here|born|around)\b", "wish"),
    _rule(
        r"\b(?:wish|wishing|hope|hoping|pray|praying) (?:that )?i (?:(?:would|could|will|might|just|would just|"
        r"could just) )?(?:die|disappear|stop existing|not wake up|sleep forever|go to sleep and never wake up|"
        r"get hit by)\b",
        "wish",
        "wishing",
        "hope",
        "hoping",
        "pray",
        "praying",
    ),
    _rule(r"\bdie in my sleep\b", "die in my sleep"),
    _rule(
        r"\bwish (?:that )?(?:i|id) (?:had )?(?:died|not survived|never woken up|been killed|never been born)\b", "wish"
    ),
    _rule(r"\b(?:want to|just want to|wish i could) (?:go to )?sleep forever\b", "sleep forever"),
    _rule(r"\b(?:isnt|not|no longer|never) worth (?:living|being alive|staying alive)\b", "worth"),
    _rule(r"\bcant (?:go on|carry on|keep going)(?= *(?:$|[.,!?\n]| anymore| like this| living))", "cant"),
    _rule(r"\bfeel like (?:dying|i want to die|i should die|i should be dead)\b", "feel like"),
    _rule(
        r"\b(?:wish|wishing|hope|hoping|pray|praying) (?:that )?i (?:just )?(?:dont|wont|wouldnt|never) "
        r"wake up\b",
        "wake up",
    ),
    _rule(r"\b(?:go|went|fall) to sleep and never wake up\b", "never wake up"),
    _rule(r"\bwant to (?:not|stop) (?:exist|existing|be here|be alive|wake up)\b", "want to not", "want to stop"),
    _rule(
        r"\b(?:easier|better|happier|simpler) (?:for (?:everyone|everybody|them|all of them|my \w+) )?(?:if i "
        r"(?:was|were|wasnt|werent) (?:dead|gone|around|here|alive)|without me)\b",
        "easier",
        "better",
        "happier",
        "simpler",
        also=("if", "without"),
    ),
    _rule(
        r"\bbetter off (?:not existing|not being here|not alive|"
        r"dead|without me|if i (?:was|were|wasnt|werent) (?:dead|gone|here|around|alive)|"
        r"if i died|with me (?:dead|gone))\b",
        "better off",
    ),
    _rule(r"\b(?:glad|happier|relieved) if i (?:was|were) (?:dead|gone)\b", "if i was", "if i were"),
    # The negation is part of the ideation here.  "live like this" / "live with my parents" are not.
    _rule(
        r"\b(?:dont|not|never) (?:think i |really |even )?want(?:ing)? to (?:be here|be alive|exist|be around|"
        r"wake up|keep living|"
        r"live(?! (?:like|with|in|there|here|near|at|on|alone|together|abroad))\b|go on(?= *(?:$|[.,!?\n]| "
        r"anymore| like this| living)))",
        *_each(("want to", "wanting to"), ("be ", "exist", "wake", "keep living", "live", "go on")),
    ),
    _rule(
        r"\b(?:(?:whats|what is) the|no) point (?:of|in) (?:me )?(?:living|being alive|going on|carrying on|"
        r"being here|existing|life|staying alive)\b",
        "point",
    ),
    _rule(
        r"\b(?:cant|dont) see (?:the|any) point (?:in|of) (?:going on|living|carrying on|being here|"
        r"being alive|life)\b",
        "point",
    ),
    _rule(
        r"\b(?:tired|sick|exhausted) of (?:being alive|living|life|existing)\b",
        *_each(("tired", "sick", "exhausted"), ("of",)),
    ),
    _rule(
        r"\bnobody (?:would|will|is going to) (?:even )?(?:notice|care|miss me)(?: \w+)? if i (?:died|"
        r"was gone|disappeared|wasnt here|killed myself|was dead)\b",
        "nobody",
    ),
    _rule(r"\bnobody (?:would|will) (?:even )?miss me\b", "nobody"),
    _rule(
        r"\bif i (?:died|was gone|disappeared|killed myself)\b[^.!?\n]{0,30}\bnobody (?:would|will) (?:even )?"
        r"(?:notice|care|miss me)",
        "nobody",
    ),
    _rule(r"\bdisappear (?:forever|for good|and never come back)\b", "disappear"),
    _rule(
        r"\bhit by a (?:bus|car|train|lorry|truck)\b[^.!?\n]{0,40}\b(?:wouldnt (?:mind|care)|relief|"
        r"be nice|be ok|wouldnt be so bad|be a blessing)\b",
        "hit by",
    ),
    _rule(r"\b(?:hope|wish) i (?:get|got) hit by a\b", "hit by"),
    _rule(
        r"\b(?:death|dying|being dead)\b[^.!?\n]{0,40}\b(?:relief|peaceful|escape)\b",
        "death",
        "dying",
        "dead",
        also=("relief", "peaceful", "escape"),
    ),
    _rule(r"\bsuicidal (?:thoughts|feelings|ideation)\b", "suicidal"),
    _rule(
        r"\b(?:no reason|nothing(?: left)?|nobody|no one) (?:for me )?to (?:live|be alive|stay alive|go on|"
        r"keep going)(?: for)?\b",
        "reason",
        "nothing",
        "nobody",
    ),
    _rule(r"\b(?:imagining|imagine|picturing|picture|planning|plan) my (?:own )?funeral\b", "funeral"),
    _rule(
        r"\bwant (?:it all|everything|my life|all of this|it|this) (?:all )?to (?:be over|end)\b",
        "want",
        also=("over", "end"),
    ),
    _rule(r"\b(?:deserve to die|dont deserve to (?:live|be alive|be here|exist))\b", "deserve"),
    # Self-harm urges: not in progress, but a reason to signpost.
    _rule(
        r"\b(?:want to|wanting to|urge to|urges to|desperate to|really want to) (?:hurt|cut|harm|burn) myself\b",
        *_each(("hurt", "cut", "harm", "burn"), ("myself",)),
    ),
    _rule(
        r"\b(?:thinking|think|thoughts) (?:about|of) (?:suicide|dying|death|ending it|not being here)\b",
        "suicide",
        "dying",
        "death",
        "ending it",
        "not being here",
    ),
)

_RULES: dict[CrisisCategory, tuple[_Rule, ...]] = {
    "in_progress": _IN_PROGRESS,
    "intent": _INTENT,
    "danger": _DANGER,
    "passive": _PASSIVE,
}

# ---- post-level cues: weak alone, strong together -----------------------------------------------------

# A plan, a time, or a farewell.  "tonight is the night" alone might be a date; with the pills in hand
# it is not.  Two different cues together ("tonight is the night", "said goodbye to my cat") also count.
_PLAN_CUES: tuple[_Rule, ...] = (
    _rule(r"\btonight is the night\b", "tonight is the night"),
    _rule(r"\b(?:its|it is) time\b", "its time", "it is time"),
    _rule(r"\bive (?:got )?(?:a plan|made a plan|made up my mind|decided)\b", "ive plan", "ive made", "ive decided"),
    _rule(
        r"\b(?:picked|chosen|set) (?:a|the) (?:date|day|time)\b",
        *_each(("picked", "chosen", "set"), ("date", "day", "time")),
    ),
    _rule(
        r"\b(?:going to|will|ill) (?:actually |finally |really |just )?do it\b|\b(?:do|doing) it tonight\b|"
        r"\bgoing to (?:make it happen|go through with it)\b",
        "do it",
        "make it happen",
        "go through with it",
    ),
    _rule(
        r"\bthis is (?:it|the end)\b|\bno turning back\b|\bdont (?:try to )?stop me\b|"
        r"\bknow what im going to do\b",
        "this is it",
        "this is the end",
        "turning back",
        "stop me",
        "know what im going to do",
    ),
    _rule(
        r"\b(?:said|saying|say|writing|wrote|written) (?:my )?goodbyes?\b|\bgoodbye(?: everyone| all| world)?\b",
        "goodbye",
    ),
    _rule(
        r"\b(?:wrote|writing|written|left) (?:a )?letters? (?:to|for) (?:everyone|all of you|my (?:family|kids|"
        rf"children|parents|{_RELATION}))|\bwhy i did (?:it|this)\b|\b(?:wrote|written|writing|left) "
        r"(?:a |my |the )?note\b",
        "letter",
        "note",
        "why i did",
    ),
    _rule(
        r"\b(?:this is )?my last post\b|\bthank you (?:all |everyone )?for everything\b|\bill be gone\b|"
        r"\bim done(?= *(?:$|[.,!?\n]))",
        "last post",
        "for everything",
        "ill be gone",
        "im done",
    ),
    _rule(
        r"\bmy last (?:night|day|week|weekend)(?: alive| on earth| here)?\b|\bi know (?:which|where|how|exactly)\b",
        "my last night",
        "my last day",
        "my last week",
        "my last weekend",
        "i know which",
        "i know where",
        "i know how",
        "i know exactly",
    ),
    _rule(
        r"\b(?:everything|it all|all) (?:is )?(?:ready|sorted|planned|prepared)\b",
        *_each(("everything", "all"), ("ready", "sorted", "planned", "prepared")),
    ),
)
_MEANS = _rule(
    rf"\b(?:the|my|some|enough|a|all the) (?:{_PILLS}|rope|noose|blade|razor|gun)\b(?! (?:my doctor|my gp|"
    r"prescribed|for my))|\b(?:bought|got|ive|have|found) (?:a|some) (?:rope|noose|razor blades?|blades?)\b|"
    rf"\b(?:bag|box|bottle|stash|handful|load|pile|packets?) of {_PILLS}\b",
    *_PILL_NEEDS,
    "rope",
    "noose",
    "blade",
    "blades",
    "razor",
    "gun",
)
# Pills taken without a quantity ("I've already taken the tablets") plus a sign that it was an act.
_TAKEN_WEAK = _rule(
    rf"\b(?:taken|took|swallowed|had) (?:the|my|some|a few|a lot of|lots of|loads of) {_PILLS}\b|\bive started\b",
    "ive started",
    "taken",
    "took",
    "swallowed",
    "had",
)
_TAKEN_CONTEXT = _rule(
    r"\b(?:too late|(?:starting to |its )?kick(?:ing)? in|dont want (?:help|to be saved)|waiting|goodbye|"
    r"(?:feel|feeling) (?:really |so |very )?(?:dizzy|sick|sleepy|weird|drowsy)|cant feel|no going back|"
    r"with (?:vodka|alcohol|wine|booze|whisky|beer)|in me now)\b",
)
# Threats and violence are everyday hyperbole ("my mum will kill me") unless fear or a weapon is present.
_THREAT = _rule(
    r"\b(?:says?|said|saying|threatening|threatened|threatens|screaming|shouting|told me)(?: that)? "
    r"(?:hes|shes|theyre|he|she|they|hell|shell|theyll|hed|shed|to)?(?: going to| will| would)? "
    r"?(?:kill|hurt|stab|shoot|strangle|beat) (?:me|us)\b|\bthreatening to (?:kill|hurt|stab|shoot) (?:me|us)\b|"
    r"\b(?:hitting|beating|strangling|choking|attacking|punching|kicking) (?:me|my \w+)\b|"
    r"\bbeing (?:followed|chased|stalked)\b|\b(?:strangled|choked|punched|hit|beat|attacked) me\b",
    *_each(("kill", "hurt", "stab", "shoot", "strangle", "beat"), ("me", "us")),
    *_each(("hitting", "beating", "strangling", "choking", "attacking", "punching", "kicking"), ("me", "my")),
    "being followed",
    "being chased",
    "being stalked",
    *_each(("strangled", "choked", "punched", "hit", "beat", "attacked"), ("me",)),
)
_FEAR = _rule(
    r"\b(?:knife|gun|weapon|scared|terrified|frightened|afraid|hiding|locked (?:myself )?in|locked in|"
    r"barricaded|not safe|police|999|911|112|breaking in|smashing|outside (?:the|my) (?:door|house|flat|"
    r"room)|right now|still in the house|still here|coming for me)\b",
)

# ==================================================================================================
# Exclusions
# ==================================================================================================

# Figures of speech that overlap a crisis pattern.  Most idioms ("this exam is killing me", "kill time",
# "dying to see it", "dead tired") never match a pattern in the first place, because the patterns want
# "myself"/"my life"/"want to die"; only the overlapping ones need listing.
_FIGURES = re.compile(
    "|".join(
        [
            # "I could kill myself for forgetting", "killing myself to finish this"; but "planning how to kill
            # myself for weeks" is not an idiom, so "for" needs a guilt-shaped continuation.
            r"\bkill(?:ing|ed)? myself (?:laughing|over\b|to (?:get|finish|make|meet|keep|hit)|at (?:work|"
            r"the gym)|trying|working|for (?:forgetting|not|being|saying|doing|that|this|it|letting|missing|"
            r"getting|making|eating|buying|losing|leaving|agreeing|believing|trusting|falling))",
            r"\bshoot(?:ing)? myself in the foot\b",
            r"\bcut(?:ting)? (?:myself|me) off\b",
            r"\b(?:want(?:ed)? to |could |going to )?die (?:of|from) (?:embarrassment|shame|boredom|"
            r"laughter|cringe|cuteness)\b",
            r"\bdie laughing\b",
            # "I'd rather die than go to that party" is hyperbole; "rather die than live like this" is not.
            r"\brather (?:die|be dead) than (?!(?:live|go on|keep|carry|wake|be here|face|spend another|feel))",
            r"\boverdosed on (?!(?:my |the |all |his |her |some )?" + _PILLS + r")\w+",
            r"\b(?:end|ending) (?:it|things) (?:with|between)\b",
        ]
    )
)

# Negation just before a hit: "im not going to kill myself", "i would never", "i no longer want to die".
# Only short, functional words may sit between the negation and the hit, so "i dont care anymore i want
# to die" is not read as a negation.  "stop"/"stopped" negate ("I stopped cutting myself"), but not after
# "cant": "I can't stop thinking about killing myself" is the opposite of a negation.
_NEGATION = re.compile(
    r"\b(?:not|never|dont|doesnt|didnt|wont|wouldnt|havent|hasnt|no longer|(?<!cant )(?<!couldnt )stop(?:ped)?)"
    r"(?: (?:ever|even|really|actually|going|to|want|planning|plan|trying|try|about|be|like|i|ill|would|"
    r"feel|feeling|thinking|think|wish|wishing|wanting|anymore|the|urge))* ?$"
)

_INTENSIFIER = re.compile(r" (?:more|so much|as much) (?:than|as)\b")

# Markers that put a clause in the past or in recovery.  Careful with "anymore": "I don't want to be here
# anymore" is passive ideation, so it is not a marker on its own; "not suicidal anymore" / "don't want to
# die anymore" are handled by the negation check instead.
_PAST_HARD = re.compile(
    r"\b(?:used to|(?:years?|months?|weeks?|decades?) (?:ago|back|since|later)|a while (?:ago|back)|"
    r"long time ago|back then|back in|at the time|in the past|when i was|as a (?:kid|child|teen|teenager|"
    r"student)|in my (?:teens|twenties|thirties|20s|30s|teen years|early|late)|during (?:uni|university|"
    r"college|school|secondary|high school|lockdown|my)|in (?:uni|university|college|school|secondary school|"
    r"high school|year \d+)|last (?:year|month|spring|summer|autumn|fall|winter|christmas)|in (?:19|20)\d\d|"
    r"since (?:19|20)\d\d|was (?:19|20)\d\d|previous attempts?|my (?:first|last|previous|second|"
    r"third) attempt|the last time|(?:was|got|been) (?:sectioned|hospitali[sz]ed|admitted)|at (?:the age of )?"
    r"1\d\b(?! *(?:am|pm|oclock|:))|aged? 1\d|i remember|my history of|survivor|no longer|"
    r"(?:im|so|really|and) (?:so |really )?(?:glad|grateful|thankful)|survived|recovery|recovered|recovering|"
    r"gets better|got better|getting better|doing (?:much |so |a lot )?better|where i (?:was|used to be)|"
    r"if youre|to anyone (?:who|whos|feeling)|at my lowest|\d+ (?:days|weeks|months|years) (?:clean|free)|"
    r"self harm free|clean (?:from|of) self harm|(?:dont|doesnt) (?:come|happen) as often)\b"
)
# Soft past markers yield to a recent-time marker: "I tried to kill myself last year" is past, "I tried
# to kill myself tonight" is not.
_PAST_SOFT = re.compile(r"\b(?:tried|attempted|attempt|was going to|had (?:a plan|planned)|thought about)\b")
_RECENT = re.compile(
    r"\b(?:tonight|today|right now|just|this (?:morning|evening|afternoon)|last night|earlier|again|"
    r"an? (?:few )?(?:hour|minutes?|mins?)|\d+ (?:mins?|minutes|hours?|hrs?) ago)\b"
)
# A clause ends at sentence punctuation or a pivot: a past marker before "but"/"now" does not reach past it.
_SENTENCE_ENDS = ".!?;\n"
_PIVOT = re.compile(r"\b(?:but|now|nowadays|these days|today|whereas)\b")

# Whose words are these?  A hit with no first-person word in it ("want to die", "going to jump") is
# dropped when the nearest subject before it in its clause is someone else.
_FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|ill|me|my|myself|mine)\b")
_SUBJECT = re.compile(
    r"\b(?P<first>i|im|ive|id|ill)\b|\b(?P<other>he|she|they|hes|shes|theyre|theyve|you|youre|youve|u|"
    rf"someone|somebody|people|(?:my|our|his|her|their|a) {_RELATION}|character|anyone(?! else)|everyone)\b"
)


# ==================================================================================================
# Detection
# ==================================================================================================


class _Post:
    """One post's normalised text plus the per-hit checks."""

    def __init__(self, text: str, *, gated: bool = True) -> None:
        self.source = text
        self.text, self.words = _normalise(text)
        self.gated = gated

    def _clause(self, pos: int) -> tuple[int, int]:
        """The clause around ``pos``: sentence punctuation first, then pivots inside the sentence."""
        t = self.text
        start = max(t.rfind(c, 0, pos) for c in _SENTENCE_ENDS) + 1
        ends = [i for i in (t.find(c, pos) for c in _SENTENCE_ENDS) if i >= 0]
        end = min(ends) if ends else len(t)
        for m in _PIVOT.finditer(t, start, end):
            if m.start() <= pos:
                start = m.start()
            else:
                end = m.start()
                break
        return start, end

    def _accepted(self, m: re.Match[str], someone_else_ok: bool) -> bool:
        """Apply the figure, negation, past/recovery and someone-else checks to one hit."""
        t = self.text
        start, end = m.span()
        c_start, c_end = self._clause(start)
        s_start = max(t.rfind(c, 0, start) for c in _SENTENCE_ENDS) + 1
        s_end = min([i for i in (t.find(c, end) for c in _SENTENCE_ENDS) if i >= 0] or [len(t)])
        for f in _FIGURES.finditer(t, s_start, s_end):
            if f.start() < end and start < f.end():
                return False
        prefix = t[c_start:start]
        # Only the stretch after the last comma can negate: "i dont care, i want to die" is not negated.
        # "I've never wanted to die more than I do now" is an intensifier, not a negation.
        if _NEGATION.search(prefix.rsplit(",", 1)[-1]) and not _INTENSIFIER.match(t, end):
            return False
        clause = t[c_start:c_end]
        if _PAST_HARD.search(clause):
            return False
        if _PAST_SOFT.search(clause) and not _RECENT.search(clause):
            return False
        if not someone_else_ok and not _FIRST_PERSON.search(m.group(0)):
            subjects = list(_SUBJECT.finditer(prefix))
            if subjects and subjects[-1].group("other"):
                return False
        return True

    def hits(self, rule: _Rule, *, someone_else_ok: bool = False) -> list[re.Match[str]]:
        """Accepted matches of ``rule``; overlapping starts are tried so a rejected hit hides nothing."""
        if self.gated and not rule.could_match(self.words):
            return []
        found: list[re.Match[str]] = []
        pos = 0
        while (m := rule.regex.search(self.text, pos)) is not None:
            if self._accepted(m, someone_else_ok):
                found.append(m)
            pos = m.start() + 1
        return found

    def phrases(self, matches: Iterable[re.Match[str]]) -> tuple[str, ...]:
        """The writer's own words for each match, in order, without repeats."""
        tracked = _Tracked(self.source)
        seen: dict[str, None] = {}
        for m in sorted(matches, key=lambda m: m.start()):
            phrase = tracked.original(*m.span())
            if phrase:
                seen.setdefault(phrase, None)
        return tuple(seen)


def _all_hits(post: _Post, rules: Iterable[_Rule], someone_else_ok: bool) -> Iterator[re.Match[str]]:
    for rule in rules:
        yield from post.hits(rule, someone_else_ok=someone_else_ok)


def _detect(text: str, *, gated: bool = True) -> CrisisSignal | None:
    post = _Post(text, gated=gated)
    found: dict[CrisisCategory, list[re.Match[str]]] = {}
    for category, rules in _RULES.items():
        hits = list(_all_hits(post, rules, someone_else_ok=(category == "danger")))
        if hits:
            found[category] = hits

    # Post-level combinations.
    plan = list(_all_hits(post, _PLAN_CUES, someone_else_ok=False))
    if plan:
        means = post.hits(_MEANS)
        if means or "intent" in found or "passive" in found or len({m.group(0) for m in plan}) >= 2:
            found.setdefault("intent", []).extend(plan + means)
    taken = post.hits(_TAKEN_WEAK)
    if taken and (context := post.hits(_TAKEN_CONTEXT)):
        found.setdefault("in_progress", []).extend(taken + context)
    threats = post.hits(_THREAT, someone_else_ok=True)
    if threats and (fear := post.hits(_FEAR, someone_else_ok=True)):
        found.setdefault("danger", []).extend(threats + fear)

    for category in URGENCY:
        if category in found:
            return CrisisSignal(category=category, matched=post.phrases(found[category]))
    return None


def detect_crisis(text: str) -> CrisisSignal | None:
    """Return the most urgent crisis signal in ``text`` (markdown allowed, read as plain text), or None."""
    if not text:
        return None
    return _detect(text)


class CrisisCheck:
    """The inline check the app registers; the forum core calls ``check`` on every submission."""

    name = "crisis"

    def check(self, text: str) -> CrisisSignal | None:
        """Delegate to :func:`detect_crisis`."""
        return detect_crisis(text)
