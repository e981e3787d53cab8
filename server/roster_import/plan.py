"""Roster rows + the committee's stored roster -> what an import would write, counted and worded.

The whole committee is read in a few queries and compared in memory (sets, not a query per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q

from server.core.words import RESIDENT_STATUS_WORDS
from server.models import BuildingGroup, Household, Resident, ResidentStatus, Role, User
from server.roster_import import cells
from server.roster_import import columns as cols
from server.roster_import.report import Counts, RosterPreview, RowProblem
from server.roster_import.rows import RosterRow

GENDER_WORDS = {"M": "男", "F": "女"}


@dataclass
class Store:
    """The committee's roster as it is stored, keyed the way rows are matched."""

    groups: dict[int, dict]  # number -> {id, number, name}
    group_numbers: dict[int, int]  # id -> number
    households: dict[tuple[str, str], dict]  # (地址, room) -> row (the oldest one, if ever two)
    household_by_id: dict[int, dict]
    residents: dict[tuple[int, str, int], dict]  # (household id, name, birth year) -> row
    resident_list: list[dict]
    users: dict[str, dict]  # lower-case username -> {id, username, display_name, role, community_id}
    assigned: set[tuple[int, int]]  # (user id, group id)


async def load_store(community_id: int, usernames: set[str]) -> Store:
    groups = await BuildingGroup.filter(community_id=community_id).values("id", "number", "name")
    households = await Household.filter(community_id=community_id).order_by("id").values(
        "id", "building_group_id", "address", "room", "visitor_notes"
    )
    residents = await Resident.filter(community_id=community_id).order_by("id").values(
        "id", "household_id", "name", "gender", "birth_year", "phone", "care_flags", "status"
    )
    users: list[dict] = []
    names = sorted(usernames)
    for start in range(0, len(names), 100):  # accounts match case-insensitively (server/accounts/service.py)
        query = Q(*[Q(username__iexact=u) for u in names[start:start + 100]], join_type="OR")
        users += await User.filter(query).values("id", "username", "display_name", "role", "community_id")
    assigned = set()
    if users:
        user_ids = [u["id"] for u in users]
        pairs = await BuildingGroup.filter(community_id=community_id, leaders__id__in=user_ids).values_list(
            "leaders__id", "id"
        )
        assigned = {(user_id, group_id) for user_id, group_id in pairs}
    store = Store({g["number"]: g for g in groups}, {g["id"]: g["number"] for g in groups}, {}, {}, {}, residents,
                  {u["username"].lower(): u for u in users}, assigned)
    for h in households:
        store.household_by_id[h["id"]] = h
        key = (cells.split_address(h["address"], h["room"], stored=True), cells.room_key(cells.clean_text(h["room"])))
        store.households.setdefault(key, h)
    for r in residents:
        store.residents.setdefault((r["household_id"], cells.name_key(r["name"]), r["birth_year"]), r)
    return store


@dataclass
class Plan:
    """What to write. Groups and households not yet stored are named by number / key."""

    new_groups: dict[int, str] = field(default_factory=dict)  # number -> name
    renamed_groups: dict[int, str] = field(default_factory=dict)  # id -> name
    new_households: dict[tuple[str, str], dict] = field(default_factory=dict)  # key -> {group, address, room, notes}
    changed_households: dict[int, dict] = field(default_factory=dict)  # id -> {group, notes}
    new_residents: list[RosterRow] = field(default_factory=list)
    changed_residents: dict[int, dict] = field(default_factory=dict)  # id -> {gender, phone, care_flags, status}
    moved_out: list[int] = field(default_factory=list)
    new_leaders: dict[str, dict] = field(default_factory=dict)  # lower username -> {username, display_name}
    renamed_leaders: dict[int, str] = field(default_factory=dict)  # user id -> display name
    assignments: list[tuple[str, int]] = field(default_factory=list)  # (lower username, group number)
    lines: list[str] = field(default_factory=list)


def _shown(value: Any) -> str:
    return str(value) if value not in (None, "") else "（空）"


def _groups(rows: list[RosterRow], store: Store, plan: Plan, preview: RosterPreview) -> None:
    names: dict[int, str] = {}
    first: dict[int, RosterRow] = {}
    for row in rows:
        first.setdefault(row.group, row)
        if row.group_name and row.group not in names:
            names[row.group] = row.group_name
    for number, row in first.items():
        stored, name = store.groups.get(number), names.get(number)
        if stored is None:
            plan.new_groups[number] = name or row.base  # a group is usually one building: its 地址
            plan.lines.append(f"新增楼组 {number}（{plan.new_groups[number]}）")
            preview.groups.created += 1
        elif name and not cells.same_text(stored["name"], name):
            plan.renamed_groups[stored["id"]] = name
            plan.lines.append(f"楼组 {number} 改名：{stored['name']} → {name}")
            preview.groups.updated += 1
        else:
            preview.groups.unchanged += 1


def _households(rows: list[RosterRow], store: Store, plan: Plan, preview: RosterPreview) -> None:
    notes: dict[tuple[str, str], str] = {}
    first: dict[tuple[str, str], RosterRow] = {}
    for row in rows:
        first.setdefault(row.household_key, row)
        if row.notes is not None:
            notes.setdefault(row.household_key, row.notes)
    for key, row in first.items():
        stored, note = store.households.get(key), notes.get(key)
        if stored is None:
            plan.new_households[key] = {"group": row.group, "address": row.address, "room": row.room,
                                        "notes": note or ""}
            plan.lines.append(f"新增住户 {row.address}（楼组 {row.group}）")
            preview.households.created += 1
            continue
        change, said = {}, []
        old_group = store.group_numbers.get(stored["building_group_id"])
        if row.group != old_group:
            change["group"] = row.group
            said.append(f"从楼组 {old_group} 改到楼组 {row.group}")
        if note is not None and not cells.same_text(stored["visitor_notes"], note):
            change["notes"] = note
            said.append(f"备注：{_shown(stored['visitor_notes'])} → {_shown(note)}")
        _changed_or_not(plan, plan.changed_households, stored["id"], change, f"住户 {stored['address']} ", said,
                        preview.households)


def _changed_or_not(plan: Plan, changed: dict[int, dict], stored_id: int, change: dict, who: str, said: list[str],
                    counts: Counts) -> None:
    """A stored row the file changes (what is said of it, in the plan's lines) or leaves alone."""
    if said:
        changed[stored_id] = change
        plan.lines.append(who + "；".join(said))
        counts.updated += 1
    else:
        counts.unchanged += 1


def _residents(rows: list[RosterRow], store: Store, plan: Plan, preview: RosterPreview, problems: list) -> set[int]:
    seen: set[int] = set()
    for row in rows:
        household = store.households.get(row.household_key)
        stored = household and store.residents.get((household["id"], row.name, row.birth_year))
        if not stored:
            plan.new_residents.append(row)
            plan.lines.append(f"新增居民 {row.name}（{row.address}）")
            preview.residents.created += 1
            continue
        seen.add(stored["id"])
        if stored["status"] == ResidentStatus.DECEASED:
            problems.append(RowProblem(row.row, "", (
                f"第 {row.row} 行的 {row.name}（{row.birth_year} 年生）在系统里登记为已故。请核对：确实如此，就删去这一行；"
                "登记错了，请先在居民页面改回在住。")))
            continue
        change = {"gender": stored["gender"], "phone": stored["phone"], "care_flags": list(stored["care_flags"] or []),
                  "status": ResidentStatus.ACTIVE}
        said = []
        if row.gender != stored["gender"]:
            change["gender"] = row.gender
            said.append(f"性别 {GENDER_WORDS.get(stored['gender'], stored['gender'])} → {GENDER_WORDS[row.gender]}")
        if row.phone is not None and not (cells.same_phone(stored["phone"], row.phone) if row.phone
                                          else stored["phone"] in (None, "")):
            change["phone"] = row.phone or None
            said.append(f"电话 {_shown(stored['phone'])} → {_shown(row.phone)}")
        if row.care_flags is not None and set(row.care_flags) != set(change["care_flags"]):
            said.append(f"关怀标记 {cells.flag_words(change['care_flags'])} → {cells.flag_words(row.care_flags)}")
            change["care_flags"] = row.care_flags
        if stored["status"] != ResidentStatus.ACTIVE:
            status = getattr(stored["status"], "value", stored["status"])
            said.append(f"重新登记为在住（原为{RESIDENT_STATUS_WORDS.get(status, status)}）")
        _changed_or_not(plan, plan.changed_residents, stored["id"], change, f"居民 {row.name}（{household['address']}）",
                        said, preview.residents)
    return seen


def _leaders(rows: list[RosterRow], community_id: int, store: Store, plan: Plan, preview: RosterPreview,
             problems: list) -> None:
    named: dict[int, RosterRow] = {}
    for row in rows:
        if row.leaders:
            named.setdefault(row.group, row)
    outcome: dict[str, str] = {}  # lower username -> created / updated / unchanged
    for number, row in sorted(named.items()):
        group = store.groups.get(number)
        for username, display in row.leaders:
            lower = username.lower()
            user = store.users.get(lower)
            if user is None:
                plan.assignments.append((lower, number))
                if lower in plan.new_leaders:
                    plan.lines.append(f"新建的楼组长账号 {plan.new_leaders[lower]['username']} 也负责楼组 {number}")
                    continue
                plan.new_leaders[lower] = {"username": username, "display_name": display or username}
                plan.lines.append(f"新建楼组长账号 {username}（{display or username}），负责楼组 {number}")
                outcome[lower] = "created"
                continue
            if user["community_id"] != community_id or user["role"] != Role.LEADER:
                problems.append(RowProblem(row.row, cols.LEADER_ACCOUNT, (
                    f"第 {row.row} 行「楼组长账号」{username} 已被别的账号使用（不是本居委会的楼组长），请换一个账号名。")))
                continue
            changed = False
            if group is None or (user["id"], group["id"]) not in store.assigned:
                plan.assignments.append((lower, number))
                plan.lines.append(f"楼组长 {user['username']}（{user['display_name']}）负责楼组 {number}")
                changed = True
            if display and display != user["display_name"] and plan.renamed_leaders.get(user["id"]) != display:
                plan.renamed_leaders[user["id"]] = display
                plan.lines.append(f"楼组长 {user['username']} 的名字：{user['display_name']} → {display}")
                changed = True
            if changed:
                outcome[lower] = "created" if outcome.get(lower) == "created" else "updated"
            else:
                outcome.setdefault(lower, "unchanged")
    for result in outcome.values():
        setattr(preview.leaders, result, getattr(preview.leaders, result) + 1)


def make_plan(rows: list[RosterRow], store: Store, community_id: int, preview: RosterPreview,
              mark_missing_moved: bool) -> Plan:
    """Fill the preview's counts, lines and store-dependent problems; return what to write."""
    plan, problems = Plan(), []
    _groups(rows, store, plan, preview)
    _households(rows, store, plan, preview)
    seen = _residents(rows, store, plan, preview, problems)
    _leaders(rows, community_id, store, plan, preview, problems)
    missing = [r for r in store.resident_list if r["status"] == ResidentStatus.ACTIVE and r["id"] not in seen]
    preview.missing = len(missing)
    if mark_missing_moved:
        plan.moved_out = [r["id"] for r in missing]
        preview.moved_out = len(missing)
        for r in missing:
            address = store.household_by_id[r["household_id"]]["address"]
            plan.lines.append(f"标记迁出 {r['name']}（{address}）")
    preview.problems = sorted(preview.problems + problems, key=lambda p: p.row)
    return plan
