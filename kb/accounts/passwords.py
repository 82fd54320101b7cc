"""Password hashing with argon2 (the only argon2 import)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12


class Passwords:
    """Hash and verify; unknown accounts cost the same time by verifying a dummy hash."""

    def __init__(self, profile: str | None = None) -> None:
        # "cheapest" is for tests only; the default is argon2-cffi's RFC 9106 low-memory profile
        self.hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if profile == "cheapest" else PasswordHasher()

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    @functools.cached_property
    def _dummy(self) -> str:
        return self.hasher.hash("not a password of anyone")

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; with no stored hash, spend the same time and say no."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    return None
