"""The visit form on a household page: read what the leader typed, turn it into a sync record.

The form only converts text into the protocol's types (dates, numbers) and catches what
would otherwise be lost silently; everything else is judged by `sync.apply.apply_records`,
the one write path shared with the phone's outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from server.clock import local_zone
from server.leader.words import N_
from sync.records import MAX_NOTES_CHARS

NOTES_MAX_CHARS = MAX_NOTES_CHARS  # the protocol's limit; the textarea shows it as maxlength
FIELDS = ("kind", "resident_ids", "status", "notes", "follow_up_needed", "follow_up_due", "occurred_at")

MISSING_STATUS = N_("请选择情况：一切安好、需要关注或紧急")
MISSING_OCCURRED_AT = N_("请填写走访的日期和时间")
BAD_OCCURRED_AT = N_("走访时间的格式不对，请重新选择日期和时间")
BAD_FOLLOW_UP_DUE = N_("跟进期限的日期格式不对，请重新选择日期")
BAD_RESIDENTS = N_("请从列表中勾选这户的居民")
BAD_ID = N_("记录编号无法识别，请刷新页面后再填写")
NOT_SAVED = N_("没有保存，请看下面标出的地方")

# sync.apply answers in Chinese (the protocol's language for the phone). A leader who chose
# another language sees these instead: less specific, but in their language.
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
OTHER_PROBLEM = N_("没有保存，请刷新页面后再试一次")


@dataclass
class FieldError:
    message: str  # a Chinese msgid (ours) or the Chinese message of sync.apply
    field: str | None = None  # a protocol field name, or None for the whole form
    unparseable: bool = False  # True: 400 (cannot be read); False: 422 (read, but not valid)
    translatable: str | None = None  # our msgid for the same problem, for other languages

    @classmethod
    def from_apply(
        cls, error: Any, messages: dict | None = None, field_messages: dict | None = None
    ) -> "FieldError":
        """A refusal of sync.apply; `messages` / `field_messages` are the form's own msgids
        (by (code, field), then by field), the visit form's unless given."""
        messages = APPLY_MESSAGES if messages is None else messages
        field_messages = FIELD_MESSAGES if field_messages is None else field_messages
        field = getattr(error, "field", None)
        translatable = messages.get((error.code, field)) or field_messages.get(field or "", OTHER_PROBLEM)
        return cls(error.message, field, translatable=translatable)

    def shown(self, locale: str) -> str:
        """The message to pass through `_()`: apply's own words in Chinese, ours otherwise."""
        if locale == "zh_Hans" or self.translatable is None:
            return self.message
        return self.translatable


@dataclass
class VisitFormValues:
    """What the form shows: defaults for a new visit, or exactly what was typed."""

    kind: str = ""
    resident_ids: list[str] = field(default_factory=list)
    status: str = ""
    notes: str = ""
    follow_up_needed: bool = False
    follow_up_due: str = ""
    occurred_at: str = ""

    def has_resident(self, resident_id: int) -> bool:
        return str(resident_id) in self.resident_ids


def local_input_value(moment: datetime) -> str:
    """A time as a datetime-local control shows it, in Shanghai time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def new_visit_values(someone_due: bool, now: datetime, seen: tuple[int, ...] = ()) -> VisitFormValues:
    """A new visit: an elderly check only where someone's check is due or overdue (elsewhere
    the leader would have to change the type every time), with `seen` already ticked (the
    resident of the due card the leader came from)."""
    return VisitFormValues(
        kind="elderly_check" if someone_due or seen else "routine",
        resident_ids=[str(i) for i in seen],
        occurred_at=local_input_value(now),
    )


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value)


def read_form(form: Any) -> tuple[VisitFormValues, str]:
    """The typed values (for re-display) and the record id the phone may have set."""
    follow_up_due = _text(form, "follow_up_due").strip()
    values = VisitFormValues(
        kind=_text(form, "kind").strip(),
        resident_ids=[str(v).strip() for v in form.getall("resident_ids", []) if str(v).strip()],
        status=_text(form, "status").strip(),
        notes=_text(form, "notes").replace("\r\n", "\n"),
        follow_up_needed=_text(form, "follow_up_needed") in ("1", "on", "true", "yes"),
        follow_up_due=follow_up_due,
        occurred_at=_text(form, "occurred_at").strip(),
    )
    return values, _text(form, "id").strip()


def parse_occurred_at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    # A datetime-local value has no zone: it is the leader's wall clock, in Shanghai.
    return moment.replace(tzinfo=local_zone()) if moment.tzinfo is None else moment.astimezone(local_zone())


def build_record(
    household_id: int, values: VisitFormValues, record_id: str, now: datetime
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """The sync record for this form, or the form-level errors that stop it being sent."""
    errors: list[FieldError] = []

    if record_id:
        try:
            record_id = str(uuid.UUID(record_id))
        except ValueError:
            errors.append(FieldError(BAD_ID, None, unparseable=True))
    else:
        record_id = str(uuid.uuid4())

    resident_ids: list[int] = []
    try:
        resident_ids = [int(v) for v in values.resident_ids]
    except ValueError:
        errors.append(FieldError(BAD_RESIDENTS, "resident_ids", unparseable=True))

    if not values.status:
        errors.append(FieldError(MISSING_STATUS, "status"))

    occurred_at = None
    if not values.occurred_at:
        errors.append(FieldError(MISSING_OCCURRED_AT, "occurred_at"))
    else:
        try:
            occurred_at = parse_occurred_at(values.occurred_at)
        except ValueError:
            errors.append(FieldError(BAD_OCCURRED_AT, "occurred_at", unparseable=True))

    follow_up_due = None
    if values.follow_up_due:
        try:
            follow_up_due = date.fromisoformat(values.follow_up_due)
        except ValueError:
            errors.append(FieldError(BAD_FOLLOW_UP_DUE, "follow_up_due", unparseable=True))

    if errors:
        return None, errors
    record = {
        "id": record_id,
        "type": "visit",
        "op": "create",
        "base_version": None,
        "client_time": now.astimezone(local_zone()).isoformat(timespec="seconds"),
        "data": {
            "household_id": household_id,
            "resident_ids": resident_ids,
            "kind": values.kind,
            "occurred_at": occurred_at.isoformat(timespec="seconds"),
            "status": values.status,
            "notes": values.notes,
            "follow_up_needed": values.follow_up_needed,
            "follow_up_due": follow_up_due.isoformat() if follow_up_due else None,
        },
    }
    return record, []


def errors_by_field(errors: list[FieldError], locale: str, fields: tuple[str, ...] = FIELDS) -> dict[str, str]:
    """One message per form field (the first); errors of no known field go under ''."""
    found: dict[str, str] = {}
    for error in errors:
        key = error.field if error.field in fields else ""
        found.setdefault(key, error.shown(locale))
    return found
