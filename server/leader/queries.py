"""What a leader may see: their building groups in their community, and nothing else.

Every query of the leader's screens starts from a `LeaderScope` (server/leader/scope.py), so a
household of another group or another committee is simply not found (the pages answer 404, as
for a missing one).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.query_utils import Prefetch

from server.core.clock import local_zone
from server.core.limits import SEARCH_MAX_CHARS
from server.leader.scope import LeaderScope
from server.models import (
    BuildingGroup,
    Household,
    Resident,
    ResidentStatus,
    RosterChange,
    User,
    Visit,
)

RECENT_VISITS_ON_HOUSEHOLD = 20
MY_VISITS_PAGE = 50


def _active_residents() -> Prefetch:
    return Prefetch("residents", queryset=Resident.filter(status=ResidentStatus.ACTIVE).order_by("birth_year"))


def clean_search(q: str | None) -> str:
    return (q or "").strip()[:SEARCH_MAX_CHARS]


async def households_in_scope(scope: LeaderScope, q: str = "") -> list[Household]:
    """The leader's households with their active residents; `q` matches room, address or a name."""
    if not scope.group_ids:
        return []
    query = Household.filter(community_id=scope.community.id, building_group_id__in=scope.group_ids)
    if q:
        named = Resident.filter(
            community_id=scope.community.id,
            household__building_group_id__in=scope.group_ids,
            status=ResidentStatus.ACTIVE,
            name__icontains=q,
        ).values_list("household_id", flat=True)
        query = query.filter(
            Q(room__icontains=q) | Q(address__icontains=q) | Q(id__in=list(await named))
        )
    return list(await query.order_by("building_group_id", "room").prefetch_related(_active_residents()))


def group_households(scope: LeaderScope, households: list[Household]) -> list[tuple[BuildingGroup, list[Household]]]:
    """Households under their building group, in the groups' order; empty groups kept."""
    by_group: dict[int, list[Household]] = {group.id: [] for group in scope.groups}
    for household in households:
        by_group.setdefault(household.building_group_id, []).append(household)
    return [(group, by_group[group.id]) for group in scope.groups]


async def household_in_scope(scope: LeaderScope, household_id: int) -> Household | None:
    if not scope.group_ids:
        return None
    return (
        await Household.filter(
            id=household_id, community_id=scope.community.id, building_group_id__in=scope.group_ids
        )
        .prefetch_related(_active_residents())
        .first()
    )


async def recent_visits(household: Household, limit: int = RECENT_VISITS_ON_HOUSEHOLD) -> list[Visit]:
    return list(
        await Visit.filter(household_id=household.id, community_id=household.community_id)
        .select_related("author")
        .order_by("-occurred_at", "-received_at")
        .limit(limit)
    )


SentRecord = TypeVar("SentRecord", Visit, RosterChange)


async def just_sent(model: type[SentRecord], household: Household, record_id: str | None) -> SentRecord | None:
    """The visit or roster change just sent (`?saved=`, `?reported=`), only when it belongs to
    this household: the page says it was saved."""
    try:
        parsed = uuid.UUID(str(record_id))
    except (TypeError, ValueError):
        return None
    return await model.get_or_none(id=parsed, household_id=household.id, community_id=household.community_id)


def encode_cursor(visit: Visit) -> str:
    moment = visit.occurred_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{moment}~{visit.id}"


def decode_cursor(text: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not text or "~" not in text:
        return None
    moment, _, visit_id = text.partition("~")
    try:
        at = datetime.strptime(moment, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc)
        return at, uuid.UUID(visit_id)
    except ValueError:
        return None


async def my_visits(scope: LeaderScope, before: str | None = None, limit: int = MY_VISITS_PAGE) -> tuple[list[Visit], str | None]:
    """The leader's own visits, newest first, a page at a time; returns (page, next cursor)."""
    if not scope.group_ids:
        return [], None
    query = Visit.filter(
        author_id=scope.user.id,
        community_id=scope.community.id,
        household__building_group_id__in=scope.group_ids,
    )
    cursor = decode_cursor(before)
    if cursor is not None:
        at, visit_id = cursor
        query = query.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=visit_id))
    rows = list(await query.select_related("household").order_by("-occurred_at", "-id").limit(limit + 1))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]) if len(rows) > limit else None
    return page, next_cursor


def own_visit(visit: Visit, user: User, address: str, seen: list[str] | None = None) -> dict[str, Any] | None:
    """What the phone needs to correct or withdraw one of the leader's own visits with no signal
    (the page carries it in data-visit): the visit as an update's `data`, the version the page
    shows (the update's base_version), and words to list the change while it waits. None for a
    visit that is not theirs, already withdrawn, or voided by the office: nothing to change there."""
    if visit.author_id != user.id or visit.withdrawn or visit.voided_at is not None:
        return None
    return {
        "id": str(visit.id),
        "version": visit.version,
        "data": {
            "household_id": visit.household_id,
            "resident_ids": list(visit.resident_ids or []),
            "kind": getattr(visit.kind, "value", visit.kind),
            # Shanghai time, as the form's datetime-local control shows it; to the microsecond, so
            # an update that leaves the time alone (a withdrawal) is not taken for a new time.
            "occurred_at": visit.occurred_at.astimezone(local_zone()).isoformat(),
            "status": getattr(visit.status, "value", visit.status),
            "notes": visit.notes,
            "follow_up_needed": visit.follow_up_needed,
            "follow_up_due": visit.follow_up_due.isoformat() if visit.follow_up_due else None,
            "withdrawn": False,
        },
        "labels": {"household": address, "residents": seen or []},
    }
