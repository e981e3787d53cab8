"""A month's visits as plain rows, read once: the pack's counts, its late entries and what was
withdrawn or voided since a close all come from them.

One statement over the month's range of `visit.occurred_at`: the committee is matched as
`+community_id` so neither SQLite nor PostgreSQL walks the committee's whole history through
an index that starts with community_id (with statistics SQLite prefers one, and a month is
~1/120 of ten years).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise import Tortoise

from server.core.dates import Month


def aware(value: Any) -> datetime | None:
    # Raw rows: text on SQLite, datetimes on PostgreSQL.
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class MonthVisit:
    id: str
    kind: str
    status: str
    household_id: int
    group_id: int  # the household's group now (models: households can change group)
    received_at: datetime
    withdrawn: bool
    voided_at: datetime | None

    def counted_at(self, moment: datetime) -> bool:
        """As it stood at `moment`: received by then, not withdrawn, not voided by then."""
        return (
            self.received_at < moment and not self.withdrawn
            and (self.voided_at is None or self.voided_at >= moment)
        )

    @property
    def standing(self) -> bool:
        """Counted today: not withdrawn, not voided."""
        return not self.withdrawn and self.voided_at is None


async def month_visits(community_id: int, month: Month) -> list[MonthVisit]:
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    if postgres:
        values: list[Any] = [community_id, month.start, month.end]
        p = ("$1", "$2", "$3")
    else:
        values = [community_id, month.start.isoformat(" "), month.end.isoformat(" ")]
        p = ("?", "?", "?")
    rows = await conn.execute_query_dict(
        "SELECT v.id, v.kind, v.status, v.household_id, h.building_group_id, v.received_at, v.withdrawn, v.voided_at"
        " FROM visit v JOIN household h ON h.id = v.household_id"
        f" WHERE +v.community_id = {p[0]} AND v.occurred_at >= {p[1]} AND v.occurred_at < {p[2]}",
        values,
    )
    return [
        MonthVisit(str(r["id"]), str(r["kind"]), str(r["status"]), r["household_id"], r["building_group_id"], aware(r["received_at"]),
                   bool(r["withdrawn"]), aware(r["voided_at"]))
        for r in rows
    ]


async def standing_counts(community_id: int, month: Month) -> tuple[int, int]:
    """(received after the month's end, received by it) among the month's entries standing
    today (not withdrawn, not voided): counted in SQL, for a closed month's note."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        values: list[Any] = [community_id, month.start, month.end]
        c, s, e = "$1", "$2", "$3"
    else:
        start, end = month.start.isoformat(" "), month.end.isoformat(" ")
        values = [end, end, community_id, start, end]
        c, s, e = "?", "?", "?"
    late_at, still_at = (e, e) if conn.capabilities.dialect == "postgres" else ("?", "?")
    rows = await conn.execute_query_dict(
        f"SELECT COUNT(CASE WHEN v.received_at >= {late_at} THEN 1 END) AS late,"
        f" COUNT(CASE WHEN v.received_at < {still_at} THEN 1 END) AS still FROM visit v"
        f" WHERE +v.community_id = {c} AND v.occurred_at >= {s} AND v.occurred_at < {e}"
        " AND NOT v.withdrawn AND v.voided_at IS NULL",
        values,
    )
    return int(rows[0]["late"] or 0), int(rows[0]["still"] or 0)
