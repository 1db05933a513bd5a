"""What admins change on /admin/moderation: thresholds, pre-moderation, crisis resources.

Every change is written to the audit log, like a moderator's action: who changed what, and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.accounts.models import Member
from forum.accounts.regions import codes_for_label, parse_countries
from forum.discussions.crisis_help import split_phones, structure
from forum.errors import Forbidden, Invalid, NotFound
from moderation.config import load_config, store_setting, validate_thresholds
from moderation.models import CrisisResource
from moderation.services import log_action

MAX_PREMOD = 50
RESOURCE_FIELDS = {"name": 120, "region": 80, "countries": 80, "phone": 120, "sms_number": 20, "sms_body": 40,
                   "text": 200, "url": 300, "hours": 80, "description": 2000}


@dataclass(frozen=True)
class ResourceInput:
    name: str
    region: str = ""
    countries: str = ""
    phone: str = ""
    sms_number: str = ""
    sms_body: str = ""
    text: str = ""
    url: str = ""
    hours: str = ""
    description: str = ""
    position: int | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> ResourceInput:
        try:
            position = int(form["position"]) if str(form.get("position") or "").strip() else None
        except ValueError as exc:
            raise Invalid("The order is a whole number.", {"position": "Use a whole number, like 1."}) from exc
        return cls(**{k: str(form.get(k) or "").strip() for k in RESOURCE_FIELDS}, position=position)


async def active_resources(session: AsyncSession) -> list[dict[str, Any]]:
    """The crisis resources shown to members (the forum's crisis_resources provider), in the admin's order,
    each with its phone numbers, text option and countries spelled out (forum/discussions/crisis_help.py);
    pages and the API then order them for the reader."""
    rows = await session.scalars(select(CrisisResource).where(CrisisResource.active.is_(True))
                                 .order_by(CrisisResource.position, CrisisResource.id))
    return [structure(r.as_dict()) for r in rows]


class ModerationAdmin:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def ensure_admin(actor: Member | None) -> Member:
        if actor is None or not actor.is_admin:
            raise Forbidden("This page is for the forum's admins.")
        return actor

    async def save_thresholds(self, actor: Member | None, thresholds: Mapping[str, Mapping[str, Any]]) -> None:
        admin = self.ensure_admin(actor)
        before = (await load_config(self.session)).thresholds
        clean = validate_thresholds(thresholds)
        await store_setting(self.session, "thresholds", clean)
        changed = {k: v for k, v in clean.items() if before.get(k) != v}
        if changed:
            log_action(self.session, admin, "settings", "setting", None, None, key="thresholds",
                       before={k: before.get(k) for k in changed}, after=changed)
        await self.session.commit()

    async def save_premoderation(self, actor: Member | None, first_posts: Any, precision_target: Any = None) -> None:
        admin = self.ensure_admin(actor)
        try:
            n = int(str(first_posts).strip() or 0)
        except ValueError as exc:
            raise Invalid("Pre-moderation takes a whole number of posts (0 for off).",
                          {"premod_first_posts": "Use a whole number; 0 turns it off."}) from exc
        if not 0 <= n <= MAX_PREMOD:
            raise Invalid(f"Choose from 0 (off) to {MAX_PREMOD} posts.", {"premod_first_posts": f"0 to {MAX_PREMOD}."})
        config = await load_config(self.session)
        if n != config.premod_first_posts:
            await store_setting(self.session, "premod_first_posts", n)
            log_action(self.session, admin, "settings", "setting", None, None, key="premod_first_posts",
                       before=config.premod_first_posts, after=n)
        if precision_target not in (None, ""):
            try:
                target = float(precision_target)
            except (TypeError, ValueError) as exc:
                raise Invalid("The precision target is a number between 0.5 and 1.",
                              {"precision_target": "For example 0.8."}) from exc
            if not 0.5 <= target <= 1:
                raise Invalid("The precision target is a number between 0.5 and 1.",
                              {"precision_target": "For example 0.8."})
            if target != config.precision_target:
                await store_setting(self.session, "precision_target", target)
                log_action(self.session, admin, "settings", "setting", None, None, key="precision_target",
                           before=config.precision_target, after=target)
        await self.session.commit()

    # --- crisis resources ------------------------------------------------------------------------

    async def resources(self) -> list[CrisisResource]:
        return list(await self.session.scalars(
            select(CrisisResource).order_by(CrisisResource.active.desc(), CrisisResource.position, CrisisResource.id)))

    async def save_resource(self, actor: Member | None, resource_id: int | None, data: ResourceInput) -> CrisisResource:
        admin = self.ensure_admin(actor)
        errors: dict[str, str] = {}
        if not data.name:
            errors["name"] = "Give the service's name."
        if not (data.phone or data.text or data.url or data.sms_number):
            errors["phone"] = "Give at least a phone number, a text option or a website."
        if data.phone and not split_phones(data.phone):
            errors["phone"] = "Write the number in digits, like 116 123. Separate two numbers with a comma."
        if data.sms_number and not data.sms_number.replace(" ", "").lstrip("+").isdigit():
            errors["sms_number"] = "Write the number to text in digits, like 85258."
        if data.sms_body and not data.sms_number:
            errors["sms_number"] = "Add the number the words are sent to."
        bad = [c for c in data.countries.replace(",", " ").split() if not parse_countries(c)]
        if bad:
            errors["countries"] = "Use two-letter country codes, like GB IE, or leave it empty for anywhere."
        if data.url and not data.url.startswith(("https://", "http://")):
            errors["url"] = "Start the address with https://"
        for name, limit in RESOURCE_FIELDS.items():
            if len(getattr(data, name)) > limit:
                errors[name] = f"Keep it under {limit} characters."
        if errors:
            raise Invalid("The crisis resource needs another look.", errors)
        if resource_id is None:
            top = await self.session.scalar(select(func.max(CrisisResource.position))) or 0
            resource = CrisisResource(position=top + 1, active=True)
            self.session.add(resource)
        else:
            found = await self.session.get(CrisisResource, resource_id)
            if found is None:
                raise NotFound("We couldn't find that crisis resource.")
            resource = found
        for name in RESOURCE_FIELDS:
            setattr(resource, name, getattr(data, name))
        # Countries left empty are read from the region ("UK & Ireland" → GB IE; "Anywhere" stays empty).
        resource.countries = " ".join(parse_countries(data.countries) or codes_for_label(data.region) or [])
        if data.position is not None:
            resource.position = data.position
        await self.session.flush()
        log_action(self.session, admin, "resource-added" if resource_id is None else "resource-edited",
                   "crisis_resource", resource.id, None, name=resource.name)
        await self.session.commit()
        return resource

    async def set_resource_active(self, actor: Member | None, resource_id: int, active: bool) -> CrisisResource:
        admin = self.ensure_admin(actor)
        resource = await self.session.get(CrisisResource, resource_id)
        if resource is None:
            raise NotFound("We couldn't find that crisis resource.")
        if not active:
            others = await self.session.scalar(select(func.count()).select_from(CrisisResource).where(
                CrisisResource.active.is_(True), CrisisResource.id != resource_id)) or 0
            if others == 0:
                raise Invalid("Keep at least one crisis resource active: someone in danger must always "
                              "be shown where to turn.")
        resource.active = active
        log_action(self.session, admin, "resource-restored" if active else "resource-deactivated",
                   "crisis_resource", resource.id, None, name=resource.name)
        await self.session.commit()
        return resource
