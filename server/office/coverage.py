"""Elderly-check coverage for the office: per building group, who is due or overdue, and the
share of flagged residents checked on time.

Intervals, due and overdue come from `server.checks` (the leader's home uses the same rules);
this module adds the month view.

The on-time rate (按期看望率) is the share of flagged residents NOT overdue on the as-of day:
(flagged - overdue) / flagged. It reads with the overdue count beside it: 0 overdue is 100 %,
whatever happened earlier in the month. (It used to be the share never overdue on any day of the
month, which gave a group with 0 overdue 27 % — true, but it read as a contradiction at the
meeting.) `kept` still counts the residents never overdue all month, for whoever wants it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from server.checks import CheckState, CheckStatus, check_interval, check_status, last_checks, shanghai_date
from server.models import BuildingGroup, Community, Household, Resident, ResidentStatus, VisitResident
from server.office.dates import Month, day_start
from server.office.labels import N_


def on_time_share(flagged: int, overdue: int) -> float | None:
    """按期看望率: the flagged residents not overdue on the as-of day, over all flagged ones."""
    return (flagged - overdue) / flagged if flagged else None


def percent_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


@dataclass
class ResidentCoverage:
    resident: Resident
    household: Household
    status: CheckStatus
    kept: bool


@dataclass
class GroupCoverage:
    group: BuildingGroup | None  # None: the community's totals
    leaders: list[str] = field(default_factory=list)
    flagged: int = 0
    due: int = 0
    overdue: int = 0
    kept: int = 0
    needing_visit: list[ResidentCoverage] = field(default_factory=list)  # overdue, then due

    @property
    def share(self) -> float | None:
        return on_time_share(self.flagged, self.overdue)

    @property
    def percent(self) -> str:
        return percent_text(self.share)

    def add(self, row: ResidentCoverage) -> None:
        self.flagged += 1
        self.kept += row.kept
        if row.status.state is CheckState.OVERDUE:
            self.overdue += 1
        elif row.status.state is CheckState.DUE:
            self.due += 1


@dataclass
class Coverage:
    month: Month
    as_of: date
    groups: list[GroupCoverage]
    total: GroupCoverage

    @property
    def overdue(self) -> list[ResidentCoverage]:
        return [row for g in self.groups for row in g.needing_visit if row.status.state is CheckState.OVERDUE]


def kept_within_interval(interval: int, prior: date | None, seen: list[date], first: date, as_of: date) -> bool:
    """No day in [first, as_of] on which the resident was overdue.

    `prior` is the last visit before the month, `seen` the visit days inside [first, as_of].
    On day x the resident is overdue when x - (last visit on or before x) > interval, so a gap
    from visit a to the next visit b leaves days a+interval+1 .. b-1 overdue.
    """
    anchor = prior
    for day in sorted(seen):
        if anchor is None:
            if day > first:  # never seen: overdue from the first of the month until today's visit
                return False
        elif max(anchor + timedelta(days=interval + 1), first) <= day - timedelta(days=1):
            return False
        anchor = day
    if anchor is None:
        return False
    return max(anchor + timedelta(days=interval + 1), first) > as_of


def _aware(value: Any) -> datetime:
    # Aggregates come back as strings on SQLite and as datetimes on PostgreSQL.
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


async def coverage(community: Community, month: Month, today: date) -> Coverage:
    as_of = month.as_of(today)
    rules = community.rules()
    groups = await BuildingGroup.filter(community_id=community.id).prefetch_related("leaders").order_by("number")
    by_group = {
        g.id: GroupCoverage(g, sorted(u.display_name for u in g.leaders if u.active)) for g in groups
    }
    total = GroupCoverage(None)
    # Flags first, as plain values: most residents carry none, and turning every active resident
    # and their household into objects (6,248 + 6,248 for the seed committee) cost more than the rest.
    flagged = [
        rid for rid, flags in await Resident.filter(community_id=community.id, status=ResidentStatus.ACTIVE)
        .values_list("id", "care_flags")
        if flags and check_interval(flags, rules) is not None
    ]
    residents = list(
        await Resident.filter(id__in=flagged).select_related("household").order_by("id")
    ) if flagged else []
    if not residents or as_of < month.first:
        return Coverage(month, as_of, list(by_group.values()), total)

    seen_scope = {"resident__community_id": community.id, "visit__withdrawn": False, "visit__voided_at__isnull": True}
    # Each resident's last check before the month: read newest first per resident, not a MAX
    # over the committee's whole history.
    prior = {rid: _aware(last) for rid, last in (await last_checks([r.id for r in residents], month.start)).items()}
    in_month: dict[int, list[datetime]] = defaultdict(list)
    for resident_id, occurred_at in await VisitResident.filter(
        **seen_scope, occurred_at__gte=month.start, occurred_at__lt=day_start(as_of + timedelta(days=1))
    ).values_list("resident_id", "occurred_at"):
        in_month[resident_id].append(occurred_at)

    moment = day_start(as_of) + timedelta(hours=12)  # "as of" that Shanghai day
    for resident in residents:
        seen = in_month.get(resident.id, [])
        last = max([*seen, *([prior[resident.id]] if resident.id in prior else [])], default=None)
        status = check_status(resident.care_flags, rules, last, moment)
        if status is None:
            continue
        prior_day = shanghai_date(prior[resident.id]) if resident.id in prior else None
        kept = kept_within_interval(
            status.interval_days, prior_day, [shanghai_date(s) for s in seen], month.first, as_of
        )
        row = ResidentCoverage(resident, resident.household, status, kept)
        group = by_group.get(resident.household.building_group_id)
        if group is None:
            continue
        group.add(row)
        total.add(row)
        if status.state is not CheckState.OK:
            group.needing_visit.append(row)
    for group in by_group.values():
        group.needing_visit.sort(key=lambda r: (r.status.sort_key(), r.household.address, r.resident.name))
    return Coverage(month, as_of, list(by_group.values()), total)


RULE_MIN, RULE_MAX = 1, 365


def parse_rules(form: dict[str, str], current: dict[str, int]) -> tuple[dict[str, int], dict[str, str]]:
    """New intervals from the form, one field per rule key; errors per key (Chinese msgids)."""
    rules: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key in current:
        text = str(form.get(f"rule:{key}", "")).strip()
        try:
            days = int(text)
        except ValueError:
            errors[key] = N_("请填写天数（1 到 365 之间的整数）。")
            continue
        if not RULE_MIN <= days <= RULE_MAX:
            errors[key] = N_("天数必须在 1 到 365 之间。")
            continue
        rules[key] = days
    return rules, errors
