"""Office dates are Shanghai calendar dates; the store keeps UTC. Conversions live here."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from server.core.clock import local_date, local_zone, now_utc
from sync.vocabulary import N_

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The years a filter, a search or a month can name: wide for any committee's records, narrow
# enough that a slip (year 1, 9999) is caught, not turned into a time Python cannot shift.
FIRST_YEAR, LAST_YEAR = 2000, 2100
BAD_DAY = N_("日期格式应为 年-月-日，例如 2026-11-26。")
DAY_OUT_OF_RANGE = N_("日期应在 2000 年到 2100 年之间。")


class DateRefused(ValueError):
    """A typed date that cannot be used; `message` says why (a Chinese msgid)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message



def today_shanghai(now: datetime | None = None) -> date:
    return local_date(now or now_utc())


def day_start(day: date) -> datetime:
    """The first moment of a Shanghai calendar day, in UTC.

    UTC on purpose: SQLite stores times as UTC text and compares them as text, so a bound in
    +08:00 would compare wrongly there.
    """
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(timezone.utc)


def parse_date(text: str | None) -> date | None:
    """`YYYY-MM-DD` (what <input type=date> sends) or empty; DateRefused otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise DateRefused(BAD_DAY)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DateRefused(BAD_DAY) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateRefused(DAY_OUT_OF_RANGE)
    return day


class Month:
    """One Shanghai calendar month: [start, end) as dates and as aware datetimes."""

    def __init__(self, year: int, month: int) -> None:
        self.first = date(year, month, 1)
        self.next_first = date(year + (month == 12), month % 12 + 1, 1)

    @classmethod
    def parse(cls, text: str | None, today: date) -> "Month":
        """`YYYY-MM`, or the current month when empty; ValueError when malformed."""
        text = (text or "").strip()
        if not text:
            return cls(today.year, today.month)
        match = _MONTH.match(text)
        if not match:
            raise ValueError(text)
        year, month = int(match.group(1)), int(match.group(2))
        if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
            raise ValueError(text)
        return cls(year, month)

    @property
    def key(self) -> str:
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def last(self) -> date:
        return self.next_first - timedelta(days=1)

    @property
    def start(self) -> datetime:
        return day_start(self.first)

    @property
    def end(self) -> datetime:
        return day_start(self.next_first)

    def previous(self) -> "Month":
        prior = self.first - timedelta(days=1)
        return Month(prior.year, prior.month)

    def following(self) -> "Month":
        return Month(self.next_first.year, self.next_first.month)

    def as_of(self, today: date) -> date:
        """The last day this month's figures can speak for: its end, or today if sooner."""
        return min(self.last, today)
