"""What every JSON answer shares, whichever part of the forum gives it."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

# A moment as `datetime.isoformat()` writes it ("2024-05-01T09:30:00.123456+00:00"). Kept as text
# rather than a datetime field: msgspec would write UTC as "Z", and answers have always said "+00:00".
Timestamp = Annotated[str, Meta(description="A moment in ISO 8601, with its UTC offset.",
                                extra_json_schema={"extra": {"format": "date-time"}})]
