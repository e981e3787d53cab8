"""Server-side device sessions: opened at login, looked up per request, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from server.core.clock import now_utc
from server.models import DeviceSession, User
from server.settings import Settings

COOKIE_NAME = "louzu_session"
# Refresh last_seen_at at most this often, so reads do not write on every request.
TOUCH_EVERY = timedelta(minutes=5)


def hash_token(token: str, settings: Settings) -> str:
    # Keyed with SECRET_KEY: a copy of the sessions table alone cannot be matched to cookies.
    return hmac.new(settings.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


@dataclass
class SessionLookup:
    session: DeviceSession | None
    user: User | None
    # Why there is no usable session: "none", "session_expired" or "session_revoked".
    problem: str = "none"


async def open_session(
    user: User, settings: Settings, device_label: str = "", device_id: str | None = None
) -> tuple[str, DeviceSession]:
    token = secrets.token_urlsafe(32)
    now = now_utc()
    session = await DeviceSession.create(
        token_hash=hash_token(token, settings),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        device_label=device_label[:500],
        device_id=device_id,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.session_days),
    )
    return token, session


async def lookup(token: str | None, settings: Settings) -> SessionLookup:
    if not token:
        return SessionLookup(None, None)
    session = await DeviceSession.get_or_none(token_hash=hash_token(token, settings)).select_related("user")
    if session is None:
        return SessionLookup(None, None, "session_expired")
    if session.revoked_at is not None or not session.user.active:
        return SessionLookup(None, None, "session_revoked")
    now = now_utc()
    if session.ended_at is not None or session.expires_at <= now:
        return SessionLookup(None, None, "session_expired")
    if now - session.last_seen_at > TOUCH_EVERY:
        # Sliding expiry: a phone in regular use never reaches the end of its session.
        session.last_seen_at = now
        session.expires_at = now + timedelta(days=settings.session_days)
        await session.save(update_fields=["last_seen_at", "expires_at"])
    return SessionLookup(session, session.user)


async def end_session(session: DeviceSession) -> None:
    session.ended_at = now_utc()
    await session.save(update_fields=["ended_at"])


async def revoke_session(session: DeviceSession) -> None:
    session.revoked_at = now_utc()
    await session.save(update_fields=["revoked_at"])
