"""Which browser has signed in to an account before: its logins are never throttled for others' guesses.

Every sign-in (password or card) leaves a device cookie: an HMAC, keyed with SECRET_KEY, of the
new session's stored token hash. It outlives logging out and session expiry (that is its
point: the owner is the one who is logged out when someone hammers their username), and it is
no credential: it opens nothing, it only picks which throttle run a login attempt claims from
(server/auth/throttle.py). A revoked session's device cookie counts for nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from litestar import Request
from litestar.datastructures import Cookie

from server.auth.sessions import COOKIE_NAME, hash_token
from server.models import DeviceSession
from server.settings import Settings

DEVICE_COOKIE = "louzu_device"
DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie
# A user's newest sessions looked at; older devices are as good as new ones to a guesser.
SESSIONS_LOOKED_AT = 50


def _device_mark(token_hash: str, settings: Settings) -> str:
    return hmac.new(settings.secret_key.encode(), f"device|{token_hash}".encode(), hashlib.sha256).hexdigest()


def device_cookie(session_token: str, settings: Settings) -> Cookie:
    return Cookie(
        key=DEVICE_COOKIE,
        value=_device_mark(hash_token(session_token, settings), settings),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


async def trusted_session(request: Request, username: str, settings: Settings) -> DeviceSession | None:
    """The session of `username` this browser once had (not revoked), else None.

    The query runs for known and unknown usernames alike, so it tells nothing by its time."""
    mark = request.cookies.get(DEVICE_COOKIE) or ""
    session_token = request.cookies.get(COOKIE_NAME) or ""
    if not mark and not session_token:
        return None
    sessions = await DeviceSession.filter(user__username=username, revoked_at__isnull=True).order_by(
        "-id").limit(SESSIONS_LOOKED_AT).only("id", "token_hash")
    session_hash = hash_token(session_token, settings) if session_token else None
    for session in sessions:
        if hmac.compare_digest(_device_mark(session.token_hash, settings), mark) or (
            session_hash is not None and hmac.compare_digest(session.token_hash, session_hash)
        ):
            return session
    return None
