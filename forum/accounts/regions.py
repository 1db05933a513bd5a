"""Where a reader is, as far as crisis help goes: the country whose services they see first.

A member may choose it in their account settings (`members.region`); otherwise the browser's
language tags say (Accept-Language `en-GB` → GB, `fr-CA` → CA); otherwise nobody knows, and the
services that work anywhere come first. Countries are ISO 3166-1 alpha-2 codes, as in language tags.
"""

from __future__ import annotations

import re

from forum.accounts.models import Member

# "Somewhere else": the member has said they are not in any listed country (CLDR's "Unknown Region").
SOMEWHERE_ELSE = "ZZ"

# Names for the codes a forum is likely to hold services for, in the order groups of services are
# shown; any other valid code shows as itself.
COUNTRY_NAMES: dict[str, str] = {
    "GB": "United Kingdom", "IE": "Ireland", "US": "United States", "CA": "Canada", "AU": "Australia",
    "NZ": "New Zealand", "ZA": "South Africa", "IN": "India", "SG": "Singapore", "DE": "Germany", "AT": "Austria",
    "CH": "Switzerland", "FR": "France", "BE": "Belgium", "NL": "Netherlands", "ES": "Spain", "PT": "Portugal",
    "IT": "Italy", "DK": "Denmark", "SE": "Sweden", "NO": "Norway", "FI": "Finland", "PL": "Poland",
    "BR": "Brazil", "MX": "Mexico", "AR": "Argentina", "JP": "Japan", "KR": "South Korea", "HK": "Hong Kong",
    "PH": "Philippines", "NG": "Nigeria", "KE": "Kenya",
}
_WITH_THE = frozenset({"GB", "US", "NL", "PH"})
# Region labels as admins and the seeds write them ("UK & Ireland"), and the codes they stand for.
_LABEL_CODES: dict[str, str] = {
    **{name.lower(): code for code, name in COUNTRY_NAMES.items()},
    "uk": "GB", "gb": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "republic of ireland": "IE", "us": "US", "usa": "US",
    "united states of america": "US", "america": "US", "aotearoa": "NZ", "the netherlands": "NL",
}
ANYWHERE_LABELS = frozenset({"", "anywhere", "worldwide", "international", "everywhere", "global", "online"})
_CODE = re.compile(r"^[A-Z]{2}$")


def country_name(code: str, in_a_sentence: bool = False) -> str:
    """ "United Kingdom" for GB ("the United Kingdom" in a sentence); an unknown code is shown as itself."""
    name = COUNTRY_NAMES.get(code, code)
    return f"the {name}" if in_a_sentence and code in _WITH_THE else name


def is_country_code(value: str) -> bool:
    return bool(_CODE.match(value)) and value != SOMEWHERE_ELSE


def codes_for_label(label: str) -> list[str] | None:
    """The countries a region label names ("UK & Ireland" → GB, IE); [] for "Anywhere"; None if unknown."""
    text = (label or "").strip().lower()
    if text in ANYWHERE_LABELS:
        return []
    codes: list[str] = []
    for part in re.split(r"\s*(?:&|,|/|\band\b|\+)\s*", text):
        part = part.strip().removeprefix("the ").strip()
        if not part:
            continue
        code = _LABEL_CODES.get(part) or (part.upper() if is_country_code(part.upper()) and len(part) == 2 else None)
        if code is None:
            return None
        if code not in codes:
            codes.append(code)
    return codes


def parse_countries(value: str | list[str] | None) -> list[str]:
    """ "GB IE", "gb, ie" or ["GB", "IE"] → ["GB", "IE"]; anything that isn't a country code is dropped."""
    parts = value if isinstance(value, list) else re.split(r"[\s,;]+", value or "")
    out: list[str] = []
    for part in parts:
        code = str(part).strip().upper()
        if code == "UK":
            code = "GB"
        if is_country_code(code) and code not in out:
            out.append(code)
    return out


def region_from_accept_language(header: str | None) -> str | None:
    """The country of the browser's most preferred language tag that names one: "en-GB,en;q=0.8" → "GB".

    Tags are taken in order of their q-weights (ties keep the header's order); a tag without a country
    ("en") is passed over; "*" and malformed parts are ignored."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                weight = float(match.group(1))
            except ValueError:
                continue
        if tag and weight > 0:
            ranked.append((-weight, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        # language[-script][-REGION][-variants...]: the region is the first 2-letter subtag after the language.
        for subtag in tag.replace("_", "-").split("-")[1:]:
            if len(subtag) == 2 and subtag.isalpha():
                code = subtag.upper()
                return "GB" if code == "UK" else code
            if len(subtag) != 4:  # a script subtag (Hant) may come first; anything else ends the search
                break
    return None


def reader_region(member: Member | None, accept_language: str | None) -> str | None:
    """Where to show crisis services for: the member's choice, else the browser's, else None (anywhere)."""
    chosen = getattr(member, "region", None) if member is not None else None
    if chosen:
        return None if chosen == SOMEWHERE_ELSE else chosen
    return region_from_accept_language(accept_language)
