"""The "report a change" form (报告住户变化): what the leader typed becomes a `roster_change` record.

The form's controls are named as the record's data (`change`, `resident_id`, `fields.name`, ...)
and typed by the outbox forms' contract (server/leader/form_contract.py); sync.apply judges it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.clock import local_zone
from server.leader.form_contract import INT, LIST_STR_OR_NULL, TEXT, read_typed
from server.leader.visit_form import BAD_ID, FieldError
from server.leader.words import N_
from server.models import Household, RosterChange, RosterChangeState

RECENT_DECISIONS = 5

ROSTER_SPEC = {
    "household_id": INT,
    "change": TEXT,
    "resident_id": INT,
    "fields.name": TEXT,
    "fields.gender": TEXT,
    "fields.birth_year": INT,
    "fields.phone": TEXT,
    "fields.care_flags": LIST_STR_OR_NULL,
    "note": TEXT,
}
# Where an error can be shown: each control's own place, and "fields" above the person's details.
ROSTER_FIELDS = tuple(name for name in ROSTER_SPEC if name != "household_id") + ("fields",)

BAD_BIRTH_YEAR = N_("出生年份请填四位数字，例如 1948")
BAD_RESIDENT = N_("请从名单中选择居民")
# sync.apply answers in Chinese; a leader who chose another language sees these instead.
ROSTER_MESSAGES = {
    ("missing_field", "change"): N_("请选择是哪种变化"),
    ("missing_field", "resident_id"): N_("请选择是哪位居民"),
    ("invalid_field", "resident_id"): N_("新来的居民请选“新居民（不在名单上）”"),
    ("invalid_resident", "resident_id"): N_("这位居民已不在这户的名单上，请刷新后重新选择"),
    ("missing_field", "fields"): N_("请填写要修改的信息"),
    ("invalid_field", "fields"): N_("报告搬走或去世时，不用填写居民信息；要说明的请写在说明里"),
    ("missing_field", "fields.name"): N_("新来的居民，请填写姓名"),
    ("missing_field", "fields.gender"): N_("新来的居民，请选择性别"),
    ("missing_field", "fields.birth_year"): N_("新来的居民，请填写出生年份"),
    ("text_too_long", "note"): N_("说明最多 2000 个字，请删减后再保存"),
    ("out_of_scope", "household_id"): N_("这户不在您负责的楼组里，不能为它报告住户变化"),
}
ROSTER_FIELD_MESSAGES = {
    "change": N_("请选择是哪种变化"),
    "resident_id": BAD_RESIDENT,
    "fields.name": N_("姓名请填写 1 到 50 个字"),
    "fields.gender": N_("请选择性别"),
    "fields.birth_year": N_("出生年份应为四位数，不早于 1900 年，也不晚于今年"),
    "fields.phone": N_("电话只能有数字、空格和 + - ( )，3 到 30 个字符"),
    "fields.care_flags": N_("请从列表中勾选关注情况"),
    "note": N_("说明里有无法保存的字符，请改一改"),
}


@dataclass
class RosterFormValues:
    """What the form shows: empty for a new report, or exactly what was typed."""

    typed: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return str(self.typed.get(name) or "")

    def has(self, name: str, value: Any) -> bool:
        chosen = self.typed.get(name)
        if isinstance(chosen, list):
            return str(value) in chosen
        return chosen is not None and str(chosen) == str(value)


def build_roster_change(
    household: Household, form: Any, now: datetime
) -> tuple[dict[str, Any] | None, RosterFormValues, list[FieldError]]:
    """The `roster_change` record for this form, what was typed, and the errors that stop it."""
    typed = read_typed(form, ROSTER_SPEC)
    values = RosterFormValues(typed.typed)
    errors: list[FieldError] = []
    record_id = str(form.get("id") or "").strip()
    if record_id:
        try:
            record_id = str(uuid.UUID(record_id))
        except ValueError:
            errors.append(FieldError(BAD_ID, None, unparseable=True))
    else:
        record_id = str(uuid.uuid4())
    for name in typed.unreadable:
        message = BAD_BIRTH_YEAR if name == "fields.birth_year" else BAD_RESIDENT
        errors.append(FieldError(message, name, unparseable=True))
    if errors:
        return None, values, errors
    data = typed.data
    data["household_id"] = household.id  # the household of the URL, whatever the form says
    record = {
        "id": record_id,
        "type": "roster_change",
        "op": "create",
        "base_version": None,
        "client_time": now.astimezone(local_zone()).isoformat(timespec="seconds"),
        "data": data,
    }
    return record, values, []


def roster_error(error: Any) -> FieldError:
    return FieldError.from_apply(error, ROSTER_MESSAGES, ROSTER_FIELD_MESSAGES)


@dataclass
class HouseholdProposals:
    pending: list[RosterChange]
    decided: list[RosterChange]  # the latest few, so the leader learns what became of them


async def household_proposals(household: Household) -> HouseholdProposals:
    query = RosterChange.filter(household_id=household.id, community_id=household.community_id)
    pending = await query.filter(state=RosterChangeState.PENDING).select_related("resident").order_by("-received_at")
    decided = (
        await query.exclude(state=RosterChangeState.PENDING)
        .select_related("resident")
        .order_by("-decided_at")
        .limit(RECENT_DECISIONS)
    )
    return HouseholdProposals(list(pending), list(decided))


async def saved_proposal(household: Household, change_id: str | None) -> RosterChange | None:
    """The proposal just sent (`?reported=`), only when it belongs to this household."""
    try:
        parsed = uuid.UUID(str(change_id))
    except (TypeError, ValueError):
        return None
    return await RosterChange.get_or_none(id=parsed, household_id=household.id, community_id=household.community_id)
