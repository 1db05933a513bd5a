"""Specification of the inline crisis-language check, plus a report over the labelled sentence set.

The examples in the specification tests were written separately from moderation/data/crisis/seed_development.jsonl,
so they also probe how far the patterns generalise beyond the set.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from moderation import crisis
from moderation.crisis import CrisisCheck, CrisisSignal, detect_crisis
from moderation.resources import SEED_CRISIS_RESOURCES, SeedResource

DATA = Path(__file__).parents[2] / "moderation" / "data" / "crisis" / "seed_development.jsonl"
REPORT = Path(__file__).parents[1] / ".reports" / "crisis_check.json"
CRISIS_LABELS = ("intent", "in_progress", "danger", "passive")
ALL_LABELS = (*CRISIS_LABELS, "past", "recovery", "figure_of_speech", "other_person", "neutral")


def _load() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def category(text: str) -> str | None:
    signal = detect_crisis(text)
    return signal.category if signal else None


# ---- what fires, and as what -------------------------------------------------------------------------


INTENT: list[str] = [
    "I'm going to end it all tonight, I can't keep pretending",
    "i will kill myself if he leaves me",
    "Tomorrow I'm going to overdose on my sertraline",
    "going to take every single pill in the house tonight",
    "im going to od tonight",
    "I've decided tonight's the night. The rope is ready.",
    "I have a plan to kill myself",
    "Can't stop thinking about killing myself",
    "Im SO suicidal right now",
    "sometimes I think about driving into a tree on the way home",
    "ill be dead by morning",
    "When I was 15 I tried to hang myself. Now I'm 30 and I'm going to kill myself tonight.",
    "I'm ready to go. I've said goodbye to my dog.",
    "I've got a bag of pills next to me and I'm writing my goodbyes",  # plural "goodbyes" passes the gate
    "i've stockpiled enough meds to do it properly this time",
    "I don't think I can stay safe tonight",
]


@pytest.mark.parametrize("text", INTENT)
def test_intent(text: str) -> None:
    assert category(text) == "intent"


IN_PROGRESS: list[str] = [
    "Just swallowed 40 co-codamol",
    "Help. I've taken 20 of my sleeping pills",
    "i took some pills with wine and now i feel really dizzy",
    "I've taken loads of tablets and I feel sleepy",
    "cutting my arms right now, i can't stop",
    "I'm on the ledge of the multi storey",
    "I've been self harming again",
    "I've just taken a big handful of my mum's tablets",
    "I'm sitting on the railway bridge with my legs over the side",
]


@pytest.mark.parametrize("text", IN_PROGRESS)
def test_in_progress(text: str) -> None:
    assert category(text) == "in_progress"


DANGER: list[str] = [
    "My boyfriend has a knife and he's screaming he'll kill me",
    "He hit me again tonight and I'm scared to go back inside",
    "She said she's going to kill herself and she's not answering",
    "I don't feel safe at home with him tonight",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger(text: str) -> None:
    assert category(text) == "danger"


PASSIVE: list[str] = [
    "I wish I could just not wake up",
    "everyone would be better off without me",
    "I don't want to be here anymore",  # "anymore" here is ideation, not recovery
    "i honestly dont want to live anymore",
    "I'd be better off dead",
    "i wish i wasn't alive",
    "There's no point in living anymore",
    "My parents would be happier if I was dead",
    "I'm worthless and I deserve to die",
    "I don't want to kill myself, I just want to not exist for a while",
    "I'm 40 and I've never wanted to die more than I do right now",
    "I used to be fine but now I want to die",
    "Life isn't worth living",
    "If I died tonight nobody would notice for days",
]


@pytest.mark.parametrize("text", PASSIVE)
def test_passive(text: str) -> None:
    assert category(text) == "passive"


def test_contract_example_pills_in_hand() -> None:
    signal = detect_crisis("I have the pills in my hand and tonight is the night")
    assert signal is not None
    assert signal.category in ("intent", "in_progress")


def test_most_urgent_category_wins() -> None:
    text = "I don't want to be here anymore. I've taken all my pills and I'm just waiting."
    assert category(text) == "in_progress"
    text = "Everyone would be better off without me. I'm going to kill myself on Friday."
    assert category(text) == "intent"


MISSPELT: list[str] = [
    "sucide is all i think about, im going to do it tonight",
    "im gonna kil myself",
    "honestly about to kms",
    "ive had enough, going to unalive myself tonight",
    "im going to commit sucide",
]


@pytest.mark.parametrize("text", MISSPELT)
def test_misspellings_and_filter_dodges(text: str) -> None:
    assert category(text) == "intent"


def test_markdown_is_plain_text_and_matched_quotes_the_writer() -> None:
    signal = detect_crisis("Sorry for this.\n\n> I'm going to **kill myself** tonight\n\n_that's all_")
    assert signal == CrisisSignal("intent", ("kill myself",))
    signal = detect_crisis("honestly about to KMS")
    assert signal is not None and signal.matched == ("KMS",)
    signal = detect_crisis("I don’t want to be here anymore")
    assert signal is not None and signal.matched == ("don’t want to be here",)


# ---- what must not fire ------------------------------------------------------------------------------


FIGURES: list[str] = [
    "this exam is killing me",
    "I could murder a pizza",
    "I'm dead tired",
    "my feet are killing me",
    "dying to see it",
    "just killing time before my appointment",
    "I nearly killed myself laughing",
    "I could kill myself for forgetting her birthday",
    "my sister will murder me if I'm late",
    "I'm going to kill this presentation tomorrow",
    "I'd rather die than go to that party",
    "I'm going to end it with him tonight, I've made up my mind",
    "I'm cutting back on caffeine",
    "I'm cutting myself off from toxic people",
    "Im about to jump in the shower",
    "overdosed on chocolate this weekend haha",
    "The new season of that show is to die for",
    "Tonight's the night, finally seeing my favourite band!",
    "Writing a letter to my future self, tonight is the night I start journaling",
    "Standing on the bridge watching the sunset was beautiful",
    "I'm so bored I could die",
    "I'm going to end this thread here, thanks for the advice all",
]


@pytest.mark.parametrize("text", FIGURES)
def test_figures_of_speech_do_not_fire(text: str) -> None:
    assert detect_crisis(text) is None


PAST_RECOVERY: list[str] = [
    "two years ago I tried to end my life",
    "I tried to kill myself in 2017, that's why I joined this forum",
    "I used to want to die, now I'm glad I'm here",
    "I used to self harm but I stopped two years ago",
    "I've been self-harm free for 18 months",
    "I'm not suicidal, just really low",
    "I don't want to die, I just want the pain to stop",
    "I'd never kill myself, I couldn't do that to my mum",
    "No longer want to die, which is a huge change for me",
    "I'm so glad I didn't kill myself back then",
    "My therapist asked if I'd ever thought about killing myself",
]


@pytest.mark.parametrize("text", PAST_RECOVERY)
def test_past_and_recovery_do_not_fire(text: str) -> None:
    assert detect_crisis(text) is None


OTHER_PEOPLE: list[str] = [
    "My dad attempted suicide when I was little",
    "He told me he wanted to kill himself last year",
    "my mum keeps saying she wants to die and I don't know how to help",
    "What do I say to someone who says they want to die?",
]


@pytest.mark.parametrize("text", OTHER_PEOPLE)
def test_other_people_in_the_past_do_not_fire(text: str) -> None:
    assert detect_crisis(text) is None


ORDINARY: list[str] = [
    "",
    "Going to take my meds and go to bed",
    "The pills my GP gave me are making me sleepy",
    "I have the pills my doctor prescribed, should I take them with food?",
    "I'm going to the bridge club tonight, first time in ages",
    "goodbye everyone, thanks for all the support over the years, I'm off to university!",
    "Suicide awareness week starts Monday, here are some resources",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_posts_do_not_fire(text: str) -> None:
    assert detect_crisis(text) is None


# ---- the object the app registers ----------------------------------------------------------------------


def test_crisis_check_object() -> None:
    check = CrisisCheck()
    assert check.name == "crisis"
    assert check.check("I'm going to kill myself tonight") == detect_crisis("I'm going to kill myself tonight")
    assert check.check("this exam is killing me") is None


# ---- internals that keep it fast and honest --------------------------------------------------------------


def _post(length: int = 2000) -> str:
    paragraph = (
        "Hi all, long time lurker. This week has been a lot: work is killing me, my feet are killing me "
        "after double shifts, and my manager keeps piling stuff on. I'm dead tired. I could murder a pizza. "
        "I used to struggle much more and I'm in a better place now, but the nights are hard. Does anyone "
        "have tips for sleeping? I've tried the apps, the tea and the no-screens-after-nine thing; my GP "
        "says keep a diary and take my meds at the same time each day.\n\n"
    )
    return (paragraph * (length // len(paragraph) + 1))[:length]


def test_speed_1000_checks_of_a_2000_character_post_under_one_second() -> None:
    post = _post()
    assert len(post) == 2000
    detect_crisis(post)  # warm up
    # CPU time of this process, so other work on a shared machine doesn't count against the rules.
    start = time.process_time()
    for _ in range(1000):
        detect_crisis(post)
    elapsed = time.process_time() - start
    print(f"\n1,000 checks of a 2,000-character post: {elapsed:.3f} s of CPU")
    assert elapsed < 1.0


_GATED_RULES = [
    *crisis._IN_PROGRESS,
    *crisis._INTENT,
    *crisis._DANGER,
    *crisis._PASSIVE,
    *crisis._PLAN_CUES,
    crisis._MEANS,
    crisis._TAKEN_WEAK,
    crisis._THREAT,
]
_CORPUS = (
    [row["text"] for row in _load()]
    + [_post()]
    + INTENT
    + IN_PROGRESS
    + DANGER
    + PASSIVE
    + MISSPELT
    + FIGURES
    + PAST_RECOVERY
    + OTHER_PEOPLE
    + ORDINARY
)


def test_word_gate_never_hides_a_match() -> None:
    """Wherever a rule's regex matches, its word gate must be open; a gate word that does not occur as a
    whole word (say "goodbye" against "goodbyes") would silently hide the match."""
    for text in _CORPUS:
        normalised, words = crisis._normalise(text)
        for rule in _GATED_RULES:
            if rule.regex.search(normalised):
                assert rule.could_match(words), (rule.regex.pattern[:60], text)
        assert crisis._detect(text) == crisis._detect(text, gated=False), text


def test_gate_phrases_are_whole_words() -> None:
    for rule in _GATED_RULES:
        for phrase in (*rule.needs, *rule.also):
            # Lower-case words as the normaliser leaves them, or the "NUM" marker for any number.
            assert phrase and all(re.fullmatch(r"[a-z0-9]+|NUM", w) for w in phrase), (rule.regex.pattern, phrase)


def test_tracked_normalisation_matches_the_fast_path() -> None:
    for row in _load():
        assert crisis._Tracked(row["text"]).text == crisis._normalise(row["text"])[0]


# ---- seed resources -------------------------------------------------------------------------------------


def test_seed_resources() -> None:
    names = {r.name for r in SEED_CRISIS_RESOURCES}
    assert {
        "Samaritans",
        "Shout",
        "988 Suicide & Crisis Lifeline",
        "Crisis Text Line",
        "Lifeline Australia",
        "Kids Help Phone",
        "Emergency services",
        "Find A Helpline",
    } <= names
    for resource in SEED_CRISIS_RESOURCES:
        assert isinstance(resource, SeedResource)
        assert resource.phone or resource.text or resource.url
        assert resource.url is None or resource.url.startswith("https://")
    samaritans = next(r for r in SEED_CRISIS_RESOURCES if r.name == "Samaritans")
    assert samaritans.phone == "116 123" and samaritans.text == "Email jo@samaritans.org"


# ---- report over the labelled set ----------------------------------------------------------------------


def test_labelled_set_report() -> None:
    rows = _load()
    counts = {label: sum(r["label"] == label for r in rows) for label in ALL_LABELS}
    assert set(r["label"] for r in rows) <= set(ALL_LABELS)
    minimum = {
        "intent": 25,
        "in_progress": 15,
        "danger": 10,
        "passive": 15,
        "past": 20,
        "recovery": 20,
        "figure_of_speech": 25,
    }
    assert len(rows) >= 140
    for label, n in minimum.items():
        assert counts[label] >= n, (label, counts[label])

    fired: dict[str, int] = dict.fromkeys(ALL_LABELS, 0)
    same_category: dict[str, int] = dict.fromkeys(ALL_LABELS, 0)
    misses: list[dict[str, str | None]] = []
    for row in rows:
        got = category(row["text"])
        should_fire = row["label"] in CRISIS_LABELS
        if got is not None:
            fired[row["label"]] += 1
            same_category[row["label"]] += got == row["label"]
        if (got is not None) != should_fire:
            misses.append({"label": row["label"], "got": got, "text": row["text"]})

    def rate(labels: tuple[str, ...]) -> float:
        return sum(fired[lb] for lb in labels) / sum(counts[lb] for lb in labels)

    figures = {
        "recall_intent_in_progress": rate(("intent", "in_progress")),
        "recall_danger": rate(("danger",)),
        "recall_passive": rate(("passive",)),
        "false_alarm_figure_recovery": rate(("figure_of_speech", "recovery")),
        "false_alarm_past": rate(("past",)),
        "false_alarm_neutral": rate(("neutral",)),
        "false_alarm_other_person": rate(("other_person",)),
    }
    per_label = {
        label: {
            "n": counts[label],
            "fired": fired[label],
            "rate": round(fired[label] / counts[label], 3) if counts[label] else None,
            **({"same_category": same_category[label]} if label in CRISIS_LABELS else {}),
        }
        for label in ALL_LABELS
    }

    lines = [f"{'label':<18}{'n':>4}{'fired':>7}{'rate':>7}{'same cat':>10}"]
    for label, d in per_label.items():
        lines.append(f"{label:<18}{d['n']:>4}{d['fired']:>7}{d['rate']:>7.2f}{d.get('same_category', ''):>10}")
    lines.append("")
    lines += [f"{name:<32}{value:.3f}" for name, value in figures.items()]
    lines += ["", "disagreements with the labels:"]
    lines += [f"  {m['label']:<18} -> {m['got']!s:<12} {m['text']}" for m in misses]
    print("\n" + "\n".join(lines))

    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {"figures": {k: round(v, 3) for k, v in figures.items()}, "per_label": per_label, "disagreements": misses},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )

    assert figures["recall_intent_in_progress"] >= 0.95
    assert figures["recall_danger"] >= 0.8
    assert figures["recall_passive"] >= 0.8
    assert figures["false_alarm_figure_recovery"] <= 0.15
