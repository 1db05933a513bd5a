"""Suggest content warnings for a draft post: a curated word list, and a model that reads meaning.

Two layers. The word list (``LEXICON``) is exact and explainable: it names the words that made it
ask. Under it, small per-warning heads on the post's sentence embeddings (forum/safety) catch
content described by what happened rather than by its name ("got the razor out again after
dinner"); a suggestion only the model made quotes the sentence that made it ask. Without the
model (not installed, or FORUM_SAFETY_MODEL=off) the word list works alone.

The suggester only *suggests*: the author (or a moderator) decides. So it leans towards asking
("this looks like it mentions self-harm, add a warning?") over staying quiet, but it must not nag
about everyday words: "cut the grass", "diet coke", "my phone died" and "this exam is killing me"
should pass without a prompt.

Tagging rules, which the labelled examples in forum/warnings/data/corpus/seed.jsonl follow too:

* A topic is present when the post talks about it, whatever the stance: "I didn't cut last night",
  "six months sober" and "he never hit me" are about self-harm, drinking and hitting. Negation
  does not remove a warning; it is often exactly the post a struggling reader needs warning of.
* Figures of speech are not the topic: "killing me", "dying to see", "to die for", "dead tired",
  "murdered it on stage", "in stitches", "it hit me that".
* medical: hospitals and their departments (A&E, ER, ICU, wards, hospices) count *even in passing*
  ("the hospital car park was full"), because for readers with medical trauma the setting itself is
  the reminder, and "any hospital mention" is a rule every tagger applies the same way. So do
  surgery, anaesthetic, scans, blood tests, needles and injections, and serious diagnoses such as
  cancer or a stroke. A GP appointment, "my meds", a dentist check-up or therapy do not.
* domestic-violence always implies abuse (it is a form of abuse, and readers who hide "abuse" expect
  it hidden too). When physical violence is described ("he hit me") violence is suggested as well.
* pregnancy-loss stands on its own; death-bereavement is for the death of people and pets. A post
  about pregnancy loss only gets death-bereavement if its own wording is about death or grief.
* graphic-injury is for injuries described physically: blood, bleeding, wounds, stitches, burns,
  bones. A bare "I self-harmed" is self-harm only.
* strong-language is the strong swear words (and their masked forms, "f***", "sh*t"). Mild words
  common in British English ("bloody", "crap", "hell", "damn", "arse", "piss") are not flagged.
* substance-use covers alcohol as well as drugs: readers in recovery may not want a story about
  "four pints" any more than one about cocaine. Coffee, "diet coke" and "the AA" (the breakdown
  service) are not substances.

How to extend: add a pattern to ``LEXICON`` under the right slug. Patterns are regular expressions,
matched case-insensitively with word boundaries added on both sides; a plain space in a pattern
matches any run of whitespace (so phrases survive line breaks in Markdown). When a word is usually
innocent, prefer a phrase ("urge to cut") over the bare word, or add the innocent use to
``NOT_WHEN``. Use ``(?-i:...)`` for acronyms that must stay upper case ("ED", "AA", "ER").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forum.safety.heads import Heads, heads_path, unusable
from forum.safety.model import SafetyModel, TextAnalysis
from forum.safety.units import excerpt
from forum.warnings.taxonomy import SEED_SLUGS

log = logging.getLogger("forum.warnings")
HEADS_NAME = "warning_heads"
SHIPPED_HEADS = Path(__file__).parent / "data" / f"{HEADS_NAME}.json"
CORPUS = Path(__file__).parent / "data" / "corpus"
# A model-only suggestion quotes at most this much of the sentence that made it ask.
EXCERPT_WORDS = 10

MAX_MATCHED = 5

# Pronouns used in reflexive phrasings: "cut myself", "hurt herself", "killed themselves".
_SELF = r"(?:my|your|him|her|them|our)sel(?:f|ves)"
# Relations that make hitting "domestic": partner, ex or family at home.
_HOME = (
    r"(?:partner|husband|wife|boyfriend|girlfriend|bf|gf|ex|ex-partner|ex-husband|ex-wife|fianc[eé]e?|"
    r"spouse|step-?dad|step-?mum|step-?mom|step-?father|step-?mother|dad|mum|mom|father|mother)"
)
_PEOPLE = (
    r"(?:mum|mom|mam|mummy|mommy|dad|daddy|mother|father|nan|nana|nanna|gran|granny|grandma|grandmother|"
    r"grandad|granddad|grandpa|grandfather|husband|wife|partner|son|daughter|brother|sister|best friend|"
    r"friend|uncle|aunt|auntie|cousin|fianc[eé]e?|boyfriend|girlfriend|twin|child|baby|dog|cat|pet)"
)
_PETS = r"(?:dog|cat|pup|puppy|kitten|rabbit|bunny|horse|pony|pet|boy|girl|old boy|old girl)"
_DRINKS = r"(?:water|tea|coffee|juice|milk|squash|lemonade|smoothies?|hot chocolate|fluids|enough|decaf)"

LEXICON: dict[str, list[str]] = {
    "suicide": [
        r"suicid(?:e|es|al|ally|ality)",
        # Misspellings seen in real posts, often typed in distress: "sucide", "suicidle", "suiside".
        r"sucid(?:e|al)",
        r"suicid(?:le|el)",
        r"sui?side",
        r"suic?dal",
        r"suacide",
        r"unalive(?:d)? " + _SELF,
        r"kms",  # "kill myself", common in younger members' posts
        r"kill(?:s|ed|ing)? " + _SELF,
        r"(?:took|take|taking|taken) (?:my|his|her|their|your) (?:own )?li(?:fe|ves)",
        r"end(?:s|ed|ing)? (?:it all|my life|(?:his|her|their) (?:own )?li(?:fe|ves))",
        # "took an overdose" is UK shorthand for intentional self-poisoning; a drug overdose
        # someone died of is handled under substance-use instead.
        r"(?:took|take|taking|taken) (?:an|a|another) (?:overdose|od)",
        r"(?:I|I've|I have) (?:overdosed|od'?d)",
        r"(?:don'?t|do not|didn'?t|did not|no longer) want to (?:be here|exist) ?(?:any ?more)?",
        # "don't want to live" but not "don't want to live in London".
        r"(?:don'?t|do not|didn'?t|did not|no longer) want to (?:live|be alive|wake up)"
        r"(?! (?:in|with|at|near|there|here|like|on|by|abroad|alone|together))",
        r"(?:want|wanted|wanting|wish|wished|wishing) (?:to die|I (?:was|were) dead|to be dead)"
        r"(?! (?:of|laughing|from embarrassment))",
        r"sleep and (?:not|never) wake up",
        r"better off without me",
        r"(?:nearly|almost) (?:killed " + _SELF + r"|ended it)",
    ],
    "self-harm": [
        r"self[- ]?harm(?:s|ed|ing|er|ers)?",
        r"self[- ]?injur(?:y|ies|ing|ed)",
        r"(?-i:SH)(?:[- ]free| urges?| scars?)",
        r"(?:hurt|hurting|hurts|harm|harmed|harming|harms|burn|burns|burned|burnt|burning|hit|hits|hitting|"
        r"scratch|scratched|scratching|punch|punched|punching|cut|cuts|cutting|bite|bit|biting) " + _SELF,
        # "cut" only in self-harm phrasing, never "cut the grass" / "cut back on sugar" / "haircut".
        r"(?:urges?|want|wanted|wanting|need|needed|tempted|temptation) to (?:cut|harm|hurt " + _SELF + ")",
        r"cut(?:ting)? again",
        r"(?:cuts|cut marks|scars|fresh cuts) (?:on|across|along|up) (?:my|her|his|their|your) "
        r"(?:arms?|wrists?|legs?|thighs?|stomach|hips?|skin)",
        # Bare "cut" after a subject or auxiliary and before the end of the clause or a time word:
        # "I didn't cut last night", "haven't cut in months", "I'm trying not to cut." The object-
        # less verb is what marks it; "I cut the hedge" has an object and never matches.
        r"(?:I|I've|I'd|I'll|didn'?t|did not|don'?t|do not|won'?t|haven'?t|not|never|stopped|started|"
        r"start|been|keep|kept|trying not to) cut(?:ting)?"
        r"(?=\s*(?:[.,!?;:)]|$|again|last|today|tonight|yesterday|this (?:morning|week)|for|since|"
        r"in (?:ages|weeks|months|years|a while)))",
        r"(?:scratch|scratched|scratching|pick|picked|picking)(?: at)? (?:my|her|his) "
        r"(?:arms?|legs?|skin|wrists?)"
        r" until (?:I|it|they) (?:bleed|bled|bleeds)",
    ],
    "eating-difficulties": [
        # Includes the very common misspellings "anerexia", "anorexic", "annorexia".
        r"an+[oe]rexi(?:a|c|cs)",
        r"bul[ei]mi(?:a|c|cs)",
        r"orthorexi(?:a|c)",
        r"eating disorders?",
        r"disordered eating",
        r"(?-i:ED) (?:voice|recovery|thoughts|brain|behaviou?rs?|relapse|team|unit)",
        r"(?-i:ARFID|OSFED|EDNOS|BMI)",
        r"binge[- ]?eat(?:ing|er|s)?",
        r"bing(?:e|ed|ing|eing)(?:,| and| &| then) (?:purg(?:e|ed|ing)|restrict(?:ed|ing)?|vomit(?:ed|ing)?)",
        r"(?:a|another|the) binge(?![- ](?:watch|drink|read))",
        # "purging" alone is usually about clearing out a wardrobe; only the bare verb at a clause end.
        r"purg(?:e|es|ed|ing)(?=\s*(?:[.,!?;:]|$|again|after))",
        r"(?:make|makes|making|made) " + _SELF + r" (?:sick|throw up|vomit)",
        r"(?:throw(?:ing)? up|threw up|vomit(?:ed|ing)?) after (?:meals|eating|dinner|lunch|breakfast|food)",
        r"calor(?:ie|ies|ic)",
        r"starv(?:e|es|ed|ing) " + _SELF,  # "I'm starving" on its own just means hungry
        r"starvation",
        r"(?:been|started|stop|stopped|keep|kept|am|was) restricting",
        r"restrict(?:ing|ed)? (?:again|my food|food|calories|my eating|my intake)",
        r"weigh(?:s|ed|ing)? " + _SELF,
        r"(?:lost|losing|lose|gained|gaining|gain|put on|putting on) "
        r"(?:(?:a|so|too) (?:lot of |much )?|some |more )?weight",
        r"weight (?:loss|gain)",
        r"(?:felt|feel|feeling|feels|look|looked) (?:so )?fat",
        r"fear[- ]foods?",
        r"meal plan",  # in peer support this is nearly always an ED-recovery meal plan
        r"dieti[ct]ians?",
        r"(?:on a|crash|strict|my) diet(?! (?:coke|pepsi|lemonade|drinks?|sprite))",
        r"dieting",
        r"skip(?:ped|ping|s)? (?:meals?|lunch|dinner|breakfast|tea)",
        r"(?:ate|eaten|eating) nothing",
        r"pro-?ana|thinspo\w*",
    ],
    "abuse": [
        # "abuse of power", "substance abuse" and "abusing the snooze button" are excluded below.
        r"abus(?:e|es|ed|er|ers|ive)",
        r"abusing (?:me|her|him|them|us|children|kids|a child)",
        r"gas-?l(?:it|ighting|ighted|ighter)",
        r"narcissistic (?:abuse|parents?|mother|father|mum|mom|dad|ex|partner)",
        r"(?:was|were|been|being|get|got) groomed|groomed (?:me|by)|(?:child|online|sexual) grooming",
        r"neglect(?:ful)?",
        r"(?:was|were|been|being) neglected",
        r"maltreat(?:ed|ment)|mistreat(?:ed|ment)",
        r"trauma[- ]bond(?:ed|ing)?",
    ],
    "sexual-violence": [
        r"rap(?:e|ed|es|ing|ist|ists)",
        r"sexual(?:ly)? (?:assault(?:s|ed)?|abuse[ds]?|abusing|violence|violated|harass(?:ed|ment))",
        # A "non-molestation order" is a UK domestic-abuse injunction, not a molestation.
        r"(?<!non-)(?<!non\s)molest(?:ed|ing|ation|er|ers)?",
        r"grop(?:e|es|ed|ing)",
        # Grooming is the lead-up to child sexual abuse, so it is both abuse and sexual violence.
        r"(?:was|were|been|being|get|got) groomed|groomed (?:me|by)|(?:child|online|sexual) grooming",
        r"(?:pressur|forc|coerc)(?:e|ed|es|ing) (?:me |her |him |them )?into (?:sex|having sex|sexual)",
        r"non-?consensual|without (?:my|her|his|their) consent",
        r"stealthing|upskirt(?:ing)?",
    ],
    "domestic-violence": [
        r"domestic (?:violence|abuse)",
        r"(?-i:DV)",
        r"coercive(?:ly)? control(?:ling|led)?",
        r"abusive (?:relationship|partner|husband|wife|boyfriend|girlfriend|ex|marriage|home)",
        r"(?:women'?s|a|the|in a|to a) refuge(?! in)",  # UK shelters; "took refuge in books" is not one
        r"(?:non-?molestation|restraining|occupation|protective|protection) orders?",
        # Hitting by a partner or family member: "my partner hit me", "my stepdad used to beat my mum".
        r"(?:my|her|his|our) " + _HOME + r" (?:\w+ ){0,3}?"
        r"(?:hit|hits|hitting|beat|beats|beating|punch(?:ed|es|ing)?|slap(?:ped|s|ping)?|"
        r"kick(?:ed|s|ing)? me|"
        r"chok(?:ed|es|ing)|strangl(?:ed|es|ing)|shov(?:ed|es|ing)|threw (?:\w+ ){1,2}at (?:me|her|him|us))",
        # Classic coercive-control behaviours from DV screening questions.
        r"(?:checks|checking|goes through|went through) my phone",
        r"tracks? my (?:location|phone|car)",
        r"(?:won'?t|doesn'?t|does not|didn'?t) let me (?:see|go out|leave|work|have money)",
        r"(?:tells|told) me who I (?:can|could) see",
    ],
    "substance-use": [
        r"sober(?:ly)?|sobriety|sober-curious",
        r"alcohol(?:ic|ics|ism)?",
        r"drunk|hungover|hangovers?",
        r"drinking(?! (?:" + _DRINKS + r"))",
        r"drank(?!(?: \w+){0,2} " + _DRINKS + r")",
        r"binge[- ]drink(?:ing|er)?",
        r"pints?(?! of (?:milk|water))",
        r"wine|beers?|vodka|gin|whisk(?:e)?y|cider|lager|tequila|rum|booze|shots of",
        # "coke" the drug, not "diet coke" or "a can of coke".
        r"cocaine|(?<!diet\s)(?<!cherry\s)(?<!vanilla\s)(?<!of\s)(?<!a\s)coke(?! zero)",
        r"heroin|crack cocaine|(?:smoking|on) crack|meth|methadone|mdma|ecstasy|ketamine|fentanyl|"
        r"opioids?|opiates?",
        r"weed(?!s|ing)|cannabis|marijuana|spliffs?|stoned",
        r"smok(?:e|es|ed|ing) (?:weed|pot|crack|spliffs?|joints?|a joint)",
        r"(?:get|got|getting) (?:high|wasted|hammered|plastered|trollied)",
        r"(?:died of|dying of|death from|fatal|accidental|drug) (?:an |a )?overdose",
        r"overdos(?:e|ed) on (?:heroin|drugs|fentanyl|cocaine|coke|pills)",
        r"more (?:of (?:my|the) \w+ )?than (?:I'?m|I am|I was|I've been) prescribed",
        r"using again(?=\s*(?:[.,!?;:]|$))",
        r"(?:drug|alcohol|substance|drink) (?:abuse|problems?|addiction|use|habit|dependency|misuse)",
        r"(?:drug|alcohol) addicts?|addicted to (?:drugs|alcohol|heroin|cocaine|coke|pills|painkillers)",
        # "AA" is also the UK breakdown service ("called the AA"); only count the meetings.
        # The named group "w" marks the part to report: "AA", not "to AA".
        r"(?:in|at|to|joined|my|an?) (?P<w>(?-i:AA|NA))|"
        r"(?-i:AA|NA) (?:meetings?|sponsor|group|program(?:me)?|steps?)",
        r"12[- ]step|twelve[- ]step",
    ],
    "death-bereavement": [
        r"died|dies|dying|death|dead|deceased|killed",
        r"pass(?:ed|es|ing) away|passed on",
        r"funerals?|memorial service|cremation|cremated|burial|buried (?:my|her|his|our)",
        r"grie(?:f|ve|ves|ved|ving)|bereave(?:d|ment)",
        r"widow(?:ed|er|s)?|condolences",
        r"(?-i:RIP)",
        r"(?:took|take|taking|taken) (?:his|her|their) (?:own )?li(?:fe|ves)",
        r"lost (?:my|our|her|his) " + _PEOPLE + r"(?! (?:in the|at the) (?:shop|park|crowd))",
        r"put (?:our|my|the|her|his) (?:\w+ )?" + _PETS + r" (?:to sleep|down)",
        r"first (?:christmas|birthday|anniversary|mother'?s day|father'?s day|year|easter) "
        r"without (?:my|her|his|our)",
        r"hospice|terminal(?:ly ill)?|end of life care",
    ],
    "pregnancy-loss": [
        # Covers the misspellings "miscarrage", "misscarriage".
        r"mis+carr?(?:i?age|i?ages|ied|y|ying)",
        r"still ?born|stillbirth",
        r"ectopic",
        r"(?:chemical|molar) pregnancy",
        r"(?-i:TFMR|TOPFA)|termination for medical reasons",
        r"(?:lost|losing) (?:the|our|my|a|her) (?:baby|babies|pregnancy|twins?)",
        r"(?:baby|pregnancy|infant) loss",
        r"no heartbeat",
        r"(?:angel|rainbow) bab(?:y|ies)",
    ],
    "medical": [
        r"hospitals?|hospitali[sz](?:ed|ation)",
        r"A ?& ?E|A and E|(?-i:ER)|emergency (?:room|department|surgery|c-section)",
        r"(?-i:ICU|HDU|NICU)|intensive care",
        r"(?:on|onto|to|in) (?:a|the) wards?|"
        r"(?:psych|psychiatric|maternity|children'?s|mental health|general) wards?",
        r"surger(?:y|ies)|surgeons?|operated on",
        r"(?:had|having|have|after|before|recovering from|need) (?:an |my |the |her |his )?operation",
        r"an(?:a)?esthe(?:tic|tics|sia|tist)|an(?:a)?esthetist",
        r"chemo(?:therapy)?|radiotherapy|radiation therapy",
        r"cancer|tumou?rs?|leuka?emia|lymphoma",
        r"biops(?:y|ies)|\w+oscopy|\w+ectom(?:y|ies)|transplants?|dialysis",
        r"(?-i:MRI|CT|PET)(?: scans?)?|x-?rays?|ultrasounds?",
        r"(?:the|my|a|her|his|dating|anomaly|brain|\d+[- ]week) scans?",
        r"blood (?:tests?|draws?|work)|bloods",
        r"needles?|injections?|(?:flu|covid|booster|tetanus) (?:jabs?|shots?)|cannulas?|catheters?|drips?",
        r"(?:a|had a|after a|her|his|massive|minor|major|mini) stroke(?! of)|heart attacks?",
        r"sectioned|sectioning|inpatient",
        r"paramedics?|ambulances?",
        r"hospice",
    ],
    "violence": [
        r"stab(?:bed|bing|bings|s)?",
        r"(?:got|was|been|being|were|get|gets) shot|shot (?:at|dead|him|her|me|them|us|in the)",
        r"shoot(?:ing|ings|er|out)s?(?! hoops| (?:a|the|some) (?:film|video|scene|photos?|pictures?))",
        r"gunfire|gunman|gunmen|gunpoint|gunshots?|(?:a|his|her|the|their) gun",
        r"(?:with|pulled|holding|had|carrying|at) (?:a|his|her|their) knife|knife ?point|knife crime",
        # Bare "attack" is too often a TV show, a panic attack or a football move.
        r"attacked|attackers?|attacking (?:me|him|her|them|us)|"
        r"(?:an|the|knife|violent|random|brutal) attacks?",
        r"assault(?:ed|s|ing)?",
        r"beat(?:en)? (?:\w+ ){0,2}up|beating (?:me|him|her|them|us)",
        r"beat (?:me|him|her|them|us|my (?:mum|mom|mother|dad|father|brother|sister|wife|husband))"
        r"(?! at| to)",
        r"punch(?:ed|es|ing)? (?:me|him|her|them|us|someone|(?:a|the|some|that|this) (?:\w+ )?"
        r"(?:guy|man|woman|lad|bloke|girl|boy|kid|person))",
        r"(?:kick|kicked|kicking|slap|slapped|slapping|slaps|hit|hits|hitting|choked|choking|strangled) "
        r"(?:me|him|her|them|us)",
        r"fist ?fights?|(?:got|get|getting) into (?:a )?fights?|punch-up|brawl|fights? (?:broke|kicked) out",
        r"(?:got|get|was|were|been) (?:jumped|mugged)|mugging",
        r"murder(?:ed|s|er|ers)?",
        r"violen(?:t|ce)",
        r"war|warzone|combat|ambush(?:ed)?|bombing|airstrikes?",
        r"threatened (?:me|him|her|us|them) with",
        r"threw (?:\w+ ){1,2}at (?:me|him|her|us|them)",
    ],
    "discrimination": [
        r"racis(?:m|t|ts)|racial(?:ly)? (?:abuse|abused|slurs?|profil(?:ing|ed)|discrimination)",
        r"(?:homo|trans|bi|islamo|xeno|fat|queer)phob(?:ia|ic|es)",
        r"anti-?semit(?:ic|ism)",
        r"misogyn(?:y|ist|istic)|sexis(?:m|t)|ableis(?:m|t)|ageis(?:m|t)|classis(?:m|t)",
        r"misgender(?:ed|ing|s)?|dead-?nam(?:e|ed|ing)",
        r"slurs?|n-word|bigot(?:s|ed|ry)?|hate crimes?|prejudiced?",
        r"discriminat(?:e|ed|es|ing|ion|ory)",
        r"(?:because|for being|for being a) (?:I'?m |I am |she'?s |he'?s |they'?re )?(?:a )?"
        r"(?:gay|trans|black|brown|asian|disabled|muslim|jewish|autistic|a woman|bi|queer|lesbian|immigrant)",
    ],
    "graphic-injury": [
        r"blood(?:ied|-soaked|stained)?",
        r"bleed(?:s|ing)?|bled",
        r"gash(?:es|ed)?|wounds?|gaping",
        r"stitch(?:es|ed)|sutures?",
        r"gore|gory|gruesome",
        r"(?:broken|snapped|exposed) bones?|bones? (?:sticking|poking) out|through (?:the|my|his|her) skin|"
        r"compound fracture",
        r"blister(?:ed|s|ing)|(?:second|third)[- ]degree burns?",
        r"burn(?:ed|t)? (?:my|her|his|their) (?:arm|hand|leg|skin|face|fingers?)",
        r"deep cut|cut (?:was|is) (?:so |really )?deep|cut (?:\w+ ){1,2}open",
        r"severed|amputat(?:ed|ion)|mangled|impaled|decapitat(?:ed|ion)|disembowel(?:led|ed)?",
    ],
    "strong-language": [
        # fuck and its masked forms: "f***ing", "f*ck", "f**k", "fck", "fuk", "motherf***er".
        r"(?:mother)?f(?:u|\*+|#+|@)?c?(?:k|\*+)(?:s|ed|er|ers|ing|in'?|off|wit|head)?",
        r"(?:bull|horse|bat|ape|dip|holy )?sh(?:i|\*)t"
        r"(?:e|s|ty|tier|tiest|ting|ted|hole|head|show|storm|load)?",
        r"bastards?|bitch(?:es|y|ing)?|(?:arse|ass)holes?|dickheads?|c(?:u|\*)nts?|"
        r"wank(?:er|ers|ing)?|twats?",
        r"bollocks|(?:such|what|total|absolute|complete) (?:a )?pricks?",
        # Abbreviations stand for the words they abbreviate.
        r"wtf|stfu|ffs",
    ],
}

# Innocent uses of words in LEXICON. A match that overlaps one of these phrases is dropped.
NOT_WHEN: dict[str, list[str]] = {
    "suicide": [],
    "self-harm": [],
    "eating-difficulties": [],
    "abuse": [
        r"abuse of (?:power|process|trust in the \w+)",
        r"(?:substance|drug|alcohol|solvent) abuse",
        r"neglect(?:ed)? (?:my|the|our) (?:plants?|garden|studies|homework|inbox|emails?)",
    ],
    "sexual-violence": [],
    "domestic-violence": [],
    "substance-use": [
        r"(?-i:AA) (?:breakdown|membership|cover|patrol|app)",
    ],
    "death-bereavement": [
        # Objects and plants "die"; nobody needs a warning for a flat battery.
        r"(?:phone|battery|laptop|car|engine|charger|wifi|signal|tv|telly|it|plants?|conversation|"
        r"joke|vibe|party|game|series|show|mouse|bulb|remote|printer|tablet|computer|pc|headphones)"
        r" (?:has |had |just |finally |completely |have |is |are |was |were )?(?:died|dying|dead)",
        r"(?:dying|died) (?:to|for|laughing|of (?:laughter|embarrassment|boredom|shame|cuteness))",
        r"to die for|death of me|"
        r"dead (?:tired|beat|good|easy|serious|funny|on|end|line|weight|set|zone|ringer)",
        r"killed (?:it|time)|drop dead gorgeous|dead-?nam(?:e|ed|ing)",
        # Wishing to be dead is a suicide warning, not a bereavement.
        r"(?:wish|wished|wishing|want|wanted) (?:I (?:was|were) dead|to be dead|to die)",
        r"(?:dead|death) (?:battery|phone|pixels?|metal|sea)",
    ],
    "pregnancy-loss": [],
    "medical": [
        # In the UK a "GP surgery" is the practice building, and GP visits are not a medical warning.
        r"(?:GP|GP'?s|doctor'?s|doctors|dentist'?s|dental|vet'?s) surger(?:y|ies)",
        r"(?:knitting|sewing) needles?|needle and thread",
        r"coffee drips?",
    ],
    "violence": [
        r"(?:panic|heart|anxiety|asthma|migraine|anger) attacks?",
        r"(?:sexual|sexually) (?:assault(?:s|ed)?|violence)|(?:domestic|sexual) violence",
        r"it (?:\w+ )?hits? me|hit me up|hit me like|killed it|murder(?:ed)? (?:it|on stage|that song)",
        r"war (?:on|of) (?:words|drugs|attrition)|star wars|price war",
    ],
    "discrimination": [],
    "graphic-injury": [
        r"blood (?:tests?|pressure|sugars?|donations?|donors?|type|work|draws?|orange|moon|cells?|bank)",
        r"(?:donat(?:e|ed|ing)|giving|gave|give) blood|bloods",
        r"in stitches|stitched (?:me )?up|"
        r"stitch(?:es|ed)? (?:in|on) (?:my|the|a) (?:knitting|jumper|seam|fabric)",
        r"(?:old|emotional) wounds|wounded pride",
    ],
    "strong-language": [],
}

# Warnings that always come with another: domestic violence is a form of abuse.
IMPLIES: dict[str, tuple[str, ...]] = {"domestic-violence": ("abuse",)}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A warning the post probably needs, and the words in it that suggested so."""

    slug: str
    matched: tuple[str, ...]


def _compile(pattern: str) -> re.Pattern[str]:
    """Compile one lexicon entry: any-whitespace for spaces, word boundaries all round."""
    # " ?" (optional space, as in "still ?born") must become \s*, not a lazy \s+?.
    body = pattern.replace(" ?", r"\s*").replace(" ", r"\s+")
    # Lookarounds rather than \b so masked words ("f***", "sh*t") and "A&E" still get boundaries.
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@cache
def _compiled() -> dict[str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]]:
    """Compile the lexicon once, on first use, in taxonomy order."""
    unknown = (set(LEXICON) | set(NOT_WHEN)) - set(SEED_SLUGS)
    if unknown:
        raise ValueError(f"lexicon slugs not in the taxonomy: {sorted(unknown)}")
    return {
        slug: (
            tuple(_compile(p) for p in LEXICON.get(slug, [])),
            tuple(_compile(p) for p in NOT_WHEN.get(slug, [])),
        )
        for slug in SEED_SLUGS
    }


def _normalise(text: str) -> str:
    """Make Markdown and typography matchable without changing any character offsets."""
    # Curly apostrophes from phones; underscores from Markdown emphasis ("_sober_") would
    # otherwise count as word characters and hide the word boundary.
    return text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "_": " "}))


def _matches(text: str, slug: str) -> list[tuple[int, int]]:
    """Spans in ``text`` that suggest ``slug``, after dropping the innocent uses."""
    patterns, exclusions = _compiled()[slug]
    excluded = [m.span() for ex in exclusions for m in ex.finditer(text)]
    spans: list[tuple[int, int]] = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            start, end = m.span("w") if "w" in pattern.groupindex and m.group("w") else m.span()
            if start == end or any(start < ex_end and ex_start < end for ex_start, ex_end in excluded):
                continue
            spans.append((start, end))
    return sorted(spans)


def _distinct_words(original: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """The matched words as the author wrote them, first occurrence first, without repeats."""
    seen: set[str] = set()
    words: list[str] = []
    for start, end in spans:
        word = " ".join(original[start:end].split())
        if word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return tuple(words[:MAX_MATCHED])


def suggest_warnings(text: str) -> list[Suggestion]:
    """Suggest content warnings for ``text`` (plain text or Markdown), in taxonomy order."""
    normalised = _normalise(text)
    found: dict[str, list[tuple[int, int]]] = {}
    for slug in SEED_SLUGS:
        spans = _matches(normalised, slug)
        if spans:
            found[slug] = spans
    for slug, implied in IMPLIES.items():
        for other in implied:
            if slug in found and other not in found:
                found[other] = found[slug]
    return [Suggestion(slug, _distinct_words(text, found[slug])) for slug in SEED_SLUGS if slug in found]


class WarningSuggester:
    """The word list plus, when the safety model is loaded, the per-warning heads."""

    def __init__(self, heads: Heads | None, status: str) -> None:
        self.heads = heads
        self.status = status

    @classmethod
    def rules_only(cls, why: str = "the safety model is off") -> WarningSuggester:
        return cls(None, f"warning suggestions: the word list only ({why})")

    @classmethod
    def load(cls, data_dir: Path | None) -> WarningSuggester:
        path = heads_path(HEADS_NAME, SHIPPED_HEADS, data_dir)
        try:
            heads = Heads.load(path)
        except (OSError, ValueError, KeyError) as exc:
            log.error("could not read the warning heads at %s: %s", path, exc)
            return cls.rules_only(f"the trained heads at {path} could not be read: {exc}")
        return cls(heads, f"warning suggestions: the word list and the model ({len(heads.classes)} heads from {path})")

    def describe(self, safety: SafetyModel) -> str:
        if self.heads is None:
            return self.status
        why = unusable(self.heads, safety)
        return f"warning suggestions: the word list only ({why})" if why else self.status

    def suggest(self, text: str, analysis: TextAnalysis | None) -> list[Suggestion]:
        """Suggestions in taxonomy order: the word list's, then the model's for what the words missed."""
        found = {s.slug: s for s in suggest_warnings(text)}
        if self.heads is not None and analysis is not None and self.heads.fits(analysis):
            for slug, score in self.heads.scores(analysis).items():
                if slug not in found and score.probability >= self.heads.thresholds[slug]:
                    found[slug] = Suggestion(slug, (excerpt(score.unit, EXCERPT_WORDS),))
            for slug, implied in IMPLIES.items():
                for other in implied:
                    if slug in found and other not in found:
                        found[other] = Suggestion(other, found[slug].matched)
        return [found[slug] for slug in SEED_SLUGS if slug in found]
