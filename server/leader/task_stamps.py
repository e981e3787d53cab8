"""What the send-back questions and roster proposals add to a leader's page versions (offline manifest).

A household page shows its open and answered questions and its roster proposals; the home page
shows every open question. The offline manifest (server/offline/manifest.py) folds these stamps
into each household page's version (and so into "/"), so a phone refetches a page when a
question is asked, answered or closed, or a proposal is made or decided. A handful of queries
for all households, never one per household.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from server.models import RosterChange, VisitQuestion


def _stamp(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).isoformat() if value else "-"


async def household_task_stamps(community_id: int | None, group_ids: list[int]) -> dict[int, tuple]:
    """household id -> (questions: count, latest change; proposals: count, latest change)."""
    if community_id is None or not group_ids:
        return {}
    questions = await VisitQuestion.filter(
        community_id=community_id, visit__household__building_group_id__in=group_ids
    ).values_list("visit__household_id", "updated_at")
    proposals = await RosterChange.filter(
        community_id=community_id, household__building_group_id__in=group_ids
    ).values_list("household_id", "updated_at")
    found: dict[int, list] = defaultdict(lambda: [0, None, 0, None])
    for index, rows in ((0, questions), (2, proposals)):
        for household_id, updated_at in rows:
            entry = found[household_id]
            entry[index] += 1
            entry[index + 1] = max(filter(None, (entry[index + 1], updated_at)), default=None)
    return {hid: (n_q, _stamp(q_at), n_p, _stamp(p_at)) for hid, (n_q, q_at, n_p, p_at) in found.items()}
