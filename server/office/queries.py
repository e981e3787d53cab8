"""Reads for the dashboard and the visit page: ordering, paging, likely duplicates, history."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from server.models import (
    Household,
    Resident,
    ReviewState,
    Role,
    User,
    Visit,
    VisitQuestion,
    VisitReviewEvent,
    VisitRevision,
)
from server.office.filters import PAGE_SIZE, VisitFilters, visit_queryset
from server.office.order import DUPLICATE_WINDOW, OFFICE_SEGMENTS, segment_filter
from server.office.send_back import question_marks, visit_answers, visit_questions

EARLIER_VISITS_SHOWN = 20
WINDOWS_PER_QUERY = 200  # likely_duplicates: up to this many visits, one time window each


def office_order(query: QuerySet[Visit]) -> QuerySet[Visit]:
    """New entries first; within that urgent, concern, ok; then the newest visit first."""
    # Constant SQL, no parameters: Tortoise binds a CASE's numbers with the enum column's type,
    # which PostgreSQL refuses.
    return query.annotate(
        new_rank=RawSQL(f"""CASE WHEN "visit"."review_state" = '{ReviewState.NEW.value}' THEN 0 ELSE 1 END"""),
        status_rank=RawSQL(
            """CASE "visit"."status" WHEN 'urgent' THEN 0 WHEN 'concern' THEN 1 ELSE 2 END"""
        ),
    ).order_by("new_rank", "status_rank", "-occurred_at", "id")


def with_people(query: QuerySet[Visit]) -> QuerySet[Visit]:
    return query.select_related("household__building_group", "author", "follow_up_assignee")


@dataclass
class VisitPage:
    visits: list[Visit]
    total: int
    page: int
    pages: int
    duplicates: dict[uuid.UUID, list[Visit]]
    questions: dict[uuid.UUID, str] = field(default_factory=dict)  # visit -> "open" / "answered"


async def segment_sizes(query: QuerySet[Visit]) -> dict[tuple[bool, str], int]:
    # COUNT(*) per segment: each is answered from the index alone (a GROUP BY with COUNT("id")
    # would read every row of the history from the table).
    return {segment: await query.filter(**segment_filter(*segment)).count() for segment in OFFICE_SEGMENTS}


async def office_ordered_page(
    query: QuerySet[Visit], sizes: dict[tuple[bool, str], int], offset: int, limit: int
) -> list[Visit]:
    """with_people(office_order(query))[offset:offset + limit], read segment by segment."""
    visits: list[Visit] = []
    for segment in OFFICE_SEGMENTS:
        size = sizes.get(segment, 0)
        if len(visits) >= limit:
            break
        if offset >= size:
            offset -= size
            continue
        visits += await (
            with_people(query.filter(**segment_filter(*segment)))
            .order_by("-occurred_at", "id").offset(offset).limit(limit - len(visits))
        )
        offset = 0
    return visits


async def dashboard_page(community_id: int | None, filters: VisitFilters) -> VisitPage:
    query = visit_queryset(community_id, filters)
    sizes = await segment_sizes(query)
    total = sum(sizes.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    visits = await office_ordered_page(query, sizes, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return VisitPage(
        visits, total, page, pages, await likely_duplicates(community_id, visits),
        await question_marks([v.id for v in visits]),
    )


async def likely_duplicates(community_id: int | None, visits: list[Visit]) -> dict[uuid.UUID, list[Visit]]:
    """For each visit given: other entries, same household and kind, within DUPLICATE_WINDOW."""
    # A withdrawn or voided entry is nobody's twin: voiding one of two copies clears the flag.
    live = [v for v in visits if not v.withdrawn and v.voided_at is None]
    if not live:
        return {}
    if len(live) <= WINDOWS_PER_QUERY:
        # A page of visits: only each visit's own window, one index range of
        # visit(household_id, occurred_at) apiece. One window spanning the page would load every
        # visit of its households between the oldest and the newest (a page ordered by state
        # and status spans years: thousands of rows turned into objects to find a few twins).
        windows = Q(*[
            Q(household_id=v.household_id, occurred_at__gte=v.occurred_at - DUPLICATE_WINDOW,
              occurred_at__lte=v.occurred_at + DUPLICATE_WINDOW)
            for v in live
        ], join_type=Q.OR)
    else:
        windows = Q(
            household_id__in={v.household_id for v in live},
            occurred_at__gte=min(v.occurred_at for v in live) - DUPLICATE_WINDOW,
            occurred_at__lte=max(v.occurred_at for v in live) + DUPLICATE_WINDOW,
        )
    candidates = await Visit.filter(
        windows, community_id=community_id, withdrawn=False, voided_at__isnull=True
    ).order_by("occurred_at")
    by_key: dict[tuple, list[Visit]] = defaultdict(list)
    for candidate in candidates:
        by_key[(candidate.household_id, candidate.kind)].append(candidate)
    found: dict[uuid.UUID, list[Visit]] = {}
    for visit in live:
        twins = [
            other for other in by_key[(visit.household_id, visit.kind)]
            if other.id != visit.id and abs(other.occurred_at - visit.occurred_at) <= DUPLICATE_WINDOW
        ]
        if twins:
            found[visit.id] = twins
    return found


def parse_visit_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def community_visit(community_id: int | None, visit_id: str) -> Visit | None:
    """The visit if it belongs to this community; None (a 404) for a foreign or unknown id."""
    parsed = parse_visit_id(visit_id)
    if parsed is None or community_id is None:
        return None
    return await with_people(Visit.filter(id=parsed, community_id=community_id)).first()


@dataclass
class HistoryItem:
    at: datetime
    kind: str  # "revision", "review" or "answer" (the leader's answer to a send-back question)
    item: Any


@dataclass
class VisitDetail:
    visit: Visit
    household: Household
    residents: list[Resident]
    seen_ids: set[int]
    earlier: list[Visit]
    history: list[HistoryItem]
    duplicates: list[Visit]
    assignees: list[User]
    comments: list[VisitReviewEvent] = field(default_factory=list)
    questions: list[VisitQuestion] = field(default_factory=list)
    voided_by: User | None = None  # who voided it (作废), while it is voided


async def office_staff(community_id: int | None) -> list[User]:
    """Who can be responsible for a follow-up: active office and admin users of the community."""
    return await User.filter(
        community_id=community_id, role__in=[Role.OFFICE, Role.ADMIN], active=True
    ).order_by("display_name")


async def visit_detail(visit: Visit) -> VisitDetail:
    household = visit.household
    residents = await Resident.filter(household_id=household.id).order_by("birth_year")
    earlier = await Visit.filter(household_id=household.id, occurred_at__lte=visit.occurred_at).exclude(
        id=visit.id
    ).select_related("author").order_by("-occurred_at").limit(EARLIER_VISITS_SHOWN)
    revisions = await VisitRevision.filter(visit_id=visit.id).select_related("author").order_by("id")
    events = await VisitReviewEvent.filter(visit_id=visit.id).select_related("actor").order_by("id")
    history = (
        [HistoryItem(r.received_at, "revision", r) for r in revisions]
        + [HistoryItem(e.at, "review", e) for e in events]
        + [HistoryItem(a.received_at, "answer", a) for a in await visit_answers(visit)]
    )
    history.sort(key=lambda h: h.at)
    duplicates = (await likely_duplicates(visit.community_id, [visit])).get(visit.id, [])
    return VisitDetail(
        visit=visit,
        household=household,
        residents=residents,
        seen_ids={int(i) for i in (visit.resident_ids or []) if str(i).isdigit()},
        earlier=earlier,
        history=history,
        duplicates=duplicates,
        assignees=await office_staff(visit.community_id),
        comments=[e for e in events if e.comment],
        questions=await visit_questions(visit),
        voided_by=await User.get_or_none(id=visit.voided_by_id) if visit.voided_by_id else None,
    )
