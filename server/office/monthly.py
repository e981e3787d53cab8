"""The monthly meeting pack (民情分析会): the month's visits in figures, urgent cases and what
became of them, open follow-ups, overdue checks, and leaders whose phones have gone quiet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.models import (
    BuildingGroup,
    Community,
    DeviceSession,
    ReviewEventKind,
    ReviewState,
    Role,
    User,
    Visit,
    VisitKind,
    VisitReviewEvent,
    VisitStatus,
)
from server.office.coverage import Coverage, coverage
from server.office.dates import Month, now_utc
from server.office.follow_ups import open_follow_ups
from server.office.labels import KIND_WORDS, STATUS_WORDS
from server.office.queries import with_people

# A leader whose phones have not synced for longer than this is listed (never synced counts).
QUIET_AFTER = timedelta(days=3)


@dataclass
class UrgentCase:
    visit: Visit
    resolved_at: datetime | None
    last_comment: str


@dataclass
class QuietLeader:
    user: User
    groups: list[str]
    last_sync_at: datetime | None  # None: never synced


@dataclass
class MonthlyPack:
    month: Month
    total: int
    by_kind: list[tuple[str, int]]  # (msgid, count), every kind in the protocol's order
    by_status: list[tuple[str, int]]
    by_group: list[tuple[str, int]]  # (group name, count), every group of the community
    urgent: list[UrgentCase]
    open_follow_ups: list[Visit]
    coverage: Coverage
    quiet_leaders: list[QuietLeader]
    generated_at: datetime


def month_visits(community_id: int, month: Month):
    """The month's visits (by occurred_at, Shanghai month), withdrawn entries left out."""
    return Visit.filter(
        community_id=community_id, withdrawn=False, occurred_at__gte=month.start, occurred_at__lt=month.end
    )


async def quiet_leaders(community_id: int, now: datetime) -> list[QuietLeader]:
    leaders = await User.filter(community_id=community_id, role=Role.LEADER, active=True).prefetch_related(
        "building_groups"
    ).order_by("username")
    last: dict[int, datetime] = {}
    for user_id, synced in await DeviceSession.filter(
        user__community_id=community_id, user__role=Role.LEADER, last_sync_at__isnull=False
    ).values_list("user_id", "last_sync_at"):
        if user_id not in last or synced > last[user_id]:
            last[user_id] = synced
    quiet = [
        QuietLeader(u, [g.name for g in sorted(u.building_groups, key=lambda g: g.number)], last.get(u.id))
        for u in leaders
        if u.id not in last or now - last[u.id] > QUIET_AFTER
    ]
    quiet.sort(key=lambda q: (q.last_sync_at is not None, q.last_sync_at or now, q.user.username))
    return quiet


async def monthly_pack(community: Community, month: Month, today: date) -> MonthlyPack:
    query = month_visits(community.id, month)
    rows = await query.values_list("kind", "status", "household__building_group_id")
    kinds = Counter(str(getattr(k, "value", k)) for k, _, _ in rows)
    statuses = Counter(str(getattr(s, "value", s)) for _, s, _ in rows)
    groups_count = Counter(g for _, _, g in rows)
    groups = await BuildingGroup.filter(community_id=community.id).order_by("number")

    urgent_visits = await with_people(query.filter(status=VisitStatus.URGENT)).order_by("occurred_at")
    events = await VisitReviewEvent.filter(visit_id__in=[v.id for v in urgent_visits]).order_by("id")
    resolved_at: dict = {}
    last_comment: dict = {}
    for event in events:
        if event.kind == ReviewEventKind.STATE.value and event.to_state == ReviewState.RESOLVED:
            resolved_at[event.visit_id] = event.at
        elif event.kind == ReviewEventKind.STATE.value:
            resolved_at.pop(event.visit_id, None)  # reopened
        if event.comment:
            last_comment[event.visit_id] = event.comment
    urgent = [UrgentCase(v, resolved_at.get(v.id), last_comment.get(v.id, "")) for v in urgent_visits]

    now = now_utc()
    return MonthlyPack(
        month=month,
        total=len(rows),
        by_kind=[(KIND_WORDS[k.value], kinds.get(k.value, 0)) for k in VisitKind],
        by_status=[(STATUS_WORDS[s], statuses.get(s, 0)) for s in ("urgent", "concern", "ok")],
        by_group=[(g.name, groups_count.get(g.id, 0)) for g in groups],
        urgent=urgent,
        open_follow_ups=await open_follow_ups(community.id),
        coverage=await coverage(community, month, today),
        quiet_leaders=await quiet_leaders(community.id, now),
        generated_at=now,
    )
