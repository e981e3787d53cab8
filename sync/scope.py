"""What a leader may write about: households of their own building groups, in their community."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from server.models import BuildingGroup, Household, Resident, ResidentStatus, User
from sync.records import INVALID_RESIDENT, OUT_OF_SCOPE, Rejected

# One message whether the household does not exist or belongs to someone else, so a push
# can never be used to find out which household ids exist elsewhere.
OUT_OF_SCOPE_MESSAGE = "这户不在您负责的楼组里，不能为它记录走访。如果楼组刚调整过，请刷新后再试。"


class WriteScope:
    """A leader's building groups, read once per push (assignments change rarely, not mid-batch)."""

    def __init__(self, user: User, group_ids: Iterable[int]) -> None:
        self.user = user
        self.group_ids = frozenset(group_ids)

    @classmethod
    async def load(cls, user: User) -> WriteScope:
        if user.community_id is None:
            return cls(user, ())
        ids = await BuildingGroup.filter(leaders=user.id, community_id=user.community_id).values_list(
            "id", flat=True
        )
        return cls(user, ids)

    async def household(
        self, household_id: int | None, message: str = OUT_OF_SCOPE_MESSAGE, field: str = "household_id"
    ) -> Household:
        """The household if this leader may write about it; `out_of_scope` (with the same words
        for a missing and a foreign one) otherwise. Each record type says it in its own words."""
        household = await Household.get_or_none(id=household_id) if household_id is not None else None
        return self.check(household, message, field)

    async def households(self, household_ids: Iterable[int]) -> dict[int, Household]:
        """The households of a whole batch in one query per chunk; `check` then judges each."""
        found: dict[int, Household] = {}
        for part in chunks(sorted(set(household_ids))):
            found.update((h.id, h) for h in await Household.filter(id__in=part))
        return found

    def check(self, household: Household | None, message: str = OUT_OF_SCOPE_MESSAGE, field: str = "household_id") -> Household:
        if (
            household is None
            or household.community_id != self.user.community_id
            or household.building_group_id not in self.group_ids
        ):
            raise Rejected(OUT_OF_SCOPE, message, field)
        return household


@dataclass(frozen=True)
class PushContext:
    """What every record of one push shares."""

    user: User
    device_id: str
    now: datetime  # the server's clock, aware
    scope: WriteScope


# Rows per IN (...) list: PostgreSQL takes at most 32,767 parameters per statement, SQLite 32,766.
IN_CHUNK = 1000


def chunks(items: list, size: int = IN_CHUNK) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


ResidentRows = dict[int, dict[int, str]]  # household id -> {resident id: status}


async def resident_rows(household_ids: Iterable[int], resident_ids: Iterable[int]) -> ResidentRows:
    """Which of these residents belong to which of these households, and their status: the
    residents of a whole batch in one query per chunk."""
    rows: ResidentRows = {}
    households = sorted(set(household_ids))
    for part in chunks(sorted(set(resident_ids))):
        if not part or not households:
            continue
        found = await Resident.filter(household_id__in=households, id__in=part).values_list(
            "id", "household_id", "status"
        )
        for rid, household_id, status in found:
            rows.setdefault(household_id, {})[rid] = status
    return rows


async def check_residents(household: Household, resident_ids: Iterable[int], already_seen: Iterable[int] = ()) -> None:
    wanted = set(resident_ids)
    if wanted:
        check_seen(household.id, wanted, await resident_rows([household.id], wanted), already_seen)


def check_seen(household_id: int, resident_ids: Iterable[int], rows: ResidentRows, already_seen: Iterable[int] = ()) -> None:
    """Each resident must live in that household now; those a visit already names stay allowed,
    so a visit to someone who has since moved or died can still be corrected or withdrawn."""
    wanted = set(resident_ids)
    if not wanted:
        return
    here = rows.get(household_id, {})
    living_here = {rid for rid, status in here.items() if status == ResidentStatus.ACTIVE}
    named_before = set(already_seen) & set(here)
    allowed = living_here | named_before
    if wanted - allowed:
        raise Rejected(
            INVALID_RESIDENT,
            "选中的居民中有人不是这一户的在册居民（可能已搬走或信息已更新），请刷新后重新选择。",
            "resident_ids",
        )
