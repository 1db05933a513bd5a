"""Crisis resources as the reader sees them: each number its own link, each text option an sms: link,
and the services for where the reader is first.

The resources come from the crisis-resources provider (forum/hooks.py; moderation fills it from the
admin-edited table) as dicts with at least name, region, phone, text, url, hours and description.
`structure` adds what a page and the API need to offer one tap per way of reaching someone, and
`order_for_reader` is THE rule for their order; pages and the API both call `resources_for`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.accounts.regions import (
    ANYWHERE_LABELS,
    COUNTRY_NAMES,
    codes_for_label,
    country_name,
    parse_countries,
    reader_region,
)

_USUAL_ORDER = list(COUNTRY_NAMES)

# Also written as one or more numbers separated by commas, semicolons, slashes or "or", each with an
# optional label in brackets: "116 123", "112 or 999", "999 (UK), 112 (EU)".
_PHONE_SPLIT = re.compile(r"\s*(?:,|;|/|\bor\b)\s*", re.I)
_PHONE_LABEL = re.compile(r"^(?P<number>[^()]*?)\s*\((?P<label>[^)]*)\)\s*$")
# "Text SHOUT to 85258", "text HOME to 741741", "Text 988": the prose the seeds and admins used to write.
_TEXT_OPTION = re.compile(r"^\s*text\s+(?:(?P<body>[A-Za-z0-9]+)\s+to\s+)?(?P<number>\+?\d[\d ]*\d|\d)\s*\.?\s*$", re.I)


def tel_href(number: str) -> str:
    """tel: with digits only (and a leading +): "116 123" → "tel:116123", "1-800-668-6868" → "tel:18006686868"."""
    digits = re.sub(r"\D", "", number)
    return f"tel:{'+' if number.strip().startswith('+') else ''}{digits}"


def sms_href(number: str, body: str = "") -> str:
    """An sms: link that opens the messages app with the number and, if given, the words filled in.

    `sms:NUMBER?&body=TEXT` is the one form both phones read: iOS has long wanted the body after
    `&` and ignores a bare `?body=`, while Android reads the `?` query and simply skips the empty
    first parameter, so `?&body=` fills the message in on both (RFC 5724 would have `?body=`)."""
    target = tel_href(number).removeprefix("tel:")
    return f"sms:{target}?&body={quote(body)}" if body else f"sms:{target}"


def split_phones(phone: str | None) -> list[dict[str, str]]:
    """Each number written in `phone` as {"number", "label", "tel"}; parts without digits are skipped."""
    out: list[dict[str, str]] = []
    for part in _PHONE_SPLIT.split(phone or ""):
        part = part.strip()
        match = _PHONE_LABEL.match(part)
        number, label = (match.group("number").strip(), match.group("label").strip()) if match else (part, "")
        if sum(c.isdigit() for c in number) >= 2 or number.isdigit():
            out.append({"number": number, "label": label, "tel": tel_href(number)})
    return out


def text_option(number: str | None, body: str | None) -> dict[str, str] | None:
    number, body = (number or "").strip(), (body or "").strip()
    if not any(c.isdigit() for c in number):
        return None
    label = f"Text {body} to {number}" if body else f"Text {number}"
    return {"number": number, "body": body, "href": sms_href(number, body), "label": label}


def parse_text_option(text: str | None) -> dict[str, str] | None:
    """The text option written as prose ("Text SHOUT to 85258"), or None if it isn't one."""
    match = _TEXT_OPTION.match(text or "")
    return text_option(match.group("number"), match.group("body")) if match else None


def structure(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with `phones`, `sms`, `countries` and `anywhere` added; safe to apply twice.

    The keys it came with stay, meaning what they meant (`text` is still the text option in words,
    "Text SHOUT to 85258", or another way to reach them such as an email address)."""
    out = {k: v for k, v in resource.items() if k not in ("sms_number", "sms_body")}
    for key in ("name", "region", "phone", "text", "url", "hours", "description"):
        out[key] = out.get(key) or ""
    sms = text_option(resource.get("sms_number"), resource.get("sms_body"))
    if sms is None and isinstance(resource.get("sms"), dict):
        sms = text_option(resource["sms"].get("number"), resource["sms"].get("body"))
    stored_text = out["text"]
    if sms is None:
        sms = parse_text_option(stored_text)
    out["sms"] = sms
    # Another way to reach them written in words ("Email jo@samaritans.org"), unless it only says the text option.
    out["note"] = "" if sms and (not stored_text or parse_text_option(stored_text)) else stored_text
    out["text"] = stored_text or (sms["label"] if sms else "")
    out["phones"] = split_phones(out["phone"])
    countries = parse_countries(resource.get("countries"))
    if not countries:
        countries = codes_for_label(out["region"]) or []
    out["countries"] = countries
    out["anywhere"] = not countries and out["region"].strip().lower() in ANYWHERE_LABELS
    return out


def _group_key(resource: dict[str, Any]) -> tuple[int, str]:
    first = resource["countries"][0] if resource["countries"] else ""
    known = first in _USUAL_ORDER
    return (_USUAL_ORDER.index(first) if known else len(_USUAL_ORDER), "" if known else resource["region"].lower())


def order_for_reader(resources: list[dict[str, Any]], region: str | None) -> list[dict[str, Any]]:
    """THE order of crisis resources for a reader in `region` (an ISO country code, or None if unknown).

    First the services for that country, then those that work anywhere: these are marked
    `primary` and shown at once. The rest follow grouped by country (the forum's usual countries
    first, then by name), marked `primary: False`, for the closed "Other countries" list. Within a
    group the admin's order holds. Should nothing be primary, everything is: someone in danger always
    sees somewhere to turn without opening anything."""
    items = [structure(r) for r in resources]
    local = [r for r in items if region and region in r["countries"]]
    anywhere = [r for r in items if r["anywhere"] and not (region and region in r["countries"])]
    rest = sorted((r for r in items if not r["anywhere"] and not (region and region in r["countries"])),
                  key=_group_key)  # sorted() is stable: the admin's order holds within a country
    for r in rest:  # the heading of its group under "Other countries"
        r["group"] = country_name(r["countries"][0]) if r["countries"] else (r["region"] or "Elsewhere")
    first = local + anywhere
    if not first:
        return [{**r, "primary": True} for r in rest]
    return [{**r, "primary": True} for r in first] + [{**r, "primary": False} for r in rest]


def region_of(request: Request) -> str | None:
    """The reader's region for this request: the signed-in member's choice, else their browser's."""
    viewer = request.scope.get("state", {}).get("viewer")
    return reader_region(viewer if isinstance(viewer, Member) else None, request.headers.get("accept-language"))


async def resources_for(request: Request, session: AsyncSession) -> list[dict[str, Any]]:
    """The crisis resources, structured and ordered for whoever is asking."""
    from forum.web import extensions_of

    return order_for_reader(await extensions_of(request.app.state).resources(session), region_of(request))
