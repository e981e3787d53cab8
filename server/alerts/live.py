"""What an open office dashboard asks every few seconds: how many urgent entries wait, and a
stamp that changes when its list or the send-back panel would read differently."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from server.models import ReviewState, Visit, VisitQuestion, VisitStatus
from server.office.filters import VisitFilters, visit_queryset
from server.office.queries import segment_sizes


@dataclass(frozen=True)
class LiveState:
    urgent: int  # urgent visits nobody in the office has taken up yet (review state 新)
    stamp: str

    def to_json(self) -> dict:
        return {"urgent": self.urgent, "stamp": self.stamp}


async def urgent_waiting(community_id: int | None) -> int:
    # One range of visit(community_id, review_state, status, …); withdrawn and voided visits
    # count nowhere, so not here either.
    return await Visit.filter(
        community_id=community_id, review_state=ReviewState.NEW, status=VisitStatus.URGENT,
        withdrawn=False, voided_at__isnull=True,
    ).count()


async def live_state(community_id: int | None, filters: VisitFilters) -> LiveState:
    """The dashboard's own segment sizes under its filters (what it counts anyway, from the index
    alone): an entry arriving, or one taken up or voided, changes them. An edit that changes
    neither waits for the next change or a reload."""
    sizes = await segment_sizes(visit_queryset(community_id, filters))
    last_question = await VisitQuestion.filter(community_id=community_id).order_by("-updated_at").first().values_list(
        "updated_at", flat=True
    )
    urgent = await urgent_waiting(community_id)
    seen = repr((sorted(sizes.items()), last_question, urgent)).encode()
    return LiveState(urgent, hashlib.sha256(seen).hexdigest()[:16])
