"""What an open office dashboard asks every few seconds: how many urgent entries wait, and a
stamp that changes when its list or its send-back panel would read differently."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from server.core.clock import now_utc
from server.models import ReviewState, Visit, VisitQuestion, VisitRevision, VisitStatus

# The review states whose visits are few (open work): counted from the index alone in a few ms,
# however long the history. 已办结 (resolved) is the history itself: a move into it shows as a
# move out of one of these.
OPEN_STATES = (ReviewState.NEW, ReviewState.ACKNOWLEDGED, ReviewState.IN_PROGRESS)
RECENT = timedelta(days=1)


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


async def live_state(community_id: int | None) -> LiveState:
    """The stamp covers, for the whole committee (a dashboard with filters refetches a little
    more often than it must, never less): a visit arriving or edited (the newest revision of the
    last day, an index range of visit_revision.received_at), a review state moving (the open
    states' sizes), a question asked, answered or closed. Cheap on purpose: every open dashboard
    asks it every poll_seconds, and the dashboard's own full counts take tens of ms at ten years."""
    now = now_utc()
    # Counted visits only: the dashboard's index is split at voided_at (visit_segments_counted), and
    # a void or a restore moves a visit in or out of these sizes, so it changes the stamp too.
    sizes = [
        await Visit.filter(community_id=community_id, review_state=state, voided_at__isnull=True).count()
        for state in OPEN_STATES
    ]
    last_revision = await VisitRevision.filter(
        received_at__gte=now - RECENT, visit__community_id=community_id
    ).order_by("-received_at").first().values_list("received_at", flat=True)
    last_question = await VisitQuestion.filter(community_id=community_id).order_by("-updated_at").first().values_list(
        "updated_at", flat=True
    )
    urgent = await urgent_waiting(community_id)
    seen = repr((sizes, last_revision, last_question, urgent)).encode()
    return LiveState(urgent, hashlib.sha256(seen).hexdigest()[:16])
