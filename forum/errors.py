"""What can go wrong in a service, said kindly. Controllers turn these into HTTP answers."""

from __future__ import annotations


class ForumError(Exception):
    status_code = 400

    def __init__(self, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}


class Invalid(ForumError):
    """The input can't be used as it is; `fields` says what to change, next to each field."""

    status_code = 400


class NotSignedIn(ForumError):
    status_code = 401

    def __init__(self, detail: str = "Please sign in to do that.") -> None:
        super().__init__(detail)


class Forbidden(ForumError):
    status_code = 403


class NotFound(ForumError):
    status_code = 404


class Conflict(ForumError):
    status_code = 409
