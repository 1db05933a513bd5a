"""What /api/v1/warnings and /api/v1/me/warning-preferences answer."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict, cast

from litestar.openapi.spec import Schema
from litestar.params import KwargDefinition
from msgspec import Struct

from forum.warnings.models import MODES, Mode
from forum.warnings.services import WarningInfo


class WarningOut(Struct, kw_only=True):
    """A content warning in the taxonomy, and what readers see until they choose."""

    slug: str
    label: str
    description: str
    default_mode: Mode

    @classmethod
    def from_info(cls, warning: WarningInfo) -> WarningOut:
        return cls(slug=warning.slug, label=warning.label, description=warning.description,
                   default_mode=cast(Mode, warning.default_mode))


class TaxonomyOut(Struct, kw_only=True):
    warnings: list[WarningOut]


class WarningPreferencesOut(TypedDict):
    """The reader's choice for every warning, keyed by its slug, beside gentle mode: one flat object,
    as PUT takes it. A Struct can't have keys named by data, hence a TypedDict, whose other keys
    /schema describes as modes (see `WarningPreferencesAnswer`)."""

    gentle_mode: bool
    gentle_until: str | None


WarningPreferencesAnswer = Annotated[WarningPreferencesOut, KwargDefinition(
    description="`show`, `warn` or `hide` for each content warning's slug, and gentle mode "
                "(`gentle_until` is when it ends, null while it is off).",
    schema_extra={"additional_properties": Schema(type="string", enum=list(MODES))})]


def preferences_out(preferences: dict[str, Any]) -> WarningPreferencesOut:
    """WarningService.preferences as the API answers it."""
    return cast(WarningPreferencesOut, {**preferences["modes"], "gentle_mode": preferences["gentle_mode"],
                                        "gentle_until": preferences["gentle_until"]})
