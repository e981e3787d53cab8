"""Writes a plan: bulk inserts and updates, inside the caller's transaction, ids read back by natural key."""

from __future__ import annotations

from collections import defaultdict

from server.auth.passwords import NO_PASSWORD
from server.core.clock import now_utc
from server.models import BuildingGroup, Household, Resident, ResidentStatus, Role, User
from server.roster_import import cells
from server.roster_import.plan import Plan, Store

BATCH = 500


async def _groups(community_id: int, plan: Plan) -> dict[int, int]:
    """Create and rename groups; returns every group's id by number."""
    if plan.new_groups:
        await BuildingGroup.bulk_create(
            [BuildingGroup(community_id=community_id, number=n, name=name) for n, name in plan.new_groups.items()],
            batch_size=BATCH,
        )
    if plan.renamed_groups:
        await BuildingGroup.bulk_update(
            [BuildingGroup(id=id_, name=name) for id_, name in plan.renamed_groups.items()],
            fields=["name", "updated_at"], batch_size=BATCH,
        )
    return dict(await BuildingGroup.filter(community_id=community_id).values_list("number", "id"))


async def _households(community_id: int, plan: Plan, store: Store, group_ids: dict[int, int]) -> dict:
    """Create and change households; returns the ids of the new ones by (地址, room)."""
    if plan.new_households:
        await Household.bulk_create(
            [Household(community_id=community_id, building_group_id=group_ids[h["group"]], address=h["address"],
                       room=h["room"], visitor_notes=h["notes"]) for h in plan.new_households.values()],
            batch_size=BATCH,
        )
    if plan.changed_households:
        changed = []
        for id_, change in plan.changed_households.items():
            stored = store.household_by_id[id_]
            group_id = group_ids[change["group"]] if "group" in change else stored["building_group_id"]
            changed.append(Household(id=id_, building_group_id=group_id,
                                     visitor_notes=change.get("notes", stored["visitor_notes"])))
        await Household.bulk_update(changed, fields=["building_group_id", "visitor_notes", "updated_at"],
                                    batch_size=BATCH)
    if not plan.new_households:
        return {}
    new_ids = {}
    for id_, address, room in await Household.filter(community_id=community_id).values_list("id", "address", "room"):
        if id_ not in store.household_by_id:
            new_ids[(cells.split_address(address, room, stored=True), cells.room_key(room))] = id_
    return new_ids


async def _residents(community_id: int, plan: Plan, store: Store, new_household_ids: dict) -> None:
    def household_id(row) -> int:
        stored = store.households.get(row.household_key)
        return stored["id"] if stored else new_household_ids[row.household_key]

    if plan.new_residents:
        await Resident.bulk_create(
            [Resident(community_id=community_id, household_id=household_id(r), name=r.name, gender=r.gender,
                      birth_year=r.birth_year, phone=r.phone or None, care_flags=r.care_flags or [])
             for r in plan.new_residents],
            batch_size=BATCH,
        )
    if plan.changed_residents:
        await Resident.bulk_update(
            [Resident(id=id_, **change) for id_, change in plan.changed_residents.items()],
            fields=["gender", "phone", "care_flags", "status", "updated_at"], batch_size=BATCH,
        )
    now = now_utc()
    for start in range(0, len(plan.moved_out), BATCH):
        # A queryset update leaves updated_at alone unless told: the offline manifest follows it.
        await Resident.filter(community_id=community_id, id__in=plan.moved_out[start:start + BATCH]).update(
            status=ResidentStatus.MOVED, updated_at=now
        )


async def _leaders(community_id: int, plan: Plan, store: Store) -> None:
    now = now_utc()
    users = {}
    for lower, new in plan.new_leaders.items():
        users[lower] = await User.create(
            username=new["username"], display_name=new["display_name"], role=Role.LEADER,
            password_hash=NO_PASSWORD, community_id=community_id,
        )
    for user_id, display_name in plan.renamed_leaders.items():
        await User.filter(id=user_id, community_id=community_id).update(display_name=display_name, updated_at=now)
    numbers_by_user: dict[str, set[int]] = defaultdict(set)
    for lower, number in plan.assignments:
        numbers_by_user[lower].add(number)
    if not numbers_by_user:
        return
    existing = [store.users[lower]["id"] for lower in numbers_by_user if lower not in users]
    for user in await User.filter(id__in=existing, community_id=community_id):
        users[user.username.lower()] = user
    groups = {g.number: g for g in await BuildingGroup.filter(
        community_id=community_id, number__in={n for ns in numbers_by_user.values() for n in ns})}
    for lower, numbers in numbers_by_user.items():
        await users[lower].building_groups.add(*[groups[n] for n in sorted(numbers)])
        # The leader's offline manifest lists their groups with the account's updated_at.
        await User.filter(id=users[lower].id).update(updated_at=now)


async def apply_plan(community_id: int, plan: Plan, store: Store) -> None:
    """Write everything the plan says; the caller holds the transaction (all or nothing)."""
    group_ids = await _groups(community_id, plan)
    new_household_ids = await _households(community_id, plan, store, group_ids)
    await _residents(community_id, plan, store, new_household_ids)
    await _leaders(community_id, plan, store)
