"""Seed crisis resources: widely known services shown next to a crisis signal.

Only facts we are confident of are listed; an admin can edit or add local services in the app.  Where a
service has no text line (or we are not sure of one) ``text`` is None rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedResource:
    """One crisis service as seeded into a fresh forum."""

    name: str
    region: str
    phone: str | None
    text: str | None
    url: str | None
    hours: str | None
    description: str


SEED_CRISIS_RESOURCES: tuple[SeedResource, ...] = (
    SeedResource(
        name="Emergency services",
        region="Anywhere",
        phone="999 (UK), 112 (EU and Ireland), 911 (US and Canada), 000 (Australia)",
        text=None,
        url=None,
        hours="24/7",
        description="If you are in immediate danger or have already hurt yourself, call emergency services now.",
    ),
    SeedResource(
        name="Samaritans",
        region="UK & Ireland",
        phone="116 123",
        text="Email jo@samaritans.org",
        url="https://www.samaritans.org",
        hours="24/7",
        description="Free, confidential listening for anyone who is struggling to cope, whatever the reason.",
    ),
    SeedResource(
        name="Shout",
        region="UK",
        phone=None,
        text="Text SHOUT to 85258",
        url="https://giveusashout.org",
        hours="24/7",
        description="Free, confidential text support with a trained volunteer.",
    ),
    SeedResource(
        name="988 Suicide & Crisis Lifeline",
        region="US",
        phone="988",
        text="Text 988",
        url="https://988lifeline.org",
        hours="24/7",
        description="Free, confidential support for people in suicidal crisis or emotional distress.",
    ),
    SeedResource(
        name="Crisis Text Line",
        region="US",
        phone=None,
        text="Text HOME to 741741",
        url="https://www.crisistextline.org",
        hours="24/7",
        description="Free text support with a trained crisis counsellor.",
    ),
    SeedResource(
        name="9-8-8 Suicide Crisis Helpline",
        region="Canada",
        phone="988",
        text="Text 988",
        url="https://988.ca",
        hours="24/7",
        description="Support for anyone in Canada thinking about suicide or worried about someone else.",
    ),
    SeedResource(
        name="Kids Help Phone",
        region="Canada",
        phone="1-800-668-6868",
        text="Text CONNECT to 686868",
        url="https://kidshelpphone.ca",
        hours="24/7",
        description="Support for young people in Canada, by phone or text.",
    ),
    SeedResource(
        name="Lifeline Australia",
        region="Australia",
        phone="13 11 14",
        text=None,
        url="https://www.lifeline.org.au",
        hours="24/7",
        description="Crisis support and suicide prevention for anyone in Australia.",
    ),
    SeedResource(
        name="Find A Helpline",
        region="Anywhere",
        phone=None,
        text=None,
        url="https://findahelpline.com",
        hours=None,
        description="A directory of free, confidential helplines in many countries, searchable by country.",
    ),
)
