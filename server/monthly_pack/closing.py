"""Closing a month: its pack computed once as of the month's end and kept (ClosedMonth).

Closing is idempotent and safe with two processes: (community, month) is unique, so when two
close at once both compute, one insert wins and the other reads the winner's row. Nothing after
the close changes the stored figures; what arrived or changed later is counted beside them
(`Afterwards`) and linked, never folded in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from server import audit
from server.core.clock import now_utc
from server.core.dates import Month
from server.models import ClosedMonth, Community, User
from server.monthly_pack.figures import compute
from server.monthly_pack.month_visits import month_visits, standing_counts

SHOWN = ("id", "figures", "as_of", "closed_at", "closed_by__display_name")


@dataclass
class Closed:
    figures: dict[str, Any]
    as_of: datetime
    closed_at: datetime
    closed_by: str  # "" when closed by the server on the month's first viewing


@dataclass
class Afterwards:
    late: int  # entries of the month received after the close moment (not counted)
    removed: int  # entries counted in the pack that were withdrawn or voided since


def is_over(month: Month, now: datetime | None = None) -> bool:
    return month.end <= (now or now_utc())


async def read_closed(community_id: int, month: Month) -> Closed | None:
    """The stored figures (never the appendix lists: the page does not show them)."""
    rows = await ClosedMonth.filter(community_id=community_id, month=month.key).values(*SHOWN)
    if not rows:
        return None
    row = rows[0]
    return Closed(row["figures"], row["as_of"], row["closed_at"], row["closed_by__display_name"] or "")


async def read_lists(community_id: int, month: Month) -> dict[str, Any] | None:
    rows = await ClosedMonth.filter(community_id=community_id, month=month.key).values_list("lists", flat=True)
    return rows[0] if rows else None


async def close_month(community: Community, month: Month, actor: User | None = None) -> tuple[Closed, bool]:
    """(the closed month, whether this call closed it). The month must be over."""
    if not is_over(month):
        raise ValueError(month.key)
    found = await read_closed(community.id, month)
    if found is not None:
        return found, False
    data = await compute(community, month, month.end, full=True)
    try:
        await ClosedMonth.create(
            community_id=community.id, month=month.key, figures=data["figures"], lists=data["lists"],
            as_of=month.end, closed_at=now_utc(), closed_by_id=actor.id if actor else None,
        )
    except IntegrityError:  # another process closed it meanwhile: theirs stands
        closed = await read_closed(community.id, month)
        assert closed is not None
        return closed, False
    await audit.record(
        None, "month_closed", actor=actor, target_type="community", target_id=community.id,
        community_id=community.id, month=month.key, total=data["figures"]["total"],
    )
    closed = await read_closed(community.id, month)
    assert closed is not None
    return closed, True


async def late_entry_ids(community_id: int, month: Month) -> list[str]:
    """The month's entries the server received after its end (still standing): not in the
    closed figures."""
    return [v.id for v in await month_visits(community_id, month) if v.standing and v.received_at >= month.end]


async def afterwards(community_id: int, month: Month, closed: Closed) -> Afterwards:
    late, still = await standing_counts(community_id, month)
    return Afterwards(late, max(0, int(closed.figures.get("total", 0)) - still))
