"""Building groups for the office: the list with its counts, create, rename/renumber, leaders.

A group's number is unique in its committee (the database says so too); its name is what
leaders and the office read (often the building's address, e.g. 天山路680弄16号). A leader may
look after several groups and always keeps at least one (the admin's account page keeps the
same rule). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.query_utils import Prefetch
from tortoise.transactions import in_transaction

from server import audit
from server.core.forms import TEXT, read_typed
from server.core.limits import MAX_GROUP_NAME_CHARS, MAX_GROUP_NUMBER
from server.models import BuildingGroup, Household, Resident, ResidentStatus, Role, User
from server.office.households import Checked, half_width
from sync.vocabulary import N_

GROUP_FIELDS = ("number", "name")
NUMBER_TAKEN = N_("本居委会已经有这个编号的楼组了，请换一个编号。")


@dataclass
class GroupRow:
    group: BuildingGroup
    households: int
    residents: int  # living there (moved and deceased not counted)
    leaders: list[User] = field(default_factory=list)


def _leaders(community_id: int | None) -> Prefetch:
    return Prefetch("leaders", queryset=User.filter(community_id=community_id, role=Role.LEADER).order_by("username"))


async def group_rows(community_id: int | None) -> list[GroupRow]:
    """Every group of the committee with its counts: three queries, whatever the size."""
    groups = await BuildingGroup.filter(community_id=community_id).prefetch_related(_leaders(community_id)).order_by(
        "number"
    )
    households = dict(
        await Household.filter(community_id=community_id).annotate(n=Count("id"))
        .group_by("building_group_id").values_list("building_group_id", "n")
    )
    residents = dict(
        await Resident.filter(community_id=community_id, status=ResidentStatus.ACTIVE).annotate(n=Count("id"))
        .group_by("household__building_group_id").values_list("household__building_group_id", "n")
    )
    return [GroupRow(g, households.get(g.id, 0), residents.get(g.id, 0), list(g.leaders)) for g in groups]


async def community_group(community_id: int | None, group_id: int) -> BuildingGroup | None:
    """The group if it is this community's; None (a 404) for another's or an unknown one."""
    if community_id is None:
        return None
    return await BuildingGroup.filter(id=group_id, community_id=community_id).first()


@dataclass
class GroupHouseholds:
    households: list[Household]  # in room order
    living: dict[int, int]  # household id -> residents living there


def _room_order(household: Household) -> tuple:
    # 102 before 1001: rooms are text, but people read them as numbers.
    room = household.room
    return (0, int(room), room) if room.isascii() and room.isdigit() else (1, 0, room)


async def group_households(group: BuildingGroup) -> GroupHouseholds:
    households = sorted(
        await Household.filter(community_id=group.community_id, building_group_id=group.id), key=_room_order
    )
    living = dict(
        await Resident.filter(
            community_id=group.community_id, household__building_group_id=group.id, status=ResidentStatus.ACTIVE
        ).annotate(n=Count("id")).group_by("household_id").values_list("household_id", "n")
    )
    return GroupHouseholds(households, living)


async def community_leaders(community_id: int | None) -> list[User]:
    """The committee's leader accounts (active or not) with their groups in this committee."""
    return list(
        await User.filter(community_id=community_id, role=Role.LEADER).prefetch_related(
            Prefetch("building_groups", queryset=BuildingGroup.filter(community_id=community_id).order_by("number"))
        ).order_by("username")
    )


async def check_group(form: Any, community_id: int, group: BuildingGroup | None = None) -> Checked:
    """A new group's (or a renamed group's) number and name; the number must be free."""
    typed = read_typed(form, dict.fromkeys(GROUP_FIELDS, TEXT)).texts()
    result = Checked(typed)
    number_text = half_width(typed["number"]).strip()
    name = half_width(typed["name"]).strip()
    number = int(number_text) if number_text.isascii() and number_text.isdigit() else None
    if number is None or not 1 <= number <= MAX_GROUP_NUMBER:
        result.errors["number"] = N_("楼组编号应为 1 到 9999 之间的整数，例如 16。")
    else:
        taken = BuildingGroup.filter(community_id=community_id, number=number)
        if group is not None:
            taken = taken.exclude(id=group.id)
        if await taken.exists():
            result.errors["number"] = NUMBER_TAKEN
    if not name:
        result.errors["name"] = N_("请填写楼组名称，例如 延安西路200弄5号。")
    elif len(name) > MAX_GROUP_NAME_CHARS or "\n" in name or "\r" in name:
        result.errors["name"] = N_("楼组名称应为一行，最多 100 个字。")
    result.clean = {"number": number, "name": name}
    return result


async def create_group(request: Request, community_id: int, clean: dict[str, Any]) -> BuildingGroup | None:
    """The new group, audited; None when its number was taken meanwhile (nothing stored)."""
    try:
        async with in_transaction():
            group = await BuildingGroup.create(community_id=community_id, **clean)
            await audit.record(request, "group_created", target_type="building_group", target_id=group.id, **clean)
    except IntegrityError:  # another office took the number between the check and the insert
        return None
    return group


async def save_group(request: Request, group: BuildingGroup, clean: dict[str, Any]) -> bool | None:
    """True when saved, False when nothing changed, None when the number was taken meanwhile."""
    changes = {
        key: {"from": getattr(group, key), "to": value} for key, value in clean.items() if getattr(group, key) != value
    }
    if not changes:
        return False
    try:
        async with in_transaction():
            for key in changes:
                setattr(group, key, clean[key])
            await group.save(update_fields=[*changes, "updated_at"])
            await audit.record(
                request, "group_updated", target_type="building_group", target_id=group.id, changes=changes
            )
    except IntegrityError:
        return None
    return True


@dataclass
class LeaderChange:
    """The leaders ticked for a group, checked: who is added and removed, or why not."""

    chosen: list[int]  # ticked ids, to show again after an error
    added: list[User] = field(default_factory=list)
    removed: list[User] = field(default_factory=list)
    error: str = ""  # a Chinese msgid
    stuck: list[User] = field(default_factory=list)  # leaders this group is the only one of


def check_group_leaders(group: BuildingGroup, values: list[str], leaders: list[User]) -> LeaderChange:
    by_id = {str(u.id): u for u in leaders}
    chosen = [by_id[v] for v in dict.fromkeys(values) if v in by_id]
    change = LeaderChange([u.id for u in chosen])
    if len(chosen) != len(set(values)):
        change.error = N_("只能选择本居委会的楼组长。")
        return change
    current = {u.id for u in leaders if any(g.id == group.id for g in u.building_groups)}
    change.added = [u for u in chosen if u.id not in current]
    change.removed = [u for u in leaders if u.id in current and u.id not in change.chosen]
    change.stuck = [u for u in change.removed if all(g.id == group.id for g in u.building_groups)]
    if change.stuck:
        # The same words as the admin's account page: a leader without a group has no households.
        change.error = N_("楼组长至少要负责一个楼组。")
    return change


async def save_group_leaders(request: Request, group: BuildingGroup, change: LeaderChange) -> bool:
    """Adds and removes the leaders of the group in one transaction, audited; False if no change."""
    if not change.added and not change.removed:
        return False
    async with in_transaction():
        if change.added:
            await group.leaders.add(*change.added)
        if change.removed:
            await group.leaders.remove(*change.removed)
        await audit.record(
            request, "group_leaders_updated", target_type="building_group", target_id=group.id,
            number=group.number, added=[u.username for u in change.added],
            removed=[u.username for u in change.removed],
        )
    return True
