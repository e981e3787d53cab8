"""Argon2 password hashing, off the event loop, with the same work whether or not an account exists."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.settings import get_settings

_DEFAULT = PasswordHasher()
# Tests create many accounts; the cheap profile keeps them fast and is never used otherwise.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

# Stored instead of a hash for a leader who has no password yet: argon2 never verifies it, so
# nobody signs in with a password until an admin sets one; the leader uses a printed card.
NO_PASSWORD = "!"
DEMO_PASSWORD = "louzu-demo"

# How much lower than the app's other threads the hashing threads run (Linux `nice`): when the
# CPU is short, a phone's push goes first and a login waits a little longer.
HASHING_NICENESS = 10


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the same, without the courtesy
        pass


# argon2 runs in these threads, never on the event loop (argon2-cffi releases the GIL). Half
# the cores at most: a burst of logins queues here instead of starving the loop that answers
# the phones' pushes, and the queue itself slows a guesser down.
_HASHING = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2", initializer=_lower_priority
)


def _hasher() -> PasswordHasher:
    return _FAST if get_settings().fast_password_hashing else _DEFAULT


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _DEFAULT.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=2)
def _dummy_hash(fast: bool) -> str:
    # A hash of nothing anyone knows, at the cost real accounts are hashed with.
    return (_FAST if fast else _DEFAULT).hash(secrets.token_urlsafe(16))


async def _off_loop(function, *args):
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, *args)


async def hash_password_off_loop(password: str) -> str:
    return await _off_loop(hash_password, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Checks a login's password in a worker thread.

    An unknown account (None) or one without a password (NO_PASSWORD) is checked against a
    dummy hash of the same cost, so the answer takes as long as for a real account: the
    time taken must not tell which usernames exist."""
    real = password_hash is not None and password_hash != NO_PASSWORD
    target = password_hash if real else _dummy_hash(get_settings().fast_password_hashing)
    matched = await _off_loop(verify_password, target, password)
    return real and matched
