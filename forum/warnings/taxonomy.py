"""The seed content-warning taxonomy: what a fresh Haven install starts with.

Pure data, no database: the seeding code copies it into ``content_warnings`` and the suggester
uses the order of the slugs to order its suggestions. Communities can rename, add and retire
warnings afterwards; these are the defaults that suit most peer-support spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Same values as ``forum.warnings.models.Mode``; repeated here so this module stays free of SQLAlchemy.
DefaultMode = Literal["show", "warn", "hide"]


@dataclass(frozen=True, slots=True)
class SeedWarning:
    """One warning as shipped: a stable slug, a plain-language label and a reader-facing description."""

    slug: str
    label: str
    description: str
    default_mode: DefaultMode = "show"


SEED_WARNINGS: tuple[SeedWarning, ...] = (
    # Only these two are collapsed by default: they are the topics most likely to do harm when
    # met unexpectedly, and readers can still choose "show" for themselves.
    SeedWarning(
        "suicide",
        "Suicide",
        "Suicidal thoughts, attempts or loss to suicide, so you can choose when you read about it.",
        "warn",
    ),
    SeedWarning(
        "self-harm",
        "Self-harm",
        "Hurting yourself, urges, scars and recovery from self-harm, shared gently and with care.",
        "warn",
    ),
    SeedWarning(
        "eating-difficulties",
        "Eating difficulties",
        "Food, weight, calories, restricting, bingeing or purging, for anyone whose recovery needs space.",
    ),
    SeedWarning(
        "abuse",
        "Abuse",
        "Emotional, physical or other abuse and neglect, in childhood or as an adult.",
    ),
    SeedWarning(
        "sexual-violence",
        "Sexual violence",
        "Rape, sexual assault or sexual abuse, so survivors can decide when they are ready to read.",
    ),
    SeedWarning(
        "domestic-violence",
        "Domestic violence",
        "Abuse or control by a partner, ex or family member at home.",
    ),
    SeedWarning(
        "substance-use",
        "Alcohol and drugs",
        "Drinking, drug use, relapse and recovery, with respect for everyone's own journey.",
    ),
    SeedWarning(
        "death-bereavement",
        "Death and bereavement",
        "Death, dying, grief and loss of people or pets we love.",
    ),
    SeedWarning(
        "pregnancy-loss",
        "Pregnancy loss",
        "Miscarriage, stillbirth and other pregnancy or baby loss, held with tenderness.",
    ),
    SeedWarning(
        "medical",
        "Medical",
        "Hospitals, surgery, needles, scans and other procedures, for anyone those settings unsettle.",
    ),
    SeedWarning(
        "violence",
        "Violence",
        "Fights, attacks, weapons or war, whether experienced, witnessed or remembered.",
    ),
    SeedWarning(
        "discrimination",
        "Discrimination",
        "Racism, homophobia, transphobia, sexism, ableism and other prejudice, including slurs.",
    ),
    SeedWarning(
        "graphic-injury",
        "Graphic injury",
        "Blood, wounds, burns or other injuries described in physical detail.",
    ),
    SeedWarning(
        "strong-language",
        "Strong language",
        "Swearing, for readers who would rather not see it; no judgement either way.",
    ),
)

SEED_SLUGS: tuple[str, ...] = tuple(w.slug for w in SEED_WARNINGS)
