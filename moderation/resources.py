"""Seed crisis resources: widely known services shown next to a crisis signal.

Only facts we are confident of are listed; an admin can edit or add local services in the app.  Where a
service has no text line (or we are not sure of one) there is no text option rather than a guess.

Each entry says the countries it is for (ISO codes; none = anyone, anywhere), each phone number
separately ("112, 999"), and a text option as a number and the words to send, so that pages can
offer one `tel:` or `sms:` link per way of reaching someone. Migrations 0002 and 0010 hold frozen
copies of these values (what a fresh database is seeded with); this list is what the forum shows when
the resources table can't be read or is empty (moderation/plugin.py). A change here reaches existing
databases only through a new migration.
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
    countries: str = ""
    sms_number: str | None = None
    sms_body: str | None = None

    def __post_init__(self) -> None:
        # The text option in words too ("Text SHOUT to 85258"), for what still reads `text`.
        if self.sms_number and not self.text:
            words = f"Text {self.sms_body} to {self.sms_number}" if self.sms_body else f"Text {self.sms_number}"
            object.__setattr__(self, "text", words)


_DANGER = "If you are in immediate danger or have already hurt yourself, "

SEED_CRISIS_RESOURCES: tuple[SeedResource, ...] = (
    # United Kingdom and Ireland (both emergency numbers before Samaritans, which is for both)
    SeedResource(name="Emergency services", region="UK", countries="GB", phone="999", text=None, url=None,
                 hours="24/7", description=_DANGER + "call 999 now. 112 works too."),
    SeedResource(name="Emergency services", region="Ireland", countries="IE", phone="112, 999", text=None,
                 url=None, hours="24/7", description=_DANGER + "call 112 or 999 now."),
    SeedResource(
        name="Samaritans",
        region="UK & Ireland",
        countries="GB IE",
        phone="116 123",
        text="Email jo@samaritans.org",
        url="https://www.samaritans.org",
        hours="24/7",
        description="Free, confidential listening for anyone who is struggling to cope, whatever the reason.",
    ),
    SeedResource(
        name="Shout",
        region="UK",
        countries="GB",
        phone=None,
        text=None,
        sms_number="85258",
        sms_body="SHOUT",
        url="https://giveusashout.org",
        hours="24/7",
        description="Free, confidential text support with a trained volunteer.",
    ),
    # United States
    SeedResource(name="Emergency services", region="US", countries="US", phone="911", text=None, url=None,
                 hours="24/7", description=_DANGER + "call 911 now."),
    SeedResource(
        name="988 Suicide & Crisis Lifeline",
        region="US",
        countries="US",
        phone="988",
        text=None,
        sms_number="988",
        url="https://988lifeline.org",
        hours="24/7",
        description="Free, confidential support for people in suicidal crisis or emotional distress.",
    ),
    SeedResource(
        name="Crisis Text Line",
        region="US",
        countries="US",
        phone=None,
        text=None,
        sms_number="741741",
        sms_body="HOME",
        url="https://www.crisistextline.org",
        hours="24/7",
        description="Free text support with a trained crisis counsellor.",
    ),
    # Canada
    SeedResource(name="Emergency services", region="Canada", countries="CA", phone="911", text=None, url=None,
                 hours="24/7", description=_DANGER + "call 911 now."),
    SeedResource(
        name="9-8-8 Suicide Crisis Helpline",
        region="Canada",
        countries="CA",
        phone="988",
        text=None,
        sms_number="988",
        url="https://988.ca",
        hours="24/7",
        description="Support for anyone in Canada thinking about suicide or worried about someone else.",
    ),
    SeedResource(
        name="Kids Help Phone",
        region="Canada",
        countries="CA",
        phone="1-800-668-6868",
        text=None,
        sms_number="686868",
        sms_body="CONNECT",
        url="https://kidshelpphone.ca",
        hours="24/7",
        description="Support for young people in Canada, by phone or text.",
    ),
    # Australia
    SeedResource(name="Emergency services", region="Australia", countries="AU", phone="000", text=None, url=None,
                 hours="24/7", description=_DANGER + "call 000 now. From a mobile, 112 works too."),
    SeedResource(
        name="Lifeline Australia",
        region="Australia",
        countries="AU",
        phone="13 11 14",
        text=None,
        url="https://www.lifeline.org.au",
        hours="24/7",
        description="Crisis support and suicide prevention for anyone in Australia.",
    ),
    # Anywhere
    SeedResource(name="Emergency services", region="Anywhere", phone="112", text=None, url=None, hours="24/7",
                 description=_DANGER + "call your local emergency number now. 112 works across the EU and in "
                 "many other countries."),
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
