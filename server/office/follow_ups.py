"""Follow-ups: visits the leader marked for follow-up or the office gave a responsible person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server.models import ReviewState, Visit
from server.office.queries import with_people

SHOWS = ("open", "overdue", "mine", "closed")
CLOSED_SHOWN = 200


def effective_due(visit: Visit) -> date | None:
    """The office's own deadline when it set one, else the leader's."""
    return visit.follow_up_office_due or visit.follow_up_due


def is_overdue(visit: Visit, today: date) -> bool:
    due = effective_due(visit)
    return visit.review_state != ReviewState.RESOLVED and due is not None and due < today


def follow_up_queryset(community_id: int | None) -> QuerySet[Visit]:
    return Visit.filter(
        Q(follow_up_needed=True) | Q(follow_up_assignee_id__isnull=False),
        community_id=community_id,
        withdrawn=False,
        voided_at__isnull=True,  # a voided visit is nobody's work
    )


def overdue_q(today: date) -> Q:
    return Q(follow_up_office_due__lt=today) | Q(follow_up_office_due__isnull=True, follow_up_due__lt=today)


@dataclass
class FollowUpList:
    show: str
    visits: list[Visit]
    counts: dict[str, int]


async def follow_up_list(community_id: int | None, user_id: int, show: str, today: date) -> FollowUpList:
    base = follow_up_queryset(community_id)
    open_ = base.exclude(review_state=ReviewState.RESOLVED)
    queries = {
        "open": open_,
        "overdue": open_.filter(overdue_q(today)),
        "mine": open_.filter(follow_up_assignee_id=user_id),
        "closed": base.filter(review_state=ReviewState.RESOLVED),
    }
    counts = {name: await query.count() for name, query in queries.items()}
    show = show if show in SHOWS else "open"
    if show == "closed":
        # The latest closed ones; the dashboard's filters find older ones.
        visits = await with_people(queries[show]).order_by("-occurred_at").limit(CLOSED_SHOWN)
    else:
        visits = await with_people(queries[show])
        # Most pressing first: overdue by due date, then those with a date, then the rest.
        visits.sort(key=lambda v: (effective_due(v) is None, effective_due(v) or date.max, v.occurred_at))
    return FollowUpList(show, visits, counts)


async def open_follow_ups(community_id: int | None) -> list[Visit]:
    visits = await with_people(follow_up_queryset(community_id).exclude(review_state=ReviewState.RESOLVED))
    visits.sort(key=lambda v: (effective_due(v) is None, effective_due(v) or date.max, v.occurred_at))
    return visits
