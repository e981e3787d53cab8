"""Office dates are Shanghai calendar dates; the store keeps UTC. Conversions live here."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from server.web import SHANGHAI

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def today_shanghai(now: datetime | None = None) -> date:
    return (now or now_utc()).astimezone(SHANGHAI).date()


def day_start(day: date) -> datetime:
    """The first moment of a Shanghai calendar day, in UTC.

    UTC on purpose: SQLite stores times as UTC text and compares them as text, so a bound in
    +08:00 would compare wrongly there.
    """
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(timezone.utc)


def parse_date(text: str | None) -> date | None:
    """`YYYY-MM-DD` (what <input type=date> sends) or empty; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


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
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
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
