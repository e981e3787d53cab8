"""The one clock and the one time zone: what time it is (UTC, as stored) and the committee's
calendar (Settings.timezone) that every date a person reads or types is in.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from server.settings import get_settings


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The committee's time zone (Asia/Shanghai): a leader's wall clock, an office's calendar.

    Not read from the environment on purpose: the phone's outbox and sync/ write times as +08:00
    (the protocol's zone); a server in another zone would read the same form as another day.
    """
    return _zone(get_settings().timezone)


def local_date(moment: datetime) -> date:
    """The calendar day of a moment, in the committee's zone (a naive time is a stored UTC one)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone()).date()


def local_now() -> datetime:
    return now_utc().astimezone(local_zone())
