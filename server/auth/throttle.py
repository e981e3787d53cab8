"""Login throttling: each try is claimed (and counted as a failure) before the password is checked.

The policy, and why (issue 10):

- **Counted first, atomically.** A try first claims a place in its key's run of failures with
  one compare-and-set on the stored row (`LoginThrottle.version`), and only a try the policy
  allows goes on to the password check. The claim counts it as a failure; a correct password
  then clears the run. So 40 wrong passwords sent at once make 40 claims one after another,
  and only the free ones are checked; the rest are answered 429 unchecked.
- **Keyed by account *and* address.** Guessing leader07's password from one address never
  locks leader07 out anywhere else, and 20 wrong logins from one address (an office behind one
  NAT, a mobile carrier's shared address, a reverse proxy) lock out nobody else behind it.
- **The owner's own device is never refused for someone else's guesses.** A browser that has
  had a session on that account (our device cookie, set at every sign-in, or its own session
  cookie; not revoked) claims from a run of its own that only it can add to. A lost phone is
  revoked by the admin; until then it guesses at the same slow pace as anyone.
- **Growing delays, not a lock.** The first `login_max_failures` failures of a run are free;
  each one after must wait twice as long as the last (2 s, 4 s, 8 s …) up to
  `login_window_minutes`. A try during a wait is refused with Retry-After and not counted (it
  was not a guess). A run is forgotten after a day without failures. At the longest wait an
  attacker gets about 4 guesses an hour per account per address; the owner loses nothing.
- **Deliberately absent:** a limit per address alone (it locks out everyone behind a shared
  address) and per account alone (anyone could lock out a predictable username). Guessing
  from many addresses is answered by the password policy for office and admin accounts
  (server/auth/password_policy.py); leaders sign in with printed cards and need no password.
- **Sign-in card links** carry no username: their key is the address alone, with
  `CARD_FACTOR` times the free failures, and a real card's try is given back. That throttles
  no password login (a card's token is 2**74 to guess; this is hygiene, not the defence).

Keys are SHA-256 digests of their parts, so the table holds no username or address.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from server.core.clock import now_utc
from server.core.errors import Throttled
from server.models import LoginThrottle
from server.settings import Settings

FIRST_WAIT_SECONDS = 2
FORGET_AFTER = timedelta(days=1)
CARD_FACTOR = 4
# A claim lost to a concurrent one is retried; this many losses in a row means a flood.
CLAIM_TRIES = 100


def _key(*parts: str) -> str:
    joined = "\x1f".join(parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def account_key(username: str, ip: str) -> str:
    return _key("account", username.strip().lower(), ip)


def device_key(session_id: int) -> str:
    return _key("device", str(session_id))


def card_key(ip: str) -> str:
    return _key("card", ip)


def wait_seconds(failures: int, free: int, longest: int) -> int:
    """How long a try must wait after the last of `failures` counted failures."""
    if failures < free:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** min(failures - free, 30), longest)


async def _row(key: str) -> LoginThrottle:
    row = await LoginThrottle.get_or_none(key=key)
    if row is None:
        # A new run: forgotten ones go, so the table holds only what still counts.
        await LoginThrottle.filter(last_failure_at__lt=now_utc() - FORGET_AFTER).delete()
        try:
            row = await LoginThrottle.create(key=key)
        except IntegrityError:  # another try made it first
            row = await LoginThrottle.get(key=key)
    return row


async def claim(key: str, settings: Settings, free: int | None = None) -> None:
    """Counts one try on `key` as a failure, before anything is checked.

    Raises Throttled (with the seconds left) when the run must still wait; nothing is
    counted then."""
    free = settings.login_max_failures if free is None else free
    longest = settings.login_window_minutes * 60
    for _ in range(CLAIM_TRIES):
        row = await _row(key)
        now = now_utc()
        failures = row.failures
        if row.last_failure_at is None or now - row.last_failure_at >= FORGET_AFTER:
            failures = 0
        else:
            left = wait_seconds(failures, free, longest) - (now - row.last_failure_at).total_seconds()
            if left > 0:
                raise Throttled(math.ceil(left))
        won = await LoginThrottle.filter(id=row.id, version=row.version).update(
            failures=failures + 1, last_failure_at=now, version=row.version + 1
        )
        if won:
            return
    raise Throttled(FIRST_WAIT_SECONDS)


async def clear(key: str) -> None:
    """The right password: the run is over (a claim racing it finds no row and starts anew)."""
    await LoginThrottle.filter(key=key).delete()


async def give_back(key: str) -> None:
    """The try turned out not to be a guess (a real sign-in card): it does not count."""
    await LoginThrottle.filter(key=key, failures__gt=0).update(
        failures=F("failures") - 1, version=F("version") + 1
    )


async def claim_card(ip: str, settings: Settings) -> None:
    await claim(card_key(ip), settings, free=settings.login_max_failures * CARD_FACTOR)
