"""The visit form on a household page: what the leader typed becomes a `visit` record.

The form is read by the outbox forms' contract (server/leader/form_contract.py), which only
converts text into the protocol's types and catches what would otherwise be lost silently;
everything else is judged by `server.ingest.apply_records`, the one write path shared with the
phone's outbox.
"""

from __future__ import annotations

from datetime import datetime, timezone

from server.core.clock import local_zone
from server.core.forms import (
    BOOL,
    DATE,
    LIST_INT,
    LOCAL_DATETIME,
    TEXT,
    TEXT_OR_EMPTY,
    TypedForm,
)
from server.core.words import MISSING_OCCURRED_AT
from server.leader.form_contract import OutboxForm
from sync.records import MAX_NOTES_CHARS, VISIT
from sync.vocabulary import N_

NOTES_MAX_CHARS = MAX_NOTES_CHARS  # the protocol's limit; the textarea shows it as maxlength
VISIT_SPEC = {
    "kind": TEXT,
    "resident_ids": LIST_INT,
    "status": TEXT,
    "notes": TEXT_OR_EMPTY,
    "follow_up_needed": BOOL,
    "follow_up_due": DATE,
    "occurred_at": LOCAL_DATETIME,
}

MISSING_STATUS = N_("请选择情况：一切安好、需要关注或紧急")
BAD_OCCURRED_AT = N_("走访时间的格式不对，请重新选择日期和时间")
BAD_FOLLOW_UP_DUE = N_("跟进期限的日期格式不对，请重新选择日期")
BAD_RESIDENTS = N_("请从列表中勾选这户的居民")
NOT_SAVED = N_("没有保存，请看下面标出的地方")

APPLY_MESSAGES = {
    ("notes_too_long", "notes"): N_("情况说明最多 2000 个字，请删减后再保存"),
    ("missing_field", "follow_up_due"): N_("需要跟进时，请填写跟进期限"),
    ("invalid_field", "follow_up_due"): N_("不需要跟进时请清空跟进期限；需要跟进时请勾选“需要居委会跟进”"),
    ("occurred_in_future", "occurred_at"): N_("走访时间比现在晚了一天以上，请改正走访时间"),
    ("occurred_too_old", "occurred_at"): N_("走访时间在一年以前，不能再补录"),
    ("too_many_residents", "resident_ids"): N_("一次走访最多勾选 100 位居民"),
    ("date_out_of_range", "follow_up_due"): N_("跟进期限应在走访当天到两年以内，请检查年份"),
    ("invalid_resident", "resident_ids"): N_("选中的居民中有人不是这一户的在册居民，请刷新后重新选择"),
    ("out_of_scope", "household_id"): N_("这户不在您负责的楼组里，不能为它记录走访"),
}
FIELD_MESSAGES = {
    "kind": N_("请选择走访类型"),
    "status": MISSING_STATUS,
    "notes": N_("情况说明里有无法保存的字符，请改一改"),
    "resident_ids": BAD_RESIDENTS,
    "follow_up_due": BAD_FOLLOW_UP_DUE,
    "occurred_at": BAD_OCCURRED_AT,
}

VISIT_FORM = OutboxForm(
    VISIT, VISIT_SPEC, tuple(VISIT_SPEC), APPLY_MESSAGES, FIELD_MESSAGES,
    unreadable_messages={
        "resident_ids": BAD_RESIDENTS, "follow_up_due": BAD_FOLLOW_UP_DUE, "occurred_at": BAD_OCCURRED_AT,
    },
    required_messages={"status": MISSING_STATUS, "occurred_at": MISSING_OCCURRED_AT},
)


def local_input_value(moment: datetime) -> str:
    """A time as a datetime-local control shows it, in the committee's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def new_visit_values(someone_due: bool, now: datetime, seen: tuple[int, ...] = ()) -> TypedForm:
    """A new visit: an elderly check only where someone's check is due or overdue (elsewhere
    the leader would have to change the type every time), with `seen` already ticked (the
    resident of the due card the leader came from)."""
    kind = "elderly_check" if someone_due or seen else "routine"
    typed = {"kind": kind, "resident_ids": [str(i) for i in seen], "occurred_at": local_input_value(now)}
    return TypedForm({}, typed)
