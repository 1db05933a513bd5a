"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=2)
def hasher(fast: bool = False) -> PasswordHasher:
    # The cheapest profile is for the test suite only (hundreds of sign-ups); production uses the default.
    return PasswordHasher.from_parameters(CHEAPEST) if fast else PasswordHasher()


def hash_password(password: str, fast: bool = False) -> str:
    return hasher(fast).hash(password)


def verify_password(password_hash: str, password: str, fast: bool = False) -> bool:
    if not password_hash:
        return False
    try:
        return hasher(fast).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASHES: dict[bool, str] = {}


def dummy_verify(password: str, fast: bool = False) -> None:
    if fast not in _DUMMY_HASHES:
        _DUMMY_HASHES[fast] = hash_password("not-a-real-password", fast)
    verify_password(_DUMMY_HASHES[fast], password, fast)
