"""/api/v1/warnings and the reader's own choices."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, put
from litestar.di import Provide

from forum.accounts.models import Member
from forum.errors import Invalid
from forum.warnings.schemas import TaxonomyOut, WarningOut, WarningPreferencesAnswer, preferences_out
from forum.warnings.services import WarningService, gentle_until
from forum.warnings.visibility import Reader
from forum.web import provide_member, provide_warnings


class WarningApi(Controller):
    path = "/api/v1"
    tags = ["content warnings"]
    dependencies = {"warnings": Provide(provide_warnings, sync_to_thread=False), "member": Provide(provide_member)}

    @get("/warnings")
    async def taxonomy(self, warnings: WarningService) -> TaxonomyOut:
        return TaxonomyOut(warnings=[WarningOut.from_info(w) for w in await warnings.taxonomy()])

    @get("/me/warning-preferences")
    async def preferences(self, member: Member, reader: Reader, warnings: WarningService) -> WarningPreferencesAnswer:
        return preferences_out(await warnings.preferences(reader))

    @put("/me/warning-preferences")
    async def save(self, data: dict[str, Any], member: Member, warnings: WarningService) -> WarningPreferencesAnswer:
        choices = dict(data)
        gentle = choices.pop("gentle_mode", None)
        gentle_for = choices.pop("gentle_for", None)
        choices.pop("gentle_until", None)
        modes = await warnings.validated_modes(choices)
        if gentle is not None and not isinstance(gentle, bool):
            raise Invalid("gentle_mode is true or false.", {"gentle_mode": "Use true or false."})
        until = gentle_until(gentle_for or "off-switch") if gentle else None  # checked before anything is saved
        await warnings.save_member_modes(member, modes)
        if gentle is not None:
            await warnings.set_member_gentle(member, until)
        return preferences_out(await warnings.preferences(await warnings.reader_for(member)))
