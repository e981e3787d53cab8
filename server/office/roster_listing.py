"""The proposals page's list: filters from the query string, pending first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tortoise.expressions import RawSQL

from server.input_guard.numbers import page_number, store_id
from server.models import BuildingGroup, RosterChange, RosterChangeKind, RosterChangeState
from server.office.filters import one_of
from sync.vocabulary import N_
from server.office.roster import with_people

PAGE_SIZE = 50
FILTER_NAMES = ("state", "group", "kind", "household")


@dataclass
class RosterFilters:
    state: str | None = None
    group_id: int | None = None
    kind: str | None = None
    household_id: int | None = None  # from a household page's link: that household's proposals only
    page: int = 1
    select_all: bool = False  # tick every pending proposal of the page ("select all" without JS)
    groups: list[BuildingGroup] = field(default_factory=list)  # what the form offers
    raw: dict[str, str] = field(default_factory=dict)  # as typed, to show again
    errors: dict[str, str] = field(default_factory=dict)  # field -> Chinese msgid

    def applied(self) -> dict[str, Any]:
        values = {"state": self.state, "group": self.group_id, "kind": self.kind, "household": self.household_id}
        return {key: value for key, value in values.items() if value is not None}

    def query_string(self, **override: Any) -> str:
        """The valid filters (and the page, when not the first) for links that keep them."""
        params = {key: str(value) for key, value in self.applied().items()}
        if self.page > 1:
            params["page"] = str(self.page)
        params.update({key: str(value) for key, value in override.items() if value is not None})
        params = {key: value for key, value in params.items() if not (key == "page" and value == "1")}
        return urlencode(params)



def parse_roster_filters(params: Any, groups: list[BuildingGroup]) -> RosterFilters:
    """From the query string (or the hidden fields of a decision form); bad values are reported
    per field and left out, the good ones still apply."""
    raw = {name: str(params.get(name) or "").strip() for name in (*FILTER_NAMES, "page", "select")}
    result = RosterFilters(groups=groups, raw={name: raw[name] for name in FILTER_NAMES})
    result.state = one_of(raw, "state", (s.value for s in RosterChangeState), N_("没有这种处理结果。"), result.errors)
    if raw["group"]:
        by_id = {str(group.id): group for group in groups}
        if raw["group"] in by_id:
            result.group_id = by_id[raw["group"]].id
        else:
            result.errors["group"] = N_("没有这个楼组。")
    result.kind = one_of(raw, "kind", (k.value for k in RosterChangeKind), N_("没有这种变化。"), result.errors)
    if raw["household"]:
        # Whose household it is is checked by the query (this community's proposals only).
        if store_id(raw["household"]) is not None:
            result.household_id = store_id(raw["household"])
        else:
            result.errors["household"] = N_("没有这户。")
    result.page = page_number(raw["page"])
    result.select_all = raw["select"] == "page"
    return result


@dataclass
class RosterPage:
    pending: list[RosterChange]  # this page's pending proposals, newest first
    decided: list[RosterChange]  # then this page's decided ones, latest decision first
    total: int  # matching the filters
    pending_total: int  # of those, still pending
    page: int
    pages: int


async def roster_page(community_id: int | None, filters: RosterFilters) -> RosterPage:
    """Pending proposals first (newest first), then decided ones (latest decision first)."""
    query = RosterChange.filter(community_id=community_id)
    if filters.group_id is not None:
        query = query.filter(household__building_group_id=filters.group_id)
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.household_id is not None:
        query = query.filter(household_id=filters.household_id)
    if filters.state:
        query = query.filter(state=filters.state)
    total = await query.count()
    pending_total = await query.filter(state=RosterChangeState.PENDING).count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    # Constant SQL without parameters (see server/office/queries.py office_order for why).
    ordered = query.annotate(
        pending_rank=RawSQL(
            f"""CASE WHEN "roster_change"."state" = '{RosterChangeState.PENDING.value}' THEN 0 ELSE 1 END"""
        ),
        latest=RawSQL("""COALESCE("roster_change"."decided_at", "roster_change"."received_at")"""),
    ).order_by("pending_rank", "-latest", "id")
    rows = await with_people(ordered).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    pending = [row for row in rows if row.state == RosterChangeState.PENDING]
    decided = [row for row in rows if row.state != RosterChangeState.PENDING]
    return RosterPage(pending, decided, total, pending_total, page, pages)
