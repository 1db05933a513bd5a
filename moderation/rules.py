"""The numbers behind moderation, in one place, with the reasons for them.

Services read these; admins change the thresholds and pre-moderation from /admin/moderation
(stored in mod_settings), the rest are policy that changes with the code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# --- queue order -----------------------------------------------------------------------------
# Cards sort by priority (highest first), then age. Tiers are 100 apart and what is added within a
# tier stays under 100, so no number of reports or score lifts an item into a more urgent tier.
CRISIS_PRIORITY = 1000
# Within crisis: someone who may be acting now comes before someone who said they wish they weren't here.
CRISIS_BONUS = {"in_progress": 40, "intent": 30, "danger": 20, "passive": 0}
# "Worried about this person" reports sit just under the crisis check's own flags.
WORRIED_PRIORITY = 900
# A post someone can't see right now (hidden by the classifier or by reports, or held by
# pre-moderation): a person may be waiting, or wrongly silenced, until a moderator looks.
HELD_PRIORITY = 800
APPEAL_PRIORITY = 600
REPORT_PRIORITY = 500
REPORT_STEP = 10  # each further report on the same post
CLASSIFIER_PRIORITY = 100  # + the highest score as a percentage

URGENT_AT = WORRIED_PRIORITY  # "7 waiting, 1 urgent": crisis flags and worried reports

# --- alerts for urgent items (admin-editable: a webhook and/or email addresses) -------------------
# An alert that couldn't go out for this long is dropped (with a log line): by then it would only
# wake someone for something another moderator has most likely seen.
ALERT_GIVE_UP_AFTER = dt.timedelta(hours=1)
MAX_ALERT_EMAILS = 20

# --- reports ---------------------------------------------------------------------------------
REPORT_REASONS: dict[str, str] = {
    "unkind": "Unkind or harassing",
    "spam": "Spam or advertising",
    "worried": "I'm worried about this person",
    "needs-warning": "It needs a content warning",
    "other": "Something else",
}
# Reports from this many different established members hide a post until a moderator looks.
REPORTS_TO_HIDE = 3
# Only reasons that say the post itself harms others count toward hiding it. A post that worries
# someone, or that needs a content warning, stays up: hiding a person reaching out would hurt them.
HIDING_REASONS = frozenset({"unkind", "spam", "other"})
# "Established": the account is at least this old and has at least one published post. A brigade
# of fresh accounts can still report (moderators see every report) but cannot hide anything.
ESTABLISHED_AFTER = dt.timedelta(days=3)
ESTABLISHED_MIN_POSTS = 1

# --- acting ----------------------------------------------------------------------------------
# A claim keeps other moderators off an item while someone works on it; it lapses on its own
# so an item is never stuck behind someone who went to bed.
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
# A moderator can take back their own last action for this long (a mis-click, not a rethink).
UNDO_WINDOW = dt.timedelta(minutes=5)
MAX_SUSPENSION_DAYS = 365
# In the order a moderator reads them; what each means is in moderation/decisions.py.
ACTIONS = ("approve", "hide", "remove", "warnings", "warn", "suspend", "ban")

# --- classifier thresholds (admin-editable) ---------------------------------------------------
# flag: raise a classifier flag at or above; hide: also hide the post pending review (None: never).
# Swearing in pain is common here, so "obscene" alone never hides; a threat is flagged early.
DEFAULT_THRESHOLDS: dict[str, dict[str, float | None]] = {
    "toxicity": {"flag": 0.8, "hide": 0.97},
    "severe_toxicity": {"flag": 0.7, "hide": 0.95},
    "obscene": {"flag": 0.9, "hide": None},
    "threat": {"flag": 0.6, "hide": 0.95},
    "insult": {"flag": 0.8, "hide": 0.97},
    "identity_attack": {"flag": 0.6, "hide": 0.95},
    "sexual_explicit": {"flag": 0.8, "hide": None},
}
# Off: nobody reaching out at 3 a.m. should wait hours for a moderator to see their first post.
DEFAULT_PREMOD_FIRST_POSTS = 0
# Calibration suggests the lowest threshold whose flags were upheld at least this often.
DEFAULT_PRECISION_TARGET = 0.8
# ...and only once this many decisions back the suggestion.
CALIBRATION_MIN_DECISIONS = 5


def classifier_priority(scores: dict[str, float], hidden: bool) -> int:
    top = max(scores.values(), default=0.0)
    return (HELD_PRIORITY if hidden else CLASSIFIER_PRIORITY) + min(99, round(top * 99))


def crisis_priority(category: str) -> int:
    return CRISIS_PRIORITY + CRISIS_BONUS.get(category, 0)


def report_priority(reasons: list[str], hidden: bool) -> int:
    if "worried" in reasons:
        return WORRIED_PRIORITY
    base = HELD_PRIORITY if hidden else REPORT_PRIORITY
    return base + min(99, REPORT_STEP * len(reasons))


def default_settings() -> dict[str, Any]:
    return {
        "thresholds": {label: dict(values) for label, values in DEFAULT_THRESHOLDS.items()},
        "premod_first_posts": DEFAULT_PREMOD_FIRST_POSTS,
        "precision_target": DEFAULT_PRECISION_TARGET,
        # Off until an admin sets them on /admin/moderation.
        "alerts": {"webhook_url": "", "emails": []},
    }
