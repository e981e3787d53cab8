"""The dashboard's order and its "likely duplicate" rule, as plain definitions.

Shared by the dashboard (queries.py) and the export (export_rows.py). Kept apart from the pages'
code so an export process (export_job.py) starts without importing the web framework.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.models import ReviewState, VisitStatus

# Two entries about the same household, of the same kind, this close together are probably
# one visit logged twice (two phones, or a leader unsure it was saved). Flag, never drop.
DUPLICATE_WINDOW = timedelta(hours=2)


# office_order's ranks as filters, in its order: new first, and within that urgent, concern, the
# rest. Each segment is one index range of visit(community_id, review_state, status, occurred_at)
# read newest first, so a page never sorts the community's whole history (ten years: 200,000
# rows) by two CASE expressions; the segment sizes are counted on the same index.
# Written as IN lists of the enums' other members (both columns are NOT NULL enums): the
# segments are then index ranges, where "<> / NOT IN" (with Tortoise's "OR … IS NULL") are not.
_REVIEWED = [state for state in ReviewState if state is not ReviewState.NEW]
_OTHER_STATUSES = [status for status in VisitStatus if status not in (VisitStatus.URGENT, VisitStatus.CONCERN)]
OFFICE_SEGMENTS: tuple[tuple[bool, str], ...] = tuple(
    (new, status) for new in (True, False) for status in ("urgent", "concern", "rest")
)


def segment_filter(new: bool, status: str) -> dict[str, Any]:
    where: dict[str, Any] = {"review_state": ReviewState.NEW} if new else {"review_state__in": _REVIEWED}
    if status == "rest":
        where["status__in"] = _OTHER_STATUSES
    else:
        where["status"] = VisitStatus(status)
    return where


def segment_ranges(new: bool, status: str) -> list[dict[str, Any]]:
    """The segment as equality filters, one per (review state, status) pair: each is one range of
    the index read in occurred_at order, where the segment's IN lists make the store sort the
    whole segment for every keyset page (the export reads a segment page after page)."""
    states = [ReviewState.NEW] if new else _REVIEWED
    statuses = _OTHER_STATUSES if status == "rest" else [VisitStatus(status)]
    return [{"review_state": state, "status": each} for state in states for each in statuses]
