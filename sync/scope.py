"""What a leader may write about: households of their own building groups, in their community.

Which groups those are is the server's one leader scope (server/leader/scope.py), asked once
per push through the store; the judging is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sync.records import INVALID_RESIDENT, OUT_OF_SCOPE, Rejected
from sync.store import Author, HouseholdRef, ResidentRows, Store
from sync.vocabulary import ResidentStatus

# One message whether the household does not exist or belongs to someone else, so a push
# can never be used to find out which household ids exist elsewhere.
OUT_OF_SCOPE_MESSAGE = "这户不在您负责的楼组里，不能为它记录走访。如果楼组刚调整过，请刷新后再试。"
NOT_A_RESIDENT_MESSAGE = "选中的居民中有人不是这一户的在册居民（可能已搬走或信息已更新），请刷新后重新选择。"


@dataclass(frozen=True)
class WriteScope:
    """A leader's building groups, read once per push (assignments change rarely, not mid-batch)."""

    community_id: int | None
    group_ids: frozenset[int]

    def check(
        self, household: HouseholdRef | None, message: str = OUT_OF_SCOPE_MESSAGE, field: str = "household_id"
    ) -> HouseholdRef:
        """The household if this leader may write about it; `out_of_scope` (with the same words
        for a missing and a foreign one) otherwise. Each record type says it in its own words."""
        if (
            household is None
            or self.community_id is None
            or household.community_id != self.community_id
            or household.building_group_id not in self.group_ids
        ):
            raise Rejected(OUT_OF_SCOPE, message, field)
        return household


@dataclass(frozen=True)
class PushContext:
    """What every record of one push shares."""

    user: Author
    device_id: str
    now: datetime  # the server's clock, aware
    zone: tzinfo  # the committee's time zone: a visit's calendar day, "this year"
    scope: WriteScope
    store: Store


async def household_in_scope(
    push: PushContext, household_id: int | None, message: str = OUT_OF_SCOPE_MESSAGE, field: str = "household_id"
) -> HouseholdRef:
    found = None
    if household_id is not None:
        found = (await push.store.households(push.user.community_id, [household_id])).get(household_id)
    return push.scope.check(found, message, field)


async def check_residents(
    push: PushContext, household: HouseholdRef, resident_ids: Iterable[int], already_seen: Iterable[int] = ()
) -> None:
    wanted = set(resident_ids)
    if wanted:
        rows = await push.store.residents(household.community_id, [household.id], wanted)
        check_seen(household.id, wanted, rows, already_seen)


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
        raise Rejected(INVALID_RESIDENT, NOT_A_RESIDENT_MESSAGE, "resident_ids")
