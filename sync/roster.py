"""The `roster_change` record: a leader proposes a change to a household's residents.

Same envelope, statuses and error shape as `visit` (sync-protocol.md); only `op: "create"`:
    {"id": "<uuid made on the phone>", "type": "roster_change", "op": "create", "base_version": null,
     "client_time": "2026-11-26T10:05:00+08:00",
     "data": {"household_id": 123, "resident_id": 456, "change": "update",
              "fields": {"phone": "13812345678", "care_flags": ["age_80_plus", "lives_alone"]},
              "note": "女儿搬走了，现在一个人住"}}
`change`: `new_resident` (resident_id null; fields.name, fields.gender, fields.birth_year required),
`moved` / `deceased` (resident_id required, no fields), `update` (resident_id required, at least
one field). `resident_id`, `fields` and `note` may be left out or null. `fields` may hold name
(1-50 characters), gender ("M"/"F"), birth_year (1900 to this year), phone (digits, spaces,
+ - ( ), 3-30 characters) and care_flags (the complete new list of care flags; [] clears them);
a null field proposes nothing and is left out. `note` up to 2,000 characters. The household must
be in the leader's building groups and community (else `out_of_scope`, field household_id, same
words for a missing one); resident_id must be a current resident of it (else `invalid_resident`).
Nothing changes in the roster until the office approves; `version` is always 1: a proposal is
never updated.

The rules for a resident's details (`resident_name` ... `check_born_by`) are the one set: the
office's resident form (server/office/households.py) applies them too, in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sync.fields import (
    choice, content_hash, invalid, long_text, missing, positive_int, refuse_unknown_keys, storable_text,
)
from sync.form_rules import (
    BIRTH_YEAR_BAD, BIRTH_YEAR_FUTURE, CHANGE_MISSING, FIELDS_MISSING, FIELDS_UNWANTED, GENDER_BAD, GENDERS,
    MAX_BIRTH_YEAR, MAX_NAME_CHARS, MIN_BIRTH_YEAR, NAME_BAD, NEW_RESIDENT_MISSING, PHONE, PHONE_BAD,
    RESIDENT_FOR_NEW_RESIDENT, RESIDENT_MISSING,
)
from sync.records import (
    APPLIED, INVALID_FIELD, INVALID_RESIDENT, MAX_TEXT_CHARS, MISSING_FIELD, RecordResult, Rejected,
)
from sync.scope import household_in_scope
from sync.vocabulary import CareFlag, ResidentStatus, RosterChangeKind

if TYPE_CHECKING:
    from sync.scope import PushContext
    from sync.validate import Record

REQUIRED_KEYS = ("household_id", "change")
OPTIONAL_KEYS = ("resident_id", "fields", "note")
FIELD_KEYS = ("name", "gender", "birth_year", "phone", "care_flags")

OUT_OF_SCOPE_MESSAGE = "这户不在您负责的楼组里，不能为它报告住户变化。如果楼组刚调整过，请刷新后再试。"
NOT_A_RESIDENT_MESSAGE = "选中的居民不是这一户的在册居民（可能已搬走或信息已更新），请刷新后重新选择。"


@dataclass(frozen=True)
class RosterData:
    household_id: int
    resident_id: int | None
    change: RosterChangeKind
    fields: dict[str, Any] = field(default_factory=dict)  # proposed values only, no nulls
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "resident_id": self.resident_id,
            "change": self.change.value,
            "fields": dict(sorted(self.fields.items())),
            "note": self.note,
        }

    def content_hash(self) -> str:
        return content_hash(self.to_json())


def parse_roster_data(data: dict[str, Any], creating: bool = True) -> RosterData:
    refuse_unknown_keys(data, REQUIRED_KEYS + OPTIONAL_KEYS)
    if "household_id" not in data:
        raise missing("household_id")
    household_id = positive_int("household_id", data["household_id"])
    if data.get("change") is None:
        raise Rejected(MISSING_FIELD, CHANGE_MISSING, "change")
    change = choice("change", RosterChangeKind, data["change"])
    resident_id = data.get("resident_id")
    if resident_id is not None:
        resident_id = positive_int("resident_id", resident_id)
    proposed = parse_fields(data.get("fields", {}))
    # A form's empty note arrives as null (see the outbox forms' typing contract): no note.
    note = long_text("note", data.get("note") or "", MAX_TEXT_CHARS).strip()
    _check_change(change, resident_id, proposed)
    return RosterData(household_id, resident_id, change, proposed, note)


def _check_change(change: RosterChangeKind, resident_id: int | None, proposed: dict[str, Any]) -> None:
    """What each kind of change needs, and what it must not carry."""
    if change is RosterChangeKind.NEW_RESIDENT:
        if resident_id is not None:
            raise Rejected(INVALID_FIELD, RESIDENT_FOR_NEW_RESIDENT, "resident_id")
        # One line per field, so that tests/test_form_rules.py can read each field's refusal.
        if "name" not in proposed:
            raise Rejected(MISSING_FIELD, NEW_RESIDENT_MISSING["fields.name"], "fields.name")
        if "gender" not in proposed:
            raise Rejected(MISSING_FIELD, NEW_RESIDENT_MISSING["fields.gender"], "fields.gender")
        if "birth_year" not in proposed:
            raise Rejected(MISSING_FIELD, NEW_RESIDENT_MISSING["fields.birth_year"], "fields.birth_year")
        return
    if resident_id is None:
        raise Rejected(MISSING_FIELD, RESIDENT_MISSING, "resident_id")
    if change is RosterChangeKind.UPDATE and not proposed:
        raise Rejected(MISSING_FIELD, FIELDS_MISSING, "fields")
    if change in (RosterChangeKind.MOVED, RosterChangeKind.DECEASED) and proposed:
        # Refused rather than dropped: the leader must not believe the office got those values.
        raise Rejected(INVALID_FIELD, FIELDS_UNWANTED, "fields")


def parse_fields(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("fields", "应为一个对象。")
    refuse_unknown_keys(value, FIELD_KEYS, prefix="fields.")
    proposed: dict[str, Any] = {}
    for key in FIELD_KEYS:
        if value.get(key) is not None:  # null proposes nothing
            proposed[key] = FIELD_CHECKS[key](value[key])
    return proposed


# --- the rules for a resident's details ---------------------------------------------------------


def resident_name(value: Any) -> str:
    name = storable_text("fields.name", value).strip()
    if not name or len(name) > MAX_NAME_CHARS or "\n" in name:
        raise Rejected(INVALID_FIELD, NAME_BAD, "fields.name")
    return name


def resident_gender(value: Any) -> str:
    if value not in GENDERS:
        raise Rejected(INVALID_FIELD, GENDER_BAD, "fields.gender")
    return value


def resident_birth_year(value: Any) -> int:
    """Four digits from 1900; "not after this year" is check_born_by (it needs today's date)."""
    if type(value) is not int or not MIN_BIRTH_YEAR <= value <= MAX_BIRTH_YEAR:
        raise Rejected(INVALID_FIELD, BIRTH_YEAR_BAD, "fields.birth_year")
    return value


def check_born_by(year: int, this_year: int) -> None:
    """Nobody is born next year (this year as the committee's calendar says)."""
    if year > this_year:
        raise Rejected(INVALID_FIELD, BIRTH_YEAR_FUTURE, "fields.birth_year")


def resident_phone(value: Any) -> str:
    phone = storable_text("fields.phone", value).strip()
    if not PHONE.match(phone):
        raise Rejected(INVALID_FIELD, PHONE_BAD, "fields.phone")
    return phone


def resident_care_flags(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise invalid("fields.care_flags", "应为关注情况的列表。")
    return sorted({choice("fields.care_flags", CareFlag, flag).value for flag in value})


FIELD_CHECKS = {
    "name": resident_name, "gender": resident_gender, "birth_year": resident_birth_year, "phone": resident_phone,
    "care_flags": resident_care_flags,
}


def check_birth_year(proposed: dict[str, Any], now: datetime, zone: tzinfo) -> None:
    """The one check of a proposal that needs today's date."""
    year = proposed.get("birth_year")
    if year is not None:
        check_born_by(year, now.astimezone(zone).year)


async def create_roster_change(record: Record, result_id: str, push: PushContext) -> RecordResult:
    data: RosterData = record.data
    household = await household_in_scope(push, data.household_id, OUT_OF_SCOPE_MESSAGE)
    check_birth_year(data.fields, push.now, push.zone)
    if data.resident_id is not None:
        rows = await push.store.residents(household.community_id, [household.id], [data.resident_id])
        here = rows.get(household.id, {})
        if here.get(data.resident_id) != ResidentStatus.ACTIVE:
            raise Rejected(INVALID_RESIDENT, NOT_A_RESIDENT_MESSAGE, "resident_id")
    await push.store.insert_roster_change(record, household, push)
    return RecordResult(result_id, APPLIED, 1)
