"""Argon2 password hashing and the weak-password rule for real (non-demo) accounts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.settings import get_settings

_DEFAULT = PasswordHasher()
# Tests create many accounts; the cheap profile keeps them fast and is never used otherwise.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

MIN_LENGTH = 10
# Stored instead of a hash for a leader who has no password yet: argon2 never verifies it, so
# nobody signs in with a password until an admin sets one; the leader uses a printed card.
NO_PASSWORD = "!"
DEMO_PASSWORD = "louzu-demo"
# A short list of the passwords people pick first; long enough to stop the obvious.
COMMON = {
    "1234567890", "12345678910", "0123456789", "qwertyuiop", "password123", "password12",
    "abcdefghij", "1111111111", "iloveyou12", "louzu-demo", "louzu12345", "admin12345",
    "woaini1314", "a123456789", "123456789a", "qwerty1234", "1q2w3e4r5t",
}


def _hasher() -> PasswordHasher:
    return _FAST if get_settings().fast_password_hashing else _DEFAULT


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _DEFAULT.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def weak_password_reason(password: str, username: str = "") -> str | None:
    """Why a password is too weak for a real account, in Chinese; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符。"
    if password.lower() in COMMON or len(set(password)) < 4:
        return "这个密码太常见或太简单，请换一个。"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名。"
    return None
