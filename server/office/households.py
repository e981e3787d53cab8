"""The office adds and edits households (address, room, notes for visitors) and their residents.

Forms are checked field by field (Chinese msgids next to each field); nothing is saved unless
every field is valid, and every saved change is audited with what it was before. A household is
the same household when its committee and address match (the address ends with the room, e.g.
天山路680弄16号503室); a resident is the same resident when household, name and birth year match:
neither is ever entered twice. Residents are never deleted: moved and deceased are statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.core.dates import today_shanghai
from server.core.limits import MAX_ADDRESS_CHARS, MAX_ROOM_CHARS
from server.models import (
    BuildingGroup,
    Community,
    Household,
    Resident,
    ResidentStatus,
    Visit,
)
from sync.records import MAX_TEXT_CHARS, Rejected
from sync.roster import (
    check_born_by,
    resident_birth_year,
    resident_care_flags,
    resident_gender,
    resident_name,
    resident_phone,
)
from sync.vocabulary import N_

RECENT_VISITS = 10
HOUSEHOLD_FIELDS = ("address", "room", "visitor_notes")
RESIDENT_FIELDS = ("name", "gender", "birth_year", "phone", "care_flags", "status")
# Statuses that take a resident off every list of people to visit: set only after a confirmation.
LEAVING = (ResidentStatus.MOVED.value, ResidentStatus.DECEASED.value)
ADDRESS_TAKEN = N_("本居委会已经有这个地址的住户了，不能重复添加。请在楼组页面或查找页面找到它。")
SAME_PERSON = N_("这户已经登记了同名、同出生年份的居民，不能重复登记。如果是同一个人（例如搬回来了），请修改他原来的信息和状态。")


@dataclass
class Checked:
    """A form's values as typed (to show again), the clean ones, and the errors by field."""

    typed: dict[str, Any]
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n")


# Full-width digits and letters (６８０弄, Ａ座), as Chinese keyboards often type them, are the same
# address as half-width ones; other full-width signs such as （东） are kept as typed.
_HALF_WIDTH = {code: code - 0xFEE0 for span in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
               for code in range(span[0], span[1] + 1)} | {0x3000: 0x20}


def half_width(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def _line(text: str) -> str:
    return half_width(text).strip()


def household_address(street: str, room: str) -> str:
    """The household's address as stored, for the office's forms and the roster import alike:
    天山路680弄16号 + 503 -> 天山路680弄16号503室; a room that is a word (亭子间) takes no 室."""
    suffix = "室" if room[-1:].isascii() and room[-1:].isalnum() else ""
    return f"{street}{room}{suffix}"


def check_household(form: Any) -> Checked:
    typed = {name: _text(form, name) for name in HOUSEHOLD_FIELDS}
    result = Checked(typed)
    address, room, notes = _line(typed["address"]), _line(typed["room"]), typed["visitor_notes"].strip()
    if not address:
        result.errors["address"] = N_("请填写地址。")
    elif len(address) > MAX_ADDRESS_CHARS or "\n" in address:
        result.errors["address"] = N_("地址应为一行，最多 200 个字。")
    if not room:
        result.errors["room"] = N_("请填写房号。")
    elif len(room) > MAX_ROOM_CHARS or "\n" in room:
        result.errors["room"] = N_("房号应为一行，最多 20 个字。")
    if len(notes) > MAX_TEXT_CHARS:
        result.errors["visitor_notes"] = N_("上门提示最多 2000 个字。")
    result.clean = {"address": address, "room": room, "visitor_notes": notes}
    return result


def check_new_household(form: Any) -> Checked:
    """地址 without the room (天山路680弄16号) and 室号 (503): stored as 天山路680弄16号503室 and 503."""
    typed = {name: _text(form, name) for name in HOUSEHOLD_FIELDS}
    result = Checked(typed)
    errors = result.errors
    street, room, notes = _line(typed["address"]), _line(typed["room"]), typed["visitor_notes"].strip()
    room = room.removesuffix("室").strip()  # "503室" typed in the room box is still room 503
    if not street:
        errors["address"] = N_("请填写地址，写到门牌号为止，例如 延安西路200弄5号。")
    elif "\n" in street or len(household_address(street, room)) > MAX_ADDRESS_CHARS:
        errors["address"] = N_("地址应为一行，最多 200 个字。")
    elif street.endswith("室"):
        errors["address"] = N_("地址只写到门牌号为止，室号请填在“室号”里。")
    if not room:
        errors["room"] = N_("请填写室号，例如 503。")
    elif len(room) > MAX_ROOM_CHARS or "\n" in room:
        errors["room"] = N_("室号应为一行，最多 20 个字。")
    if len(notes) > MAX_TEXT_CHARS:
        errors["visitor_notes"] = N_("上门提示最多 2000 个字。")
    result.clean = {"address": household_address(street, room), "room": room, "visitor_notes": notes}
    return result


def check_resident(form: Any, with_status: bool = True) -> Checked:
    """A resident's form; a new resident's form has no status (they are living here)."""
    names = RESIDENT_FIELDS if with_status else RESIDENT_FIELDS[:-1]
    typed: dict[str, Any] = {name: _text(form, name).strip() for name in names if name != "care_flags"}
    typed["care_flags"] = [str(flag) for flag in form.getall("care_flags", [])]
    result = Checked(typed)
    errors = result.errors
    # The rules are the leader's proposals' own (sync/roster.py); the office words its refusals.
    name = typed["name"]
    if not name:
        errors["name"] = N_("请填写姓名。")
    elif not _passes(resident_name, name):
        errors["name"] = N_("姓名最多 50 个字。")
    if not _passes(resident_gender, typed["gender"]):
        errors["gender"] = N_("请选择性别。")
    this_year = today_shanghai().year
    birth_year = int(typed["birth_year"]) if typed["birth_year"].isascii() and typed["birth_year"].isdigit() else None
    if birth_year is None or not _passes(resident_birth_year, birth_year) or not _passes(
        check_born_by, birth_year, this_year
    ):
        errors["birth_year"] = N_("出生年份应为四位数，例如 1945，不早于 1900 年，也不晚于今年。")
    phone = typed["phone"]
    if phone and not _passes(resident_phone, phone):
        errors["phone"] = N_("电话只能有数字、空格和 + - ( )，3 到 30 个字符；没有电话请留空。")
    flags = set(typed["care_flags"])
    if not _passes(resident_care_flags, typed["care_flags"]):
        errors["care_flags"] = N_("请从列表中勾选关注情况。")
    if with_status and typed["status"] not in {status.value for status in ResidentStatus}:
        errors["status"] = N_("请选择居民的状态。")
    if not errors:
        result.clean = {
            "name": name, "gender": typed["gender"], "birth_year": birth_year, "phone": phone or None,
            "care_flags": sorted(flags),
        }
        if with_status:
            result.clean["status"] = ResidentStatus(typed["status"])
    return result


def _passes(rule: Callable[..., Any], *values: Any) -> bool:
    try:
        rule(*values)
    except Rejected:
        return False
    return True


def needs_confirmation(resident: Resident, clean: dict[str, Any], form: Any) -> bool:
    """Marking someone moved or deceased is confirmed once more (the form sends confirm_status)."""
    status = _plain(clean["status"])
    return status in LEAVING and status != _plain(resident.status) and form.get("confirm_status") != status


async def address_taken(community_id: int, address: str, except_id: int | None = None) -> bool:
    query = Household.filter(community_id=community_id, address=address)
    if except_id is not None:
        query = query.exclude(id=except_id)
    return await query.exists()


async def same_person(household_id: int, name: str, birth_year: int, except_id: int | None = None) -> Resident | None:
    """Whoever in this household (living here or not) has this name and birth year."""
    query = Resident.filter(household_id=household_id, name=name, birth_year=birth_year)
    if except_id is not None:
        query = query.exclude(id=except_id)
    return await query.first()


def _changes(row: Any, clean: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes = {}
    for key, value in clean.items():
        before = getattr(row, key)
        if _plain(before) != _plain(value):
            changes[key] = {"from": _plain(before), "to": _plain(value)}
    return changes


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


async def _lock_community(community_id: int) -> None:
    # Two offices adding the same address at once: the second waits here, then finds the first's.
    await Community.filter(id=community_id).select_for_update().first()


async def save_household(request: Request, household: Household, clean: dict[str, Any]) -> bool | None:
    """True when something changed (saved and audited), False when the form changed nothing,
    None when the new address is another household's (nothing saved)."""
    changes = _changes(household, clean)
    if not changes:
        return False
    async with in_transaction():
        await _lock_community(household.community_id)
        if "address" in changes and await address_taken(household.community_id, clean["address"], household.id):
            return None
        for key in changes:
            setattr(household, key, clean[key])
        await household.save(update_fields=[*changes, "updated_at"])
        await audit.record(
            request, "household_updated", target_type="household", target_id=household.id, changes=changes
        )
    return True


async def create_household(request: Request, group: BuildingGroup, clean: dict[str, Any]) -> Household | None:
    """The new household in this group, audited; None when the address is already a household's."""
    async with in_transaction():
        await _lock_community(group.community_id)
        if await address_taken(group.community_id, clean["address"]):
            return None
        household = await Household.create(community_id=group.community_id, building_group_id=group.id, **clean)
        await audit.record(
            request, "household_created", target_type="household", target_id=household.id,
            building_group=group.number, **clean,
        )
    return household


async def move_household(request: Request, household: Household, group: BuildingGroup) -> bool:
    """Puts the household (residents, visits and proposals with it) in another building group."""
    if group.id == household.building_group_id:
        return False
    before = await BuildingGroup.get(id=household.building_group_id)
    async with in_transaction():
        household.building_group_id = group.id
        await household.save(update_fields=["building_group_id", "updated_at"])
        await audit.record(
            request, "household_moved", target_type="household", target_id=household.id,
            address=household.address, building_group={"from": before.number, "to": group.number},
        )
    return True


async def _lock_household(household_id: int) -> None:
    # Two offices adding the same person at once: the second waits here, then finds the first.
    await Household.filter(id=household_id).select_for_update().first()


async def add_resident(request: Request, household: Household, clean: dict[str, Any]) -> Resident | None:
    """The new resident (living here), audited; None when this household has them already."""
    async with in_transaction():
        await _lock_household(household.id)
        if await same_person(household.id, clean["name"], clean["birth_year"]):
            return None
        resident = await Resident.create(
            community_id=household.community_id, household_id=household.id, status=ResidentStatus.ACTIVE, **clean
        )
        await audit.record(
            request, "resident_created", target_type="resident", target_id=resident.id, household_id=household.id,
            name=resident.name, birth_year=resident.birth_year,
        )
    return resident


async def save_resident(request: Request, resident: Resident, clean: dict[str, Any]) -> bool | None:
    """True when saved, False when nothing changed, None when the new name and birth year are
    another resident's of this household (nothing saved)."""
    changes = _changes(resident, clean)
    if not changes:
        return False
    async with in_transaction():
        await _lock_household(resident.household_id)
        if {"name", "birth_year"} & set(changes) and await same_person(
            resident.household_id, clean["name"], clean["birth_year"], resident.id
        ):
            return None
        for key in changes:
            setattr(resident, key, clean[key])
        await resident.save(update_fields=[*changes, "updated_at"])
        await audit.record(
            request, "resident_updated", target_type="resident", target_id=resident.id,
            household_id=resident.household_id, changes=changes,
        )
    return True


async def community_household(community_id: int | None, household_id: int) -> Household | None:
    if community_id is None:
        return None
    return await Household.filter(id=household_id, community_id=community_id).select_related("building_group").first()


async def household_residents(household: Household) -> list[Resident]:
    """Everyone ever registered here: those living here first, then moved and deceased."""
    residents = await Resident.filter(household_id=household.id).order_by("birth_year", "id")
    order = {ResidentStatus.ACTIVE.value: 0, ResidentStatus.MOVED.value: 1, ResidentStatus.DECEASED.value: 2}
    return sorted(residents, key=lambda r: order[_plain(r.status)])


async def recent_visits(household: Household) -> list[Visit]:
    return list(
        await Visit.filter(household_id=household.id).select_related("author").order_by("-occurred_at").limit(
            RECENT_VISITS
        )
    )
