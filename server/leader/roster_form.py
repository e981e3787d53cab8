"""The "report a change" form (报告住户变化): what the leader typed becomes a `roster_change` record.

The form's controls are named as the record's data (`change`, `resident_id`, `fields.name`, ...)
and typed by the outbox forms' contract (server/leader/form_contract.py); sync.apply judges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.core.forms import INT, LIST_STR_OR_NULL, TEXT
from server.leader.form_contract import OutboxForm
from server.models import Household, RosterChange, RosterChangeState
from sync.records import ROSTER_CHANGE
from sync.vocabulary import N_

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
BAD_BIRTH_YEAR = N_("出生年份请填四位数字，例如 1948")
BAD_RESIDENT = N_("请从名单中选择居民")
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
ROSTER_FORM = OutboxForm(
    # Errors show at each control's own place, and "fields" above the person's details.
    ROSTER_CHANGE, ROSTER_SPEC, tuple(name for name in ROSTER_SPEC if name != "household_id") + ("fields",),
    ROSTER_MESSAGES, ROSTER_FIELD_MESSAGES,
    unreadable_messages={"resident_id": BAD_RESIDENT, "fields.birth_year": BAD_BIRTH_YEAR},
)


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
