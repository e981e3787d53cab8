"""Elderly-check coverage for the office: per building group, who is due or overdue, and the
share of flagged residents checked on time.

Intervals, due and overdue come from `server.checks.rules` (the leader's home uses the same rules);
this module adds the month view.

The on-time rate (按期看望率) is the share of flagged residents NOT overdue on the as-of day:
(flagged - overdue) / flagged. It reads with the overdue count beside it: 0 overdue is 100 %,
whatever happened earlier in the month. (It used to be the share never overdue on any day of the
month, which gave a group with 0 overdue 27 % — true, but it read as a contradiction at the
meeting.) `kept` still counts the residents never overdue all month, for whoever wants it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from tortoise import Tortoise

from server.checks.rules import (
    COUNTED_CHECK_SQL,
    CheckState,
    CheckStatus,
    as_datetime,
    check_interval,
    last_check_sql,
    moment_value,
    placeholder,
    status_on,
)
from server.core.clock import local_date
from server.core.dates import Month, day_start
from server.core.forms import INT, read_typed
from server.core.limits import RULE_MAX, RULE_MIN
from server.models import BuildingGroup, Community, ResidentStatus
from sync.vocabulary import N_


def on_time_share(flagged: int, overdue: int) -> float | None:
    """按期看望率: the flagged residents not overdue on the as-of day, over all flagged ones."""
    return (flagged - overdue) / flagged if flagged else None


def percent_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"

@dataclass(frozen=True, slots=True)
class FlaggedResident:
    # What the coverage shows of a resident: read as plain values, not as Resident/Household
    # objects (1,101 flagged residents of the demo committee cost more as objects than the rest).
    id: int
    name: str
    care_flags: list


@dataclass(frozen=True, slots=True)
class FlaggedHome:
    id: int
    address: str
    building_group_id: int


@dataclass
class ResidentCoverage:
    resident: FlaggedResident
    household: FlaggedHome
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


def _checks_between(postgres: bool, start: str, end: str) -> str:
    """A resident r's checks in [start, end) as one value: a list on PostgreSQL, comma-joined
    text on SQLite. Correlated, so both stores read visit_resident(resident_id, occurred_at) per
    resident: its cost follows the flagged residents, never the store's size (joined as a set,
    PostgreSQL chose a parallel scan of all visit_resident for one committee's month)."""
    rows = (
        "FROM visit_resident vr JOIN visit v ON v.id = vr.visit_id WHERE vr.resident_id = r.id"
        f" AND {COUNTED_CHECK_SQL} AND vr.occurred_at >= {start} AND vr.occurred_at < {end}"
    )
    return f"ARRAY(SELECT vr.occurred_at {rows})" if postgres else f"(SELECT group_concat(vr.occurred_at, ',') {rows})"


async def _flagged_with_checks(community_id: int, month: Month, as_of: date) -> list[dict]:
    """The community's active residents with a care flag ('[]' is how both stores keep an empty
    list; most residents carry none; a flag without a rule is left out by the caller), each with
    their household, last check before the month (`prior`) and checks in [first of the month,
    as_of] (`seen`, a list of aware datetimes). One statement whatever the store's size."""
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    mark = partial(placeholder, postgres)  # SQLite binds `?` in the order of the text
    rows = await conn.execute_query_dict(
        "SELECT r.id, r.name, r.care_flags, h.id AS household_id, h.address, h.building_group_id,"
        f" {last_check_sql('r.id', mark(1))} AS prior, {_checks_between(postgres, mark(2), mark(3))} AS seen"
        " FROM resident r JOIN household h ON h.id = r.household_id"
        f" WHERE r.community_id = {mark(4)} AND r.status = {mark(5)} AND r.care_flags <> '[]' ORDER BY r.id",
        [moment_value(postgres, month.start), moment_value(postgres, month.start),
         moment_value(postgres, day_start(as_of + timedelta(days=1))), community_id, ResidentStatus.ACTIVE.value],
    )
    for row in rows:
        seen = row["seen"] or []
        row["seen"] = [as_datetime(at) for at in (seen.split(",") if isinstance(seen, str) else seen)]
    return rows


async def coverage(community: Community, month: Month, today: date) -> Coverage:
    as_of = month.as_of(today)
    rules = community.rules()
    groups = await BuildingGroup.filter(community_id=community.id).prefetch_related("leaders").order_by("number")
    by_group = {
        g.id: GroupCoverage(g, sorted(u.display_name for u in g.leaders if u.active)) for g in groups
    }
    total = GroupCoverage(None)
    if as_of < month.first:
        return Coverage(month, as_of, list(by_group.values()), total)
    residents = await _flagged_with_checks(community.id, month, as_of)

    intervals: dict[str, int | None] = {}  # a handful of flag combinations among all residents
    for row in residents:
        flags = row["care_flags"]
        flags = json.loads(flags) if isinstance(flags, str) else flags
        key = ",".join(sorted(flags))
        if key not in intervals:
            intervals[key] = check_interval(flags, rules)
        interval = intervals[key]
        group = by_group.get(row["building_group_id"])
        if interval is None or group is None:
            continue
        seen = row["seen"]
        prior = as_datetime(row["prior"])
        last = max([*seen, *([prior] if prior else [])], default=None)
        status = status_on(interval, last, as_of)
        kept = kept_within_interval(
            interval, local_date(prior) if prior else None, [local_date(s) for s in seen], month.first, as_of
        )
        entry = ResidentCoverage(
            FlaggedResident(row["id"], row["name"], flags),
            FlaggedHome(row["household_id"], row["address"], row["building_group_id"]), status, kept,
        )
        group.add(entry)
        total.add(entry)
        if status.state is not CheckState.OK:
            group.needing_visit.append(entry)
    for group in by_group.values():
        group.needing_visit.sort(key=lambda r: (r.status.sort_key(), r.household.address, r.resident.name))
    return Coverage(month, as_of, list(by_group.values()), total)


def parse_rules(form: dict[str, str], current: dict[str, int]) -> tuple[dict[str, int], dict[str, str]]:
    """New intervals from the form, one field per rule key; errors per key (Chinese msgids)."""
    rules: dict[str, int] = {}
    errors: dict[str, str] = {}
    typed = read_typed(form, {f"rule:{key}": INT for key in current}).data
    for key in current:
        days = typed[f"rule:{key}"]
        if days is None:  # empty, or not a whole number
            errors[key] = N_("请填写天数（1 到 365 之间的整数）。")
            continue
        if not RULE_MIN <= days <= RULE_MAX:
            errors[key] = N_("天数必须在 1 到 365 之间。")
            continue
        rules[key] = days
    return rules, errors
