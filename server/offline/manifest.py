"""The offline manifest: which pages a user's phone keeps, each with a version tag that changes with its content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.functions import Count, Max

from server.core.clock import local_date, now_utc
from server.leader.scope import leader_scope
from server.leader.task_stamps import household_task_stamps
from server.models import Household, Resident, Role, User, Visit
from server.static_files.version import ASSET_VERSION

# A page's path from its route's name and parameters (core/render.path_for with the request):
# the manifest names pages the way every link does, never by a written path.
PathFor = Callable[..., str]


@dataclass
class OfflinePage:
    url: str
    version: str


def _tag(*parts: Any) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:20]


def _stamp(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).isoformat() if value else "-"


def _per_household(rows: list[dict]) -> dict[int, tuple[int, str]]:
    return {row["household_id"]: (row["n"], _stamp(row["last"])) for row in rows}


async def offline_pages(
    path_for: PathFor, user: User, locale: str, session_id: int | None = None, now: datetime | None = None
) -> list[OfflinePage]:
    """Every leader keeps home, their own visits, the phone's status and the offline page, and
    each household of their building groups with its roster form. A handful of aggregate
    queries for all pages, never one query per household.

    Every page carries the session's CSRF token (logout form, meta tag), so a new login
    changes every tag: a kept page never holds a dead session's token.
    """
    if user.role != Role.LEADER:
        return [OfflinePage(path_for("offline_page"), _tag(ASSET_VERSION, locale))]
    now = now or now_utc()
    # Due lists and "n days ago" change with the date even when no row does.
    today = local_date(now).isoformat()
    scope = await leader_scope(user)
    community_id = scope.community.id if scope.community else None
    groups = sorted(scope.groups, key=lambda group: group.id)
    group_ids = [group.id for group in groups]
    households = await Household.filter(community_id=community_id, building_group_id__in=group_ids).order_by(
        "id").values("id", "updated_at")
    # By the households' own ids (not a join on building_group_id): the planner then reads each
    # household's rows from its index rather than hashing the whole visit table (ten years).
    household_ids = [h["id"] for h in households]
    residents = _per_household(
        await Resident.filter(community_id=community_id, household_id__in=household_ids)
        .annotate(n=Count("id"), last=Max("updated_at"))
        .group_by("household_id")
        .values("household_id", "n", "last")
    )
    # Visits by the households' ids alone: those ids were read within the leader's committee
    # just above. With a community_id filter too, PostgreSQL ANDs in a bitmap of the whole
    # committee's visits (its selectivities multiplied, as if household and committee were
    # independent): 25 ms of each manifest at ten years, 60 % of it with ten committees.
    visits = _per_household(
        await Visit.filter(household_id__in=household_ids)
        .annotate(n=Count("id"), last=Max("updated_at"))
        .group_by("household_id")
        .values("household_id", "n", "last")
    )
    # What the office does to a visit that a leader's page shows (its review state, a void)
    # moves the visit's updated_at, so the aggregates above and below see it. Comments and the
    # office's own follow-up plan are not shown to leaders and leave it alone.
    # Questions from the office and roster proposals show on household pages and home.
    tasks = await household_task_stamps(community_id, group_ids)
    # Grouped by the filtered column: one row (Tortoise would otherwise group by every column).
    mine = (
        await Visit.filter(community_id=community_id, author_id=user.id)
        .annotate(n=Count("id"), last=Max("updated_at"))
        .group_by("author_id")
        .values("n", "last")
    )
    mine_row = mine[0] if mine else {"n": 0, "last": None}

    common = (
        ASSET_VERSION, locale, today, session_id, user.id, user.display_name, _stamp(user.updated_at),
        sorted((scope.community.check_rules or {}).items()) if scope.community else "",
        [(group.id, group.name, _stamp(group.updated_at)) for group in groups],
    )
    empty = (0, "-")
    per_household = {
        h["id"]: _tag(
            *common, h["id"], _stamp(h["updated_at"]), residents.get(h["id"], empty), visits.get(h["id"], empty),
            tasks.get(h["id"], empty),
        )
        for h in households
    }
    # The roster page shows the household's residents and its pending proposals only.
    roster = {
        h["id"]: _tag(*common, "roster", h["id"], _stamp(h["updated_at"]), residents.get(h["id"], empty),
                      tasks.get(h["id"], empty))
        for h in households
    }
    pages = [
        OfflinePage(path_for("home"), _tag(*common, sorted(per_household.items()))),
        OfflinePage(path_for("my_visits"), _tag(*common, mine_row["n"], _stamp(mine_row["last"]))),
        OfflinePage(path_for("phone_status"), _tag(*common)),
        OfflinePage(path_for("offline_page"), _tag(ASSET_VERSION, locale)),
    ]
    pages += [OfflinePage(path_for("household", household_id=hid), version) for hid, version in per_household.items()]
    pages += [OfflinePage(path_for("roster_form", household_id=hid), version) for hid, version in roster.items()]
    return pages
