"""Offline fallback classifier: alt-profanity-check plus a few curated patterns.

The profanity model alone scores "I'm so fucking tired of feeling like this" at ~1.0, which on a
peer-support forum would flag exactly the people who most need to be heard. So profanity only counts
fully when it is *directed* at someone ("you're a fucking idiot", "fuck you", "he's a moron");
undirected swearing is damped well below the default toxicity flag threshold (0.8).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .base import ClassifierUnavailable, Scores, clip01

#: Profanity that is not aimed at anyone is multiplied by this: max 0.35, far below a 0.8 threshold.
UNDIRECTED_DAMPING = 0.35
#: Floor for clearly directed insults, so "you're an idiot" flags even with no swear word in it.
DIRECTED_INSULT_FLOOR = 0.9
#: Score given when a curated threat / identity-attack / incitement pattern matches.
PATTERN_SCORE = 0.92

_F = r"f(?:u|\*|@)?(?:c|\*)?k"  # fuck, f*ck, fck, fuk, f**k
_APOS = r"['’]"

# Insult nouns that, aimed at a person, make a post abusive. Slurs live in _IDENTITY below.
_NOUN = (
    r"(?:idiot|moron|imbecile|loser|bitch|cunt|twat|prick|dick(?:head)?|arsehole|asshole|bastard"
    r"|scum(?:bag)?|wanker|tosser|dumbass|jackass|dipshit|shithead|douche(?:bag)?|knobhead|pillock"
    r"|muppet|numpty|freak|creep|pig|slut|whore|skank|trash|garbage|failure|waste\s+of\s+(?:space|oxygen|air)"
    r"|piece\s+of\s+(?:shit|crap|garbage|trash)|attention[\s-]*(?:seeker|whore)|parasite|coward|liar"
    r"|fraud|psycho|nutter|weirdo|clown|r[e3]t[a@]rd)(?:s|es)?"
)
# Words that may sit between the target and the noun ("you whiny little prick").
_ADJ = (
    rf"(?:{_F}(?:ing|in|in{_APOS})?|f\*+ing|fking|effing|bloody|absolute|total|complete|utter|little|"
    r"stupid|dumb|pathetic|worthless|useless|ugly|fat|disgusting|whiny|whining|lying|selfish|sad|"
    r"miserable|brainless|thick|ignorant|filthy|dirty|lazy|spineless|sick|twisted|massive|huge|big|"
    r"attention[\s-]*seeking|self[\s-]*pitying|such|so|a|an|the|one|just|really|nothing\s+but)"
)
# Adjectives that are an insult on their own after "you're" ("you're pathetic").
_STRONG_ADJ = r"(?:pathetic|worthless|useless|disgusting|stupid|dumb|ugly|a\s+joke|scum|trash|garbage|vile)"
_YOU_ARE = (
    rf"(?:you(?:{_APOS}re|\s+are|\s+were|\s+r)|youre|ur|u\s+r"
    rf"|you\s+(?:guys|lot|people|all)\s+are|(?:he|she){_APOS}s|(?:he|she)\s+is|they(?:{_APOS}re|\s+are))"
)
# Things people in pain tell to get fucked that are not people ("fuck you, depression").
_NOT_A_PERSON = (
    r"(?:depression|anxiety|cancer|ptsd|ocd|adhd|bpd|brain|grief|illness|disease|insomnia|world|universe"
    r"|life|monday|mondays|20\d\d|covid|chemo|addiction|alcohol|booze|pain|panic|trauma|demons)"
)

_DIRECTED_INSULT = re.compile(
    "|".join(
        [
            # "you're a fucking idiot", "he's a moron", "you are pathetic"
            rf"\b{_YOU_ARE}\s+(?:{_ADJ}[\s-]+)*(?:{_NOUN}|{_STRONG_ADJ})\b",
            # vocative: "you pathetic loser", "you absolute dickhead" (not "do you freak out")
            rf"\b(?:you|u)\s+(?:{_ADJ}[\s-]+)*{_NOUN}\b(?!\s*(?:out|me|him|her|them|us|around|about|up)\b)",
            # "what a waste of space you are", "losers like you"
            rf"\b{_NOUN}\s+(?:like\s+you\b(?!\s+(?:said|say|mentioned|suggested|know|do|did))|you\s+are\b)",
            rf"\b{_F}\s+(?:you|u|ya)\b(?!\s*,?\s*{_NOT_A_PERSON}\b)",
            rf"\bgo\s+(?:and\s+)?(?:{_F}|screw|kill|hang)\s+(?:yo)?urself\b",
            r"\b(?:stfu|gtfo)\s+(?:you|u)\b",
            r"\b(?:nobody|no\s+one|noone)\s+(?:here\s+)?(?:would|will|is\s+going\s+to)\s+miss\s+you\b",
            r"\b(?:nobody|no\s+one|noone)\s+(?:here\s+)?(?:likes|cares\s+about|wants|gives\s+a\s+\w+\s+about)\s+you\b",
            r"\b(?:everyone|everybody)\s+(?:here\s+)?(?:hates|is\s+sick\s+of|laughs\s+at)\s+you\b",
        ]
    ),
    re.IGNORECASE,
)
# Directed but not necessarily an insult: lets the profanity score through undamped, no floor.
_DIRECTED_WEAK = re.compile(
    "|".join(
        [
            rf"(?:^|[.!?;]\s*)(?:just\s+)?(?:{_F}\s+off|piss\s+off|shut\s+(?:the\s+{_F}\s+)?up)\b",
            r"\b(?:stfu|gtfo)\b",
            rf"\byour\s+(?:{_F}(?:ing|in)|shitty|crappy|bullshit)\b",
            rf"\b(?:screw|damn|sod)\s+(?:you|u)\b(?!\s*,?\s*{_NOT_A_PERSON}\b)",
        ]
    ),
    re.IGNORECASE,
)
# Telling someone to kill themselves: severe, whatever words surround it. Not "please don't kill yourself"
# or "did you try to kill yourself", which are support.
_INCITEMENT = re.compile(
    r"(?:^|[.!?,;:]\s*|\b(?:go|just|should|better|ought\s+to|pls|please\s+just)\s+)"
    r"(?:go\s+)?(?:and\s+)?(?:kill|hang|off)\s+(?:yo)?urself\b|\bkys\b",
    re.IGNORECASE,
)
_TARGET = r"(?:you|u|ya|him|her|them|your\s+(?:face|head|family|kids?|mum|mom|legs?))"
_THREAT = re.compile(
    "|".join(
        [
            rf"\bi(?:{_APOS}ll|\s+will|{_APOS}m\s+going\s+to|\s+am\s+going\s+to|{_APOS}m\s+gonna|\s+am\s+gonna"
            rf"|\s+gonna|\s+shall)\s+(?:{_F}ing\s+)?(?:kill|murder|stab|shoot|strangle|hurt|beat|smash|end|rape"
            rf"|break|batter|burn|knife|choke)\s+{_TARGET}\b",
            r"\bi\s+know\s+where\s+(?:you|u|your\s+\w+)\s+(?:live|lives|work|works|sleep|sleeps|go|are)\b",
            rf"\b(?:you|u)(?:{_APOS}re|\s+are)?\s+(?:deserve|ought|need|going|gonna)\s+(?:to\s+)?(?:die|suffer|burn"
            r"|be\s+(?:raped|killed|shot|hurt|beaten|stabbed))\b",
            r"\bhope\s+(?:you|u)\s+(?:die|rot|burn|get\s+(?:cancer|raped|hit|killed|run\s+over|stabbed|shot))\b",
            r"\b(?:better\s+)?watch\s+your\s+back\b",
            rf"\b(?:you|u)(?:{_APOS}re|\s+are)\s+(?:a\s+)?dead\s+(?:man|woman|meat)\b",
            r"\b(?:coming|come)\s+for\s+(?:you|u)\b",
            rf"\bi(?:{_APOS}ll|\s+will)\s+(?:find|hunt)\s+(?:you|u)\s+down\b",
            rf"\bi(?:{_APOS}ll|\s+will)\s+make\s+(?:you|u)\s+(?:pay|suffer|regret)\b",
            r"\bsomeone\s+(?:should|needs\s+to|ought\s+to)\s+(?:kill|shoot|stab|hurt)\s+(?:you|u|him|her|them)\b",
            r"(?:^|[.!?,;]\s*)(?:just\s+)?go\s+(?:and\s+)?die\b",
        ]
    ),
    re.IGNORECASE,
)
# Slurs are written as masked character classes so the source stays readable in code review.
_SLUR = (
    r"n[i1!]gg(?:[e3]r|[a@]h?|uh)s?|f[a@]gg[o0]ts?|k[i1]kes?|sp[i1]cs?|ch[i1]nks?(?!\s+in\b)|g[o0][o0]ks?"
    r"|tr[a@]nn(?:y|ies)|r[e3]t[a@]rd(?:s|ed)?|p[a@]kis?|w[e3]tb[a@]cks?|(?:towel|rag)h[e3][a@]ds?"
)
_GROUP = (
    r"(?:jews|muslims|blacks|black\s+people|gays|gay\s+people|lesbians|trans\s+(?:people|women|men)"
    r"|transgenders?|immigrants|migrants|refugees|asylum\s+seekers|women|men|mexicans|arabs|asians"
    r"|gypsies|roma|travellers|foreigners|christians|hindus|sikhs|disabled\s+people|the\s+disabled"
    r"|autistic\s+people|autistics|schizophrenics|mentally\s+ill\s+people|the\s+mentally\s+ill|fat\s+people)"
)
_IDENTITY = re.compile(
    "|".join(
        [
            rf"\b(?:{_SLUR})\b",
            rf"\b{_GROUP}\s+(?:are|r)\s+(?:(?:all|just|nothing\s+but|a\s+bunch\s+of|such|{_F}ing|filthy"
            r"|dirty)\s+)*(?:animals|vermin|subhuman|sub-human|parasites|cockroaches|rats|filth|scum|trash"
            r"|garbage|a\s+(?:disease|plague|cancer)|savages|degenerates|inferior|not\s+(?:human|people)"
            r"|evil|freaks|pedos|paedos|pedophiles|paedophiles|groomers)\b",
            rf"\b{_GROUP}\s+(?:should|must|need\s+to|deserve\s+to|ought\s+to)\s+(?:all\s+)?(?:die|burn"
            r"|be\s+(?:exterminated|gassed|killed|shot|wiped\s+out|deported|sterili[sz]ed|locked\s+up)"
            r"|go\s+back)\b",
            rf"\b(?:gas|exterminate|wipe\s+out|kill)\s+(?:all\s+)?(?:the\s+)?{_GROUP}\b",
        ]
    ),
    re.IGNORECASE,
)


def _normalise(text: str) -> str:
    # Curly quotes and runs of whitespace would otherwise slip past the patterns.
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip()


class BasicClassifier:
    """alt-profanity-check for toxicity/obscene/insult, regexes for threat and identity attack."""

    name = "basic"
    labels: tuple[str, ...] = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")

    def __init__(self, description: str | None = None, *, fallback_reason: str | None = None) -> None:
        try:
            from profanity_check import predict_prob
        except ImportError as exc:  # pragma: no cover - pinned dependency
            raise ClassifierUnavailable(f"alt-profanity-check is not installed ({exc})") from exc
        self._predict_prob = predict_prob
        self.description = description or "basic classifier (alt-profanity-check + patterns)"
        # Why Detoxify is not running, when this stands in for it; None when chosen by configuration.
        self.fallback_reason = fallback_reason

    @classmethod
    def instead_of_detoxify(cls, reason: str) -> BasicClassifier:
        """The fallback when Detoxify could not load; `reason` says why in plain words."""
        return cls(f"{reason}; using the basic classifier (alt-profanity-check + patterns)", fallback_reason=reason)

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Score all texts with one vectorised profanity-model call plus per-text pattern checks."""
        if not texts:
            return []
        normalised = [_normalise(t if isinstance(t, str) else str(t)) for t in texts]
        probs = self._predict_prob(normalised)
        return [self._score_one(text, float(p)) for text, p in zip(normalised, probs, strict=True)]

    @staticmethod
    def _score_one(text: str, profanity: float) -> Scores:
        insult_hit = bool(_DIRECTED_INSULT.search(text))
        incitement = bool(_INCITEMENT.search(text))
        directed = insult_hit or incitement or bool(_DIRECTED_WEAK.search(text))
        threat = PATTERN_SCORE if _THREAT.search(text) else 0.0
        identity = PATTERN_SCORE if _IDENTITY.search(text) else 0.0

        if insult_hit or incitement:
            toxicity = max(profanity, DIRECTED_INSULT_FLOOR)
        elif directed:
            toxicity = profanity
        else:
            toxicity = profanity * UNDIRECTED_DAMPING
        toxicity = max(toxicity, threat, identity)

        if insult_hit:
            insult = max(profanity, DIRECTED_INSULT_FLOOR)
        else:
            insult = profanity * (0.7 if directed else UNDIRECTED_DAMPING * 0.7)
        # Swearing is obscene whoever it is aimed at, but undirected swearing should not trip a flag.
        obscene = profanity if directed else profanity * 0.5
        severe = max(threat, identity, PATTERN_SCORE if incitement else 0.0, toxicity * 0.5)
        return {
            "toxicity": clip01(toxicity),
            "severe_toxicity": clip01(severe),
            "obscene": clip01(obscene),
            "threat": clip01(threat),
            "insult": clip01(insult),
            "identity_attack": clip01(identity),
        }
