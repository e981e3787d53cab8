"""The office edits a household (address, room, notes for visitors) and its residents directly.

Forms are checked field by field (Chinese msgids next to each field); nothing is saved unless
every field is valid, and every saved change is audited with what it was before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.models import CareFlag, Household, Resident, ResidentStatus, Visit
from server.office.dates import today_shanghai
from server.office.labels import N_
from sync.records import MAX_TEXT_CHARS
from sync.roster import GENDERS, MAX_NAME_CHARS, MIN_BIRTH_YEAR, PHONE

MAX_ADDRESS_CHARS = 200  # Household.address
MAX_ROOM_CHARS = 20  # Household.room
RECENT_VISITS = 10
HOUSEHOLD_FIELDS = ("address", "room", "visitor_notes")
RESIDENT_FIELDS = ("name", "gender", "birth_year", "phone", "care_flags", "status")


@dataclass
class Checked:
    """A form's values as typed (to show again), the clean ones, and the errors by field."""

    typed: dict[str, Any]
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n")


def check_household(form: Any) -> Checked:
    typed = {name: _text(form, name) for name in HOUSEHOLD_FIELDS}
    result = Checked(typed)
    address, room, notes = typed["address"].strip(), typed["room"].strip(), typed["visitor_notes"].strip()
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


def check_resident(form: Any) -> Checked:
    typed: dict[str, Any] = {name: _text(form, name).strip() for name in RESIDENT_FIELDS if name != "care_flags"}
    typed["care_flags"] = [str(flag) for flag in form.getall("care_flags", [])]
    result = Checked(typed)
    errors = result.errors
    name = typed["name"]
    if not name:
        errors["name"] = N_("请填写姓名。")
    elif len(name) > MAX_NAME_CHARS or "\n" in name:
        errors["name"] = N_("姓名最多 50 个字。")
    if typed["gender"] not in GENDERS:
        errors["gender"] = N_("请选择性别。")
    this_year = today_shanghai().year
    birth_year = int(typed["birth_year"]) if typed["birth_year"].isascii() and typed["birth_year"].isdigit() else None
    if birth_year is None or not MIN_BIRTH_YEAR <= birth_year <= this_year:
        errors["birth_year"] = N_("出生年份应为四位数，例如 1945，不早于 1900 年，也不晚于今年。")
    phone = typed["phone"]
    if phone and not PHONE.match(phone):
        errors["phone"] = N_("电话只能有数字、空格和 + - ( )，3 到 30 个字符；没有电话请留空。")
    flags = set(typed["care_flags"])
    if not flags <= {flag.value for flag in CareFlag}:
        errors["care_flags"] = N_("请从列表中勾选关注情况。")
    if typed["status"] not in {status.value for status in ResidentStatus}:
        errors["status"] = N_("请选择居民的状态。")
    if not errors:
        result.clean = {
            "name": name, "gender": typed["gender"], "birth_year": birth_year, "phone": phone or None,
            "care_flags": sorted(flags), "status": ResidentStatus(typed["status"]),
        }
    return result


def _changes(row: Any, clean: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes = {}
    for key, value in clean.items():
        before = getattr(row, key)
        if _plain(before) != _plain(value):
            changes[key] = {"from": _plain(before), "to": _plain(value)}
    return changes


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


async def save_household(request: Request, household: Household, clean: dict[str, Any]) -> bool:
    """True when something changed (saved and audited), False when the form changed nothing."""
    changes = _changes(household, clean)
    if not changes:
        return False
    async with in_transaction():
        for key in changes:
            setattr(household, key, clean[key])
        await household.save(update_fields=[*changes, "updated_at"])
        await audit.record(
            request, "household_updated", target_type="household", target_id=household.id, changes=changes
        )
    return True


async def save_resident(request: Request, resident: Resident, clean: dict[str, Any]) -> bool:
    changes = _changes(resident, clean)
    if not changes:
        return False
    async with in_transaction():
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
