"""Elderly checks: which residents are due or overdue for a visit, computed in Shanghai dates.

The rule (domain.md, made exact here):

* A resident is listed only while ACTIVE and carrying at least one care flag with a rule.
* The interval is the shortest applicable rule of the community (`Community.rules()`); a
  combined rule such as "lives_alone+age_80_plus" applies only when the resident has every
  flag it names.
* The last check is the latest `occurred_at` of any visit that saw the resident (any kind),
  not counting withdrawn visits nor those the office voided (作废).
* `days_since` counts Asia/Shanghai calendar days: a visit at 23:30 on Monday, Shanghai time,
  is one day old on Tuesday morning, whatever the UTC date of either moment.
* State, with I = interval and d = days_since:
    - never checked        -> overdue
    - d > I                -> overdue (days_overdue = d - I)
    - I - 2 <= d <= I      -> due (the check falls due within the next DUE_SOON_DAYS days,
                              the last day of the interval included)
    - otherwise            -> ok
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any

from tortoise import Tortoise

from server.core.clock import local_date, now_utc
from server.leader.scope import leader_scope
from server.models import Community, Household, Resident, ResidentStatus, User

# How many days before the end of its interval a check shows up as due.
DUE_SOON_DAYS = 2
LAST_CHECKS_CHUNK = 500


class CheckState(str, Enum):
    OVERDUE = "overdue"
    DUE = "due"
    OK = "ok"


def check_interval(flags: Iterable[str], rules: Mapping[str, Any]) -> int | None:
    """Days between checks for these care flags: the shortest rule whose flags all apply."""
    have = set(flags)
    intervals = []
    for key, days in rules.items():
        needed = {part.strip() for part in key.split("+") if part.strip()}
        if not needed or not needed <= have:
            continue
        try:
            days = int(days)
        except (TypeError, ValueError):
            continue  # a malformed community rule must not break the leader's home screen
        if days > 0:
            intervals.append(days)
    return min(intervals) if intervals else None


@dataclass(frozen=True)
class CheckStatus:
    interval_days: int
    last_checked_at: datetime | None
    days_since: int | None  # None: never checked
    state: CheckState

    @property
    def never_checked(self) -> bool:
        return self.last_checked_at is None

    @property
    def days_overdue(self) -> int | None:
        if self.days_since is None:
            return None
        return max(0, self.days_since - self.interval_days)

    @property
    def days_left(self) -> int | None:
        if self.days_since is None:
            return None
        return max(0, self.interval_days - self.days_since)

    def sort_key(self) -> tuple:
        """Overdue first (never checked, then the most overdue), then due (soonest), then ok."""
        if self.state is CheckState.OVERDUE:
            # Never checked counts as the most overdue; among those, the shortest interval first.
            over = 10**6 if self.days_since is None else self.days_since - self.interval_days
            return (0, -over, self.interval_days)
        if self.state is CheckState.DUE:
            return (1, self.interval_days - (self.days_since or 0), self.interval_days)
        return (2, self.interval_days - (self.days_since or 0), self.interval_days)


def check_status(
    flags: Iterable[str], rules: Mapping[str, Any], last_checked_at: datetime | None, now: datetime
) -> CheckStatus | None:
    """The check state of one resident at `now`, or None when no rule applies to them."""
    interval = check_interval(flags, rules)
    if interval is None:
        return None
    return status_on(interval, last_checked_at, local_date(now))


def status_for_interval(interval: int, last_checked_at: datetime | None, now: datetime) -> CheckStatus:
    """The check state at `now` for a known interval (the monthly pack rates each resident once)."""
    return status_on(interval, last_checked_at, local_date(now))


def status_on(interval: int, last_checked_at: datetime | None, today: date) -> CheckStatus:
    """The check state on the Shanghai day `today` for a known interval (check_status without
    the rule look-up, for callers that rate many residents sharing a few flag combinations)."""
    if last_checked_at is None:
        return CheckStatus(interval, None, None, CheckState.OVERDUE)
    # A phone with a clock ahead can report a visit "tomorrow": count it as today.
    days_since = max(0, (today - local_date(last_checked_at)).days)
    if days_since > interval:
        state = CheckState.OVERDUE
    elif days_since >= interval - DUE_SOON_DAYS:
        state = CheckState.DUE
    else:
        state = CheckState.OK
    return CheckStatus(interval, last_checked_at, days_since, state)


@dataclass(frozen=True)
class ResidentCheck:
    resident: Resident
    household: Household
    status: CheckStatus

    @property
    def state(self) -> CheckState:
        return self.status.state

    @property
    def needs_visit(self) -> bool:
        return self.status.state in (CheckState.OVERDUE, CheckState.DUE)


def as_datetime(value: Any) -> datetime | None:
    # An aggregate comes back as a string on SQLite and as a datetime on PostgreSQL.
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


async def last_checks(resident_ids: Sequence[int], before: datetime | None = None) -> dict[int, datetime | None]:
    """The latest occurred_at of a non-withdrawn visit that saw each resident (before `before`).

    One query; per resident it reads visit_resident(resident_id, occurred_at) newest first and
    stops at the first visit not withdrawn, so it costs the same after ten years of visits as
    after one month (a MAX over every row of the resident's history would not)."""
    ids = sorted({int(i) for i in resident_ids})
    found: dict[int, datetime | None] = {}
    for start in range(0, len(ids), LAST_CHECKS_CHUNK):  # bound variables per statement stay few
        found.update(await _last_checks(ids[start:start + LAST_CHECKS_CHUNK], before))
    return found


# The visit v behind a visit_resident row vr counts as a check (SQL): one place for the rule, read by
# last_checks here and by the office's coverage (server/office/coverage.py).
COUNTED_CHECK_SQL = "NOT v.withdrawn AND v.voided_at IS NULL"


def placeholder(postgres: bool, n: int) -> str:
    """The n-th (1-based) bound value in raw SQL: $n on PostgreSQL, ? on SQLite."""
    return f"${n}" if postgres else "?"


def moment_value(postgres: bool, moment: datetime) -> Any:
    """A moment bound in raw SQL: SQLite keeps times as UTC text and compares them as text."""
    return moment if postgres else moment.astimezone(timezone.utc).isoformat(" ")


def last_check_sql(resident: str, before: str | None = None) -> str:
    """A scalar subquery: the resident's last check (before the bound value `before`, if given).

    Reads visit_resident(resident_id, occurred_at) newest first and stops at the first counted
    visit, so it costs the same after ten years of visits as after one month."""
    bound = f" AND vr.occurred_at < {before}" if before else ""
    return (
        "(SELECT vr.occurred_at FROM visit_resident vr JOIN visit v ON v.id = vr.visit_id"
        f" WHERE vr.resident_id = {resident} AND {COUNTED_CHECK_SQL}{bound}"
        " ORDER BY vr.occurred_at DESC LIMIT 1)"
    )


async def _last_checks(ids: list[int], before: datetime | None) -> dict[int, datetime | None]:
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    values: list[Any] = []
    bound = None
    if before is not None:
        values.append(moment_value(postgres, before))
        bound = placeholder(postgres, len(values))
    listed = ",".join(placeholder(postgres, len(values) + i + 1) for i in range(len(ids)))
    values += ids
    rows = await conn.execute_query_dict(
        f"SELECT r.id AS resident_id, {last_check_sql('r.id', bound)} AS last_checked"
        f" FROM resident r WHERE r.id IN ({listed})",
        values,
    )
    return {row["resident_id"]: as_datetime(row["last_checked"]) for row in rows if row["last_checked"] is not None}


async def resident_checks(
    user: User,
    *,
    group_ids: Sequence[int] | None = None,
    household_id: int | None = None,
    now: datetime | None = None,
    community: Community | None = None,
) -> list[ResidentCheck]:
    """Check state of every flagged, active resident in the leader's groups (or one household).

    Sorted overdue-first (see CheckStatus.sort_key). Two queries whatever the number of
    residents: the residents with their households, and one aggregate of last checks.
    """
    now = now or now_utc()
    if group_ids is None:
        scope = await leader_scope(user)
        group_ids, community = scope.group_ids, community or scope.community
    if not group_ids:
        return []
    if community is None:
        community = await Community.get(id=user.community_id)
    rules = community.rules()

    scope: dict[str, Any] = {
        "community_id": community.id,
        "household__building_group_id__in": list(group_ids),
        "status": ResidentStatus.ACTIVE,
    }
    if household_id is not None:
        scope["household_id"] = household_id
    residents = [r for r in await Resident.filter(**scope).select_related("household") if r.care_flags]
    if not residents:
        return []

    last_by_resident = await last_checks([r.id for r in residents])

    checks = []
    for resident in residents:
        status = check_status(resident.care_flags, rules, last_by_resident.get(resident.id), now)
        if status is not None:
            checks.append(ResidentCheck(resident, resident.household, status))
    checks.sort(key=lambda c: (c.status.sort_key(), c.household.address, c.resident.name))
    return checks


def age_in(resident: Resident, now: datetime) -> int:
    return local_date(now).year - resident.birth_year
