"""Finding residents and households for the office: one search box, care flag, age band, status
and building group, filtered, counted and paged in the database.

Ages are whole years reached this year: today's year in Asia/Shanghai minus the birth year (the
roster keeps birth years only), so "70 岁以上" is everyone born in or before this year − 70.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from server.core.dates import today_shanghai
from server.core.limits import MAX_QUERY_CHARS
from server.input_guard.numbers import page_number
from server.models import BuildingGroup, CareFlag, Household, Resident, ResidentStatus
from server.office.filters import one_of
from sync.vocabulary import N_

PAGE_SIZE = 50
HOUSEHOLDS_SHOWN = 20
FILTER_NAMES = ("q", "flag", "age", "status", "group")
ALL_STATUSES = "all"

# Age band -> (youngest, oldest or None), in years reached this year.
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "60-69": (60, 69),
    "70-79": (70, 79),
    "80-89": (80, 89),
    "90+": (90, None),
    "70+": (70, None),
}
AGE_BAND_WORDS = {
    "60-69": N_("60–69 岁"),
    "70-79": N_("70–79 岁"),
    "80-89": N_("80–89 岁"),
    "90+": N_("90 岁以上"),
    "70+": N_("70 岁以上（含 70 岁）"),
}


@dataclass
class ResidentSearch:
    q: str = ""
    flag: str | None = None
    age: str | None = None
    status: str | None = ResidentStatus.ACTIVE.value  # None: every status
    group_id: int | None = None
    page: int = 1
    this_year: int = 0
    groups: list[BuildingGroup] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def query_string(self, **override: Any) -> str:
        params = {
            "q": self.q, "flag": self.flag, "age": self.age, "group": self.group_id,
            "status": ALL_STATUSES if self.status is None else self.status,
        }
        params.update(override)
        return urlencode({key: str(value) for key, value in params.items() if value not in (None, "")})



def parse_search(
    params: dict[str, str | None], groups: list[BuildingGroup], this_year: int | None = None
) -> ResidentSearch:
    """Bad values are reported per field and left out; the good ones still apply."""
    raw = {name: (params.get(name) or "").strip() for name in (*FILTER_NAMES, "page")}
    result = ResidentSearch(
        this_year=this_year or today_shanghai().year, groups=groups, raw={n: raw[n] for n in FILTER_NAMES}
    )
    errors = result.errors
    if len(raw["q"]) > MAX_QUERY_CHARS:
        errors["q"] = N_("查找的内容最多 50 个字。")
    else:
        result.q = raw["q"]
    result.flag = one_of(raw, "flag", (flag.value for flag in CareFlag), N_("没有这种关注情况。"), errors)
    result.age = one_of(raw, "age", AGE_BANDS, N_("没有这个年龄段。"), errors)
    if raw["status"] == ALL_STATUSES:
        result.status = None
    elif status := one_of(raw, "status", (s.value for s in ResidentStatus), N_("没有这种状态。"), errors):
        result.status = status  # (a bad one is reported and the default, the living, applies)
    if raw["group"]:
        by_id = {str(group.id): group for group in groups}
        if raw["group"] in by_id:
            result.group_id = by_id[raw["group"]].id
        else:
            errors["group"] = N_("没有这个楼组。")
    result.page = page_number(raw["page"])
    return result


def _flag_sql(flag: str) -> RawSQL:
    # The care flags are a JSON list; this finds the quoted code in its text on SQLite and
    # PostgreSQL alike. `flag` is one of CareFlag's codes (checked by parse_search), never typed text.
    assert flag in {member.value for member in CareFlag}
    return RawSQL(f"""CASE WHEN CAST("resident"."care_flags" AS TEXT) LIKE '%"{flag}"%' THEN 1 ELSE 0 END""")


def resident_query(community_id: int | None, search: ResidentSearch) -> QuerySet[Resident]:
    query = Resident.filter(community_id=community_id)
    if search.status is not None:
        query = query.filter(status=search.status)
    if search.group_id is not None:
        query = query.filter(household__building_group_id=search.group_id)
    if search.q:
        query = query.filter(
            Q(name__icontains=search.q) | Q(household__address__icontains=search.q)
            | Q(household__room__icontains=search.q)
        )
    if search.age:
        youngest, oldest = AGE_BANDS[search.age]
        query = query.filter(birth_year__lte=search.this_year - youngest)
        if oldest is not None:
            query = query.filter(birth_year__gte=search.this_year - oldest)
    if search.flag:
        query = query.annotate(has_flag=_flag_sql(search.flag)).filter(has_flag=1)
    return query


@dataclass
class SearchResult:
    residents: list[Resident]
    total: int
    page: int
    pages: int
    households: list[Household]  # matching the search box by address or room (empty ones too)
    households_total: int
    living: dict[int, int]  # household id -> residents living there, for `households`


async def search(community_id: int | None, search: ResidentSearch) -> SearchResult:
    query = resident_query(community_id, search)
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(search.page, pages)
    residents = await (
        query.select_related("household__building_group")
        .order_by("household__building_group__number", "household__address", "birth_year", "id")
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    households: list[Household] = []
    households_total = 0
    living: dict[int, int] = {}
    if search.q:
        found = Household.filter(community_id=community_id).filter(
            Q(address__icontains=search.q) | Q(room__icontains=search.q)
        )
        if search.group_id is not None:
            found = found.filter(building_group_id=search.group_id)
        households_total = await found.count()
        households = list(
            await found.select_related("building_group").order_by("address", "id").limit(HOUSEHOLDS_SHOWN)
        )
        living = dict(
            await Resident.filter(
                household_id__in=[h.id for h in households], status=ResidentStatus.ACTIVE
            ).annotate(n=Count("id")).group_by("household_id").values_list("household_id", "n")
        )
    return SearchResult(list(residents), total, page, pages, households, households_total, living)
