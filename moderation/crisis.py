"""Inline crisis-language check: spots a writer who may be in danger *now*.

The forum publishes the post regardless; a signal only makes it show crisis resources to the writer
and raise an urgent flag for moderators.  It runs at submission time, so it is curated regular
expressions, no model: well under a millisecond for a normal post.

How a post is read:

1. Normalise a copy (lower case, markdown and apostrophes dropped, a few spellings and contractions
   folded: "I'm" -> "im", "gonna" -> "going to", "kms" -> "kill myself", "sucide" -> "suicide").  Each
   character of the copy remembers where it came from, so ``matched`` quotes the writer's own words.
2. Search the copy with one pattern list per category.  A hit is dropped when it is negated ("I'm not
   going to kill myself"), sits inside a figure of speech ("killed myself laughing"), is about someone
   else ("my mum keeps saying she doesn't want to be here"), or its clause talks about the past or
   recovery ("two years ago", "used to", "no longer", "I'm so glad").  Clauses end at sentence
   punctuation and at pivots like "but" and "now", so "I used to want to die, now I'm glad" is recovery
   while "I used to be happy but now I want to die" still fires.
3. Combine weaker cues across the whole post: a plan or farewell ("tonight is the night", "said goodbye",
   "I've picked a date") next to the means or any other signal makes it intent; pills taken plus "too
   late" makes it in progress; a threat plus fear ("he's got a knife") makes it danger.

The most urgent category wins: in_progress > intent > danger > passive.  Passive ideation ("I don't
want to be here anymore") deliberately fires: it is reason enough to signpost help.  Erring towards a
signal is cheap here (a resources box, a moderator glance); missing one is not.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

CrisisCategory = Literal["intent", "in_progress", "danger", "passive"]

# Most urgent first; detect_crisis returns the first category that has a hit.
_URGENCY: tuple[CrisisCategory, ...] = ("in_progress", "intent", "danger", "passive")


@dataclass(frozen=True)
class CrisisSignal:
    """The most urgent category found and the phrases (as written) that triggered it."""

    category: CrisisCategory
    matched: tuple[str, ...]


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

# Markdown punctuation and hyphens become spaces ("**kill myself**", "self-harm" -> "self harm");
# same length, so offsets are untouched.  Curly quotes become "'" and are then deleted with the rest.
_TRANSLATE = str.maketrans(
    {
        **{c: " " for c in "*_`~#>|[](){}\\-–—/"},
        **{c: "'" for c in "’‘ʼ´"},
    }
)

# Word-level rewrites, applied after apostrophes are gone ("don't" is already "dont").  Contractions
# fold to one spelling so the patterns need not list both; the misspellings are the ones people
# actually type, plus the euphemisms used to slip past filters ("unalive", "kms", "sh").
_REWRITES: dict[str, str] = {
    "i am": "im",
    "i have": "ive",
    "i will": "ill",
    "i would": "id",
    "do not": "dont",
    "does not": "doesnt",
    "did not": "didnt",
    "cannot": "cant",
    "can not": "cant",
    "will not": "wont",
    "would not": "wouldnt",
    "have not": "havent",
    "has not": "hasnt",
    "is not": "isnt",
    "gonna": "going to",
    "gunna": "going to",
    "imma": "im going to",
    "ima": "im going to",
    "wanna": "want to",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "rn": "right now",
    "any more": "anymore",
    "every1": "everyone",
    "evry1": "everyone",
    "no one": "nobody",
    "noone": "nobody",
    "no1": "nobody",
    "my self": "myself",
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
_REWRITE_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(_REWRITES, key=len, reverse=True)) + r")\b"
)


class _Text:
    """A normalised copy of a post that remembers, per character, its offset in the original."""

    __slots__ = ("origin", "source", "text")

    def __init__(self, source: str) -> None:
        self.source = source
        lowered = source.lower()
        if len(lowered) == len(source):
            self.origin = list(range(len(source)))
        else:  # a few characters lower-case to two ("İ"); map each piece back to its source char
            parts = [(ch.lower(), i) for i, ch in enumerate(source)]
            lowered = "".join(p for p, _ in parts)
            self.origin = [i for p, i in parts for _ in p]
        self.text = lowered.translate(_TRANSLATE)
        self._sub(re.compile(r"'"), lambda m: "")
        self._sub(re.compile(r"[ \t\r\f\v]{2,}"), lambda m: " ")
        self._sub(_REWRITE_RE, lambda m: _REWRITES[m.group(0)])

    def _sub(self, regex: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None:
        """re.sub that keeps ``origin`` in step with ``text``."""
        text, origin = self.text, self.origin
        out: list[str] = []
        out_origin: list[int] = []
        last = 0
        for m in regex.finditer(text):
            new = repl(m)
            out.append(text[last : m.start()])
            out_origin.extend(origin[last : m.start()])
            out.append(new)
            # Spread the replacement over the replaced span so a phrase boundary stays inside it.
            out_origin.extend(origin[min(m.start() + i, m.end() - 1)] for i in range(len(new)))
            last = m.end()
        if not out:
            return
        out.append(text[last:])
        out_origin.extend(origin[last:])
        self.text = "".join(out)
        self.origin = out_origin

    def original(self, start: int, end: int) -> str:
        """The writer's own words for the normalised span [start, end)."""
        if start >= end:
            return ""
        return self.source[self.origin[start] : self.origin[end - 1] + 1].strip(" *_`~")


# --------------------------------------------------------------------------------------------------
# Pattern building blocks (all on normalised text: lower case, no apostrophes)
# --------------------------------------------------------------------------------------------------

# A future/plan lead-in.  No subject on purpose: "going to jump" after "shes" is caught by the
# someone-else check, after "im" it stands.
_FUT = (
    r"(?:going to|about to|planning (?:to|on)|plan to|ready to|decided to|want to|need to|so i can"
    r"|ill|im|i will|tonight i)"
)
_PILLS = (
    r"(?:pills?|tablets?|meds|medication|medicine|paracetamol|ibuprofen|aspirin|antidepressants|painkillers"
    r"|sleeping pills|insulin|co codamol|codeine|sertraline|tramadol)"
)
_QUANTITY = (
    r"(?:all|every (?:single )?one|every(?: single)?|everything|the (?:whole|entire|rest)|a (?:whole |full )?(?:load|lot|bunch|handful|"
    r"packet|pack|box|bottle|strip|heap)|loads|lots|\d+|twenty|thirty|forty|fifty|a hundred)"
)
_OTHER_SELF = r"(?:himself|herself|themselves|themself)"


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# ---- in_progress: the act is happening or has just happened ---------------------------------------
_IN_PROGRESS = _compile(
    [
        # Overdose taken.  "overdosed on chocolate" is removed as a figure of speech below.
        r"\b(?:taken|took|swallowed|downed|necked|had) (?:an? )?overdose\b",
        r"\b(?:i|ive|just|already) (?:just |already )?(?:overdosed|odd)\b",
        # A quantity of medication swallowed.  "I took my meds this morning" has no quantity, so stays quiet.
        rf"\b(?:taken|took|swallowed|downed|necked) {_QUANTITY}\b[^.!?\n]{{0,40}}?\b(?:{_PILLS}|in the "
        r"(?:medicine |bathroom )?(?:cabinet|cupboard)|my prescription)",
        r"\b(?:taken|took|swallowed|downed) (?:them|it) all\b",
        rf"\b{_PILLS} (?:are |is )?in (?:me|my system)\b",
        # Self-harm in progress.  "cutting" only with a self-harm continuation, so "cutting back on sugar"
        # and "cutting my hair" stay quiet.
        r"\bim (?:\w+ ){0,6}?cutting(?= *(?:$|[.,!?\n]| (?:myself|my (?:arms?|legs?|wrists?|thighs?|skin|"
        r"stomach)|again|right now|now|deep|and (?:i )?cant stop)))",
        r"\bim (?:\w+ )?(?:self harming|burning myself|hurting myself|harming myself)\b",
        # The bare participle is the act itself: "cutting my arms right now".  "I want to stop cutting
        # myself" is caught by the negation check, "used to" by the past check.
        r"\b(?:cutting|burning|hurting|harming) (?:myself|my (?:arms?|legs?|wrists?|thighs?|skin|stomach))\b",
        r"\b(?:doing|done) self harm (?:right now|now|again)\b",
        r"\b(?:ive|i) just (?:cut|hurt|burned|burnt|harmed) (?:myself|my (?:arms?|legs?|wrists?|thighs?))\b",
        r"\b(?:cut|hurt|burned|burnt|harmed) myself (?:again|(?:really |too |so )?(?:deep|badly|bad)|tonight"
        r"|right now)\b",
        r"\bcut (?:too|really|so) deep\b",
        r"\b(?:wont|cant|doesnt|isnt|not) stop(?:ping)? bleeding\b",
        r"\b(?:im|its|still) bleeding (?:a lot|loads|so much|heavily|badly|everywhere|through)\b",
        r"\bblood everywhere\b",
        # At a drop, on a line, or with a ligature.  Bare "on the edge" is emotional, so the edge must
        # belong to a place.
        r"\b(?:im|currently|right now|sat|sitting|standing|stood)(?: \w+){0,2}? (?:on|at) (?:the )?(?:ledge|"
        r"railings?|roof|rooftop|bridge|cliff edge|train tracks|tracks|railway line|edge of (?:the |a |my )?"
        r"(?:bridge|roof|cliff|building|platform|balcony|car park))\b",
        r"\bengine running\b[^.!?\n]{0,40}\bgarage\b|\bgarage\b[^.!?\n]{0,60}\bengine running\b",
        r"\b(?:rope|noose|belt|ligature) (?:is )?(?:around|round|on) my neck\b",
    ]
)

# ---- intent: the writer says they mean to end their life --------------------------------------------
_INTENT = _compile(
    [
        # Any first-person self-killing phrase that survives the negation, past and figure checks.
        r"\b(?:kill|killing|off|offing|hang|hanging|drown|drowning|shoot|shooting|poison|poisoning|gas|gassing"
        r"|suffocate|suffocating) myself\b",
        r"\b(?:end|ending|take|taking) my (?:own )?life\b",
        r"\bcommit(?:ting)? suicide\b",
        # Present-tense suicidal feeling.  "I was suicidal" (past) is deliberately not here.
        r"\b(?:im|i feel|im feeling|feeling|ive been feeling|been feeling|i get|getting|im getting) (?:so |really "
        r"|very |extremely |quite |pretty |super |incredibly |actively )?suicidal\b",
        # "end it" only with a lead-in; "end it with him" / "end things with her" is a break-up.
        rf"\b(?:{_FUT}|time to|its time to|thinking (?:about|of)|finally|just) (?:just |finally |going to )?"
        r"(?:end|ending) (?:it|things|everything|my suffering|the pain)\b(?! (?:with|between|off)\b)",
        r"\bend(?:ing)? it all\b",
        # A method with a future lead-in.  "take all my tablets" needs the quantity: "take my tablets" is
        # what people are meant to do.
        rf"\b{_FUT} (?:\w+ ){{0,3}}?(?:jump (?:off|from|in front of|under)|throw myself|step in front of|"
        r"walk (?:in front of|into (?:the sea|traffic))|overdose|od\b|slit my|cut my wrists|drive (?:\w+ ){0,2}?"
        rf"(?:into|off)|crash my car|(?:take|swallow) {_QUANTITY} (?:of )?(?:my |the |those |these )?"
        rf"(?:{_PILLS})|(?:take|swallow) (?:them|it) all)\b",
        # Stockpiling is a plan in itself.
        rf"\b(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting) (?:up )?(?:my |the |some )?"
        rf"{_PILLS}\b(?![^.!?\n]{{0,30}}\b(?:in case|for later|for emergencies)\b)",
        rf"\b{_PILLS} saved up\b",
        # Unambiguous farewells.  "this is my last post" or "goodbye everyone" alone are not here (people
        # leave forums); they count as cues in the post-level rule below.
        r"\b(?:suicide note|goodbye (?:notes?|letters?)|goodbye forever|this is goodbye)\b",
        r"\bby the time (?:you|anyone|someone|somebody) (?:reads?|sees?|finds?) this\b",
        r"\b(?:wont|will not) be (?:here|around|alive) (?:tomorrow|by (?:the )?morning|much longer)\b",
    ]
)

# ---- danger: the writer (or someone with them) is at risk from a person or situation right now -------
_DANGER = _compile(
    [
        r"\b(?:im not|not feeling|dont feel|never feel) safe\b",
        r"\b(?:scared|afraid|terrified|frightened|fear(?:ing)?) for my (?:life|safety)\b",
        r"\b(?:trying to|is|are|keeps?) (?:break(?:ing)?|get(?:ting)?|kick(?:ing)?|smash(?:ing)?) (?:in(?:to)? |"
        r"down )?(?:my|the) (?:house|flat|home|room|door|window)\b",
        r"\b(?:hes|shes|theyre|he|she|they|someone|somebody)(?: \w+)?(?: has| have)?(?: got)? (?:a|an|his|her|"
        r"their) (?:knife|gun|weapon|blade|axe|hammer)\b",
        r"\b(?:strangled|choked|stabbed|attacked|assaulted|raped) me (?:tonight|today|just now|again|earlier)\b",
        # Someone else about to die or having just tried.
        rf"\b(?:hes|shes|theyre|theyve|he|she|they) (?:\w+ )?(?:taken|took|swallowed) (?:an? )?(?:overdose|"
        rf"{_QUANTITY} (?:of )?(?:his |her |their )?{_PILLS})\b",
        r"\b(?:hes|shes|theyre) (?:\w+ )?(?:on|at) (?:the )?(?:bridge|roof|ledge|edge|tracks|train tracks)\b",
        rf"\b(?:is|hes|shes|theyre|are) going to (?:kill {_OTHER_SELF}|jump\b|end (?:it|his life|her life|"
        r"their life))",
    ]
)

# ---- passive: not wanting to be alive, without a plan ---------------------------------------------------
_PASSIVE = _compile(
    [
        r"\b(?:want|wanting|wanted) to (?:die|be dead)\b",
        r"\b(?:id|i) rather (?:be dead|die)\b",
        r"\bwish (?:that )?(?:i|id) (?:was|were|could (?:just )?be|had) (?:dead|gone|never been born)\b",
        r"\bwish (?:that )?id never been born\b",
        r"\bwish (?:that )?i (?:wasnt|werent) (?:alive|here|born|around)\b",
        r"\bbetter off dead\b",
        r"\bwish (?:that )?i could (?:just )?(?:die|disappear|stop existing|not wake up|sleep forever|"
        r"go to sleep and never wake up)\b",
        r"\b(?:wish|wishing|hope|hoping|pray|praying) (?:that )?i (?:just )?(?:dont|wont|wouldnt|never) wake up\b",
        r"\b(?:go|went|fall) to sleep and never wake up\b",
        r"\bbetter off (?:without me|if i (?:was|were|wasnt|werent) (?:dead|gone|here|around|alive)|if i died|"
        r"with me (?:dead|gone))\b",
        r"\b(?:glad|happier|relieved) if i (?:was|were) (?:dead|gone)\b",
        r"\b(?:dont|not|never) want(?:ing)? to (?:be here|be alive|exist|be around|wake up|keep living|"
        r"live(?! (?:like|with|in|there|here|near|at|on|alone|together|abroad))\b|go on(?= *(?:$|[.,!?\n]| "
        r"anymore| like this| living)))",
        r"\b(?:(?:whats|what is) the|no) point (?:of|in) (?:living|being alive|going on|carrying on|me being here|"
        r"existing|life)\b",
        r"\b(?:cant|dont) see (?:the|any) point (?:in|of) (?:going on|living|carrying on|being here|being alive|"
        r"life)\b",
        r"\b(?:tired|sick|exhausted) of (?:being alive|living|life|existing)\b",
        r"\b(?:nobody|no one|noone|nobody) (?:would|will|is going to) (?:even )?(?:notice|care|miss me)(?: \w+)?"
        r" if i (?:died|was gone|disappeared|wasnt here|killed myself|was dead)\b",
        r"\bnobody (?:would|will) (?:even )?miss me\b",
        r"\bdisappear (?:forever|for good|and never come back)\b",
        r"\bhit by a (?:bus|car|train|lorry|truck)\b[^.!?\n]{0,40}\b(?:wouldnt (?:mind|care)|relief|be nice|"
        r"be ok|wouldnt be so bad|be a blessing)\b",
        r"\b(?:hope|wish) i (?:get|got) hit by a\b",
        r"\b(?:death|dying|being dead)\b[^.!?\n]{0,40}\b(?:relief|peaceful|escape)\b",
        r"\bsuicidal (?:thoughts|feelings|ideation)\b",
        r"\b(?:thinking|think|thoughts) (?:about|of) (?:suicide|dying|death|ending it|not being here)\b",
        r"\bcant (?:do|take|go on with) (?:this|it|life) anymore\b(?=[^.!?\n]{0,40}\b(?:want|die|dead|end|gone|"
        r"here)\b)",
    ]
)

_PATTERNS: dict[CrisisCategory, re.Pattern[str]] = {
    "in_progress": _IN_PROGRESS,
    "intent": _INTENT,
    "danger": _DANGER,
    "passive": _PASSIVE,
}

# --------------------------------------------------------------------------------------------------
# Exclusions
# --------------------------------------------------------------------------------------------------

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
            r"\b(?:want(?:ed)? to |could |gonna |going to )?die (?:of|from) (?:embarrassment|shame|boredom|"
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
# to die" is not mistaken for a negation.
_NEGATION = re.compile(
    # "stop"/"stopped" negate ("I stopped cutting myself"), but not after "cant": "I can't stop thinking
    # about killing myself" is the opposite of a negation.
    r"\b(?:not|never|dont|doesnt|didnt|wont|wouldnt|havent|hasnt|no longer|(?<!cant )(?<!couldnt )stop(?:ped)?)"
    r"(?: (?:ever|even|really|actually|going|to|want|planning|plan|trying|try|about|be|like|i|ill|would|"
    r"feel|feeling|thinking|think|wish|wishing|wanting|gonna|anymore|the|urge))* ?$"
)

# Markers that put a clause in the past or in recovery.  Applied per clause (see _CLAUSE_PIVOT).
# Careful with "anymore": "I don't want to be here anymore" is passive ideation, so it is not a marker
# on its own; "not suicidal anymore" / "don't want to die anymore" are handled by the negation check.
_PAST_HARD = re.compile(
    r"\b(?:used to|(?:years?|months?|weeks?|decades?) (?:ago|back|since|later)|a while (?:ago|back)|"
    r"long time ago|back then|back in|at the time|in the past|when i was|as a (?:kid|child|teen|teenager|"
    r"student)|in my (?:teens|twenties|thirties|20s|30s|teen years|early|late)|during (?:uni|university|"
    r"college|school|secondary|high school|lockdown|my)|in (?:uni|university|college|school|secondary school|"
    r"high school|year \d+)|last (?:year|month|spring|summer|autumn|fall|winter|christmas)|in (?:19|20)\d\d|"
    r"since (?:19|20)\d\d|(?:was|in) (?:19|20)\d\d|previous attempts?|my (?:first|last|previous|second|"
    r"third) attempt|the last time|(?:was|got|been) (?:sectioned|hospitali[sz]ed|admitted)|at (?:the age of )?"
    r"1\d\b(?! *(?:am|pm|oclock|:))|aged? 1\d|i remember|my history of|survivor|no longer|"
    r"(?:im|so|really|and) (?:so |really )?(?:glad|grateful|thankful)|survived|recovery|recovered|recovering|"
    r"gets better|got better|getting better|doing (?:much |so |a lot )?better|where i (?:was|used to be)|"
    r"if youre|to anyone (?:who|whos|feeling)|at my lowest|\d+ (?:days|weeks|months|years) (?:clean|free)|"
    r"(?:self harm|sh) free|clean (?:from|of) self harm|(?:dont|doesnt) (?:come|happen) as often)"
)
# Soft past markers are overridden by a recent-time marker: "I tried to kill myself last year" is past,
# "I tried to kill myself tonight" is not.
_PAST_SOFT = re.compile(r"\b(?:tried|attempted|attempt|was going to|had (?:a plan|planned)|thought about)\b")
_RECENT = re.compile(
    r"\b(?:tonight|today|right now|just|this (?:morning|evening|afternoon)|last night|earlier|again|"
    r"an? (?:few )?(?:hour|minutes?|mins?)|\d+ (?:mins?|minutes|hours?|hrs?) ago)\b"
)
# Clause pivots: a past marker before "but"/"now" does not reach past it.
_CLAUSE_PIVOT = re.compile(r"[.!?;\n]+|\bbut\b|\bnow\b|\bnowadays\b|\bthese days\b|\btoday\b|\bwhereas\b")
_SENTENCE_END = re.compile(r"[.!?;\n]+")

# Whose words are these?  A hit without a first-person word in it ("want to die", "going to jump") is
# dropped when the nearest subject before it in the clause is someone else.
_FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|ill|me|my|myself|mine)\b")
_RELATION = (
    r"(?:friend|mate|bestie|mum|mom|mother|dad|father|brother|sister|son|daughter|partner|husband|wife|"
    r"boyfriend|girlfriend|bf|gf|cousin|flatmate|roommate|housemate|uncle|aunt|nan|gran|grandma|grandad|"
    r"grandpa|niece|nephew|colleague|kid|child|ex|neighbour|neighbor)s?"
)
_SUBJECT = re.compile(
    r"\b(?P<first>i|im|ive|id|ill)\b|\b(?P<other>he|she|they|hes|shes|theyre|theyve|you|youre|youve|u|"
    rf"someone|somebody|people|(?:my|our|his|her|their|a) {_RELATION}|character|anyone(?! else)|everyone)\b"
)

# --------------------------------------------------------------------------------------------------
# Post-level cues (weak alone, strong together)
# --------------------------------------------------------------------------------------------------

# A plan, a time, or a farewell.  "tonight is the night" alone might be a date; with the pills in hand
# it is not.
_PLAN_CUES = re.compile(
    r"\b(?:tonight is the night|(?:its|it is) time\b|ive (?:got )?(?:a plan|made a plan|made up my mind|"
    r"decided)|i have a plan|(?:picked|chosen|set) (?:a|the) (?:date|day|time)|(?:going to|will) do it"
    r"(?: tonight| today| tomorrow| this weekend| now|$)|(?:going to) (?:make it happen|go through with it)|"
    r"(?:do|doing) it tonight|this is (?:it|the end)|no turning back|dont (?:try to )?stop me|"
    r"know what im going to do|(?:said|saying|say) (?:my )?goodbyes?|(?:wrote|written|writing|left) (?:a |my |"
    r"the )?note\b|(?:this is )?my last post|thank you (?:all |everyone )?for everything|"
    r"goodbye(?: everyone| all| world)?|ill be gone)"
)
_MEANS = re.compile(
    rf"\b(?:the|my|some|enough|a|all the) (?:{_PILLS}|rope|noose|blade|razor|gun)\b(?! (?:my doctor|my gp|"
    r"prescribed|for my))|\b(?:bought|got|have|found) (?:a|some) (?:rope|noose|razor blades?|blades?)\b"
)
# Pills taken without a quantity ("I've already taken the tablets") plus a sign that it was an act.
_TAKEN_WEAK = re.compile(
    rf"\b(?:taken|took|swallowed|had) (?:the|my|some|a few|a lot of|lots of|loads of) {_PILLS}\b|"
    r"\bive started\b"
)
_TAKEN_CONTEXT = re.compile(
    r"\b(?:too late|(?:starting to |its )?kick(?:ing)? in|dont want (?:help|to be saved)|waiting|goodbye|"
    r"(?:feel|feeling) (?:dizzy|sick|sleepy|weird|drowsy)|cant feel|no going back|with (?:vodka|alcohol|"
    r"wine|booze|whisky|beer)|in me now)\b"
)
# Threats of violence are everyday hyperbole ("my mum will kill me") unless fear or a weapon is present.
_THREAT = re.compile(
    r"\b(?:says?|said|saying|threatening|threatened|threatens|screaming|shouting|told me)(?: that)? "
    r"(?:hes|shes|theyre|he|she|they|hell|shell|theyll|hed|shed|to)?(?: going to| will| would)? "
    r"?(?:kill|hurt|stab|shoot|strangle|beat) (?:me|us)\b|\bthreatening to (?:kill|hurt|stab|shoot) (?:me|us)\b|"
    r"\b(?:hitting|beating|strangling|choking|attacking|punching|kicking) (?:me|my \w+)\b|"
    r"\bbeing (?:followed|chased|stalked)\b|\b(?:strangled|choked|punched|hit|beat|attacked) me\b"
)
_FEAR = re.compile(
    r"\b(?:knife|gun|weapon|scared|terrified|frightened|afraid|hiding|locked (?:myself )?in|locked in|"
    r"barricaded|not safe|police|999|911|112|breaking in|smashing|outside (?:the|my) (?:door|house|flat|"
    r"room)|right now|still in the house|still here|coming for me)\b"
)


# --------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------


def _finditer(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, overlapping starts included, so a rejected hit cannot hide the one after it."""
    pos = 0
    while (m := regex.search(text, pos)) is not None:
        yield m
        pos = m.start() + 1


class _Post:
    """One post's normalised text plus the lookups the exclusion checks need."""

    def __init__(self, text: str) -> None:
        self.norm = _Text(text)
        t = self.norm.text
        self.text = t
        self.bounds = [0]
        for m in _CLAUSE_PIVOT.finditer(t):
            self.bounds.append(m.start())
        self.bounds.append(len(t))
        self.figures = [m.span() for m in _FIGURES.finditer(t)]

    def clause(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.bounds, pos) - 1
        return self.bounds[i], self.bounds[min(i + 1, len(self.bounds) - 1)]

    def accepted(self, m: re.Match[str], *, someone_else_ok: bool) -> bool:
        """Apply the figure, negation, past/recovery and someone-else checks to one hit."""
        start, end = m.span()
        t = self.text
        if any(fs < end and start < fe for fs, fe in self.figures):
            return False
        c_start, c_end = self.clause(start)
        prefix = t[c_start:start]
        # Only the stretch after the last comma can negate: "i dont care, i want to die" is not negated.
        if _NEGATION.search(prefix.rsplit(",", 1)[-1]):
            return False
        clause = t[c_start:c_end]
        if _PAST_HARD.search(clause):
            return False
        if _PAST_SOFT.search(clause) and not _RECENT.search(clause):
            return False
        if not someone_else_ok and not _FIRST_PERSON.search(m.group(0)):
            last = None
            for s in _SUBJECT.finditer(prefix):
                last = s
            if last is not None and last.group("other"):
                return False
        return True

    def hits(self, regex: re.Pattern[str], *, someone_else_ok: bool = False) -> list[re.Match[str]]:
        return [m for m in _finditer(regex, self.text) if self.accepted(m, someone_else_ok=someone_else_ok)]

    def phrase(self, m: re.Match[str]) -> str:
        return self.norm.original(*m.span())


def _phrases(post: _Post, matches: Iterable[re.Match[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for m in sorted(matches, key=lambda m: m.start()):
        p = post.phrase(m)
        if p and p not in seen:
            seen[p] = None
    return tuple(seen)


# Cheap gate: a post with none of these stems cannot match any pattern, and most posts have none.
_GATE = re.compile(
    r"kil|kll|suicid|sucid|suicd|suisid|life|die|dead|death|dying|pill|tablet|meds|medic|overdos|\bod|"
    r"cut|harm|hurt|burn|bleed|blood|bridge|roof|ledge|edge|track|railing|cliff|engine|rope|noose|neck|"
    r"safe|knife|gun|weapon|break|threat|strangl|chok|stab|attack|assault|rape|follow|chase|stalk|hitting|"
    r"beat|punch|here|alive|exist|wake|born|gone|point|better off|disappear|hit by|nobody|no ?one|miss me|"
    r"note|goodbye|letter|the night|end |ending|jump|drown|hang|shoot|poison|gas|suffocat|throw myself|"
    r"drive|crash|wrist|slit|kms|unaliv|paracet|antidep|painkill|insulin|codeine|sertraline|tramadol|"
    r"swallow|\bsh\b|relief|peaceful|escape|do this|take this|go on|stop me|plan|date|time|last post|"
    r"anymore|rather",
    re.IGNORECASE,
)


def detect_crisis(text: str) -> CrisisSignal | None:
    """Return the most urgent crisis signal in ``text`` (markdown allowed), or None."""
    if not text or not _GATE.search(text):
        return None
    post = _Post(text)
    found: dict[CrisisCategory, list[re.Match[str]]] = {}
    for category, regex in _PATTERNS.items():
        hits = post.hits(regex, someone_else_ok=(category == "danger"))
        if hits:
            found[category] = hits

    # Post-level combinations.
    plan_cues = post.hits(_PLAN_CUES)
    if plan_cues:
        means = post.hits(_MEANS)
        distinct = {m.group(0) for m in plan_cues}
        if means or "intent" in found or "passive" in found or len(distinct) >= 2:
            found.setdefault("intent", []).extend(plan_cues + means)
    taken = post.hits(_TAKEN_WEAK)
    if taken:
        context = post.hits(_TAKEN_CONTEXT)
        if context:
            found.setdefault("in_progress", []).extend(taken + context)
    threats = post.hits(_THREAT, someone_else_ok=True)
    if threats:
        fear = post.hits(_FEAR, someone_else_ok=True)
        if fear:
            found.setdefault("danger", []).extend(threats + fear)

    for category in _URGENCY:
        if category in found:
            return CrisisSignal(category=category, matched=_phrases(post, found[category]))
    return None


class CrisisCheck:
    """The inline check the app registers; the forum core calls ``check`` on every submission."""

    name = "crisis"

    def check(self, text: str) -> CrisisSignal | None:
        """Delegate to :func:`detect_crisis`."""
        return detect_crisis(text)
