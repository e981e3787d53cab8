"""Login throttling from failures stored in the database (holds across app processes)."""

from __future__ import annotations

from datetime import timedelta

from server.auth.sessions import now_utc
from server.errors import Throttled
from server.models import LoginFailure
from server.settings import Settings

# An address trying many usernames is throttled too, at a looser limit (a shared office PC).
IP_FACTOR = 4


async def check(username: str, ip: str, settings: Settings) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now_utc() - window
    by_user = await LoginFailure.filter(username=username.lower(), at__gte=since).count()
    by_ip = await LoginFailure.filter(ip=ip, at__gte=since).count()
    if by_user >= settings.login_max_failures or by_ip >= settings.login_max_failures * IP_FACTOR:
        raise Throttled(int(window.total_seconds()))


async def check_address(ip: str, settings: Settings) -> None:
    """For a way in without a username (a sign-in card's link): only the address's failures
    count, at the address limit, so one guesser cannot lock every leader's card out."""
    window = timedelta(minutes=settings.login_window_minutes)
    by_ip = await LoginFailure.filter(ip=ip, at__gte=now_utc() - window).count()
    if by_ip >= settings.login_max_failures * IP_FACTOR:
        raise Throttled(int(window.total_seconds()))


async def record_failure(username: str, ip: str) -> None:
    await LoginFailure.create(username=username.lower()[:50], ip=ip)


async def clear(username: str) -> None:
    await LoginFailure.filter(username=username.lower()).delete()
