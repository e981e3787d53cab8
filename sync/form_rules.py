"""Every rule a leader's form can break, in one table the server and the phone both read.

The validators (sync/validate.py, sync/answer.py, sync/roster.py) refuse with the limits and the
Chinese messages defined here; the leader's pages carry the same table as JSON in each outbox
form's `data-rules` (server/leader/page_rules.py), and web/static/js/checks.js checks the form
against it before the entry goes into the outbox. So the two cannot drift, and the server stays
the authority: the phone only refuses earlier what the server would refuse later.

A rule names the protocol field it is about (also the `name` of its form control), the stable
error code and the message the server answers with, and one check that checks.js knows:
- required: the control has a value (a choice made, text not blank); with `controls`: any of them
- empty: the control (or any of `controls`) has no value
- choice: every value is one of `values`; one must be chosen unless `optional`
- max_chars: at most `max` characters (the message may say {max} and {count})
- int_range: a whole number from `min` to `max` (`max` "this_year": the year now in Shanghai)
- pattern: the trimmed text matches `pattern` (written to mean the same in Python and JavaScript)
- not_after_days / not_before_days: a Shanghai wall-clock time at most `days` ahead / ago
- max_count: at most `max` values (ticked boxes)
- days_after: a date from `min` to `max` days after the day of the control `of` (a Shanghai
  wall-clock time; today when that control is empty, though such a form is refused for it anyway)
`when` limits a rule to forms where the control `field` has a value `in` the list, or has
(`filled`: true) or has not (false) any value. A control's values are those the outbox forms'
typing contract sends (server/core/forms.py): checked boxes, non-blank text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sync.vocabulary import CareFlag, RosterChangeKind, VisitKind, VisitStatus
from sync.fields import choice_message, too_long_message
from sync.records import (
    ANSWER, DATE_OUT_OF_RANGE, INVALID_FIELD, MAX_NOTES_CHARS, MAX_RESIDENTS_SEEN, MAX_TEXT_CHARS, MISSING_FIELD,
    NOTES_TOO_LONG, OCCURRED_IN_FUTURE, OCCURRED_TOO_OLD, ROSTER_CHANGE, TEXT_TOO_LONG, TOO_MANY_RESIDENTS, VISIT,
)

# --- limits ----------------------------------------------------------------------------------

# Phones' clocks are wrong, but not by more than this; beyond it the entry is surely mistyped.
FUTURE_TOLERANCE = timedelta(days=1)
MAX_AGE = timedelta(days=365)
# A follow-up is due from the visit's day to two years after it: year 1 or 9999 is a slip of
# the keyboard (and year 1 would top the office's overdue list for ever).
FOLLOW_UP_MAX_DAYS = 730

GENDERS = ("M", "F")
MAX_NAME_CHARS = 50  # Resident.name
MAX_PHONE_CHARS = 30  # Resident.phone
MIN_BIRTH_YEAR = 1900
MAX_BIRTH_YEAR = 9999  # four digits; "not after this year" is its own rule (needs today's date)
PHONE_PATTERN = r"^[0-9+\-() ]{3,30}$"
PHONE = re.compile(PHONE_PATTERN)

# --- the messages the server refuses with ------------------------------------------------------

# visit
NOTES_TOO_LONG_MESSAGE = "备注最多 {max} 个字，现在有 {count} 个字，请删减后再保存。"
FOLLOW_UP_DUE_NEEDED = "需要跟进时，请填写跟进日期。"
FOLLOW_UP_DUE_UNWANTED = "“跟进日期”只在需要跟进时填写；不需要跟进时请清空跟进日期。"
OCCURRED_IN_FUTURE_MESSAGE = "走访时间比现在晚了一天以上，请检查手机的日期和时间设置，或改正走访时间。"
OCCURRED_TOO_OLD_MESSAGE = "走访时间在一年以前，不能再补录。请检查手机的日期和时间，或改正走访时间。"
TOO_MANY_RESIDENTS_MESSAGE = f"一次走访最多勾选 {MAX_RESIDENTS_SEEN} 位见到的居民。"
FOLLOW_UP_DUE_BEFORE_VISIT = "“跟进日期”不能早于走访的日期。"
FOLLOW_UP_DUE_TOO_LATE = "“跟进日期”应在走访后两年以内，请检查年份。"
# answer
ANSWER_EMPTY = "回答是空的，请写下要告诉居委会的情况。"
# roster_change
CHANGE_MISSING = "请选择是哪种变化：新来了居民、搬走、去世，或信息有变化。"
RESIDENT_MISSING = "请选择是哪位居民。"
RESIDENT_FOR_NEW_RESIDENT = "新来的居民还没有编号，请选“新居民（不在名单上）”，不要选择已有的居民。"
NEW_RESIDENT_MISSING = {
    "fields.name": "新来的居民，请填写姓名。",
    "fields.gender": "新来的居民，请选择性别。",
    "fields.birth_year": "新来的居民，请填写出生年份。",
}
FIELDS_MISSING = "请填写要修改的信息（姓名、性别、出生年份、电话或关注情况）。"
FIELDS_UNWANTED = "“居民信息”在报告搬走或去世时不用填写；要说明的情况请写在“说明”里。"
NAME_BAD = f"“姓名”应为 1 到 {MAX_NAME_CHARS} 个字的一行文字。"
GENDER_BAD = "“性别”请选男或女。"
BIRTH_YEAR_BAD = f"“出生年份”应为四位数的年份，不早于 {MIN_BIRTH_YEAR} 年。"
BIRTH_YEAR_FUTURE = "“出生年份”不能晚于今年。"
PHONE_BAD = f"“电话”只能有数字、空格和 + - ( )，3 到 {MAX_PHONE_CHARS} 个字符。"

# --- the rules -------------------------------------------------------------------------------

NEW_RESIDENT = RosterChangeKind.NEW_RESIDENT.value
PERSON_FIELDS = ("fields.name", "fields.gender", "fields.birth_year", "fields.phone", "fields.care_flags")


@dataclass(frozen=True)
class Rule:
    field: str  # the protocol's field name, also the form control's name
    check: str  # one of the checks above (what checks.js knows)
    code: str  # the error code the server refuses with
    message: str  # the server's Chinese message ({max}, {count} filled in where said)
    when: dict[str, Any] | None = None
    controls: tuple[str, ...] | None = None  # several controls stand for the field (`fields`)
    values: tuple[str, ...] | None = None
    optional: bool = False
    max: int | str | None = None
    min: int | None = None
    pattern: str | None = None
    days: int | None = None
    of: str | None = None  # days_after: the control whose day it counts from

    def to_json(self) -> dict[str, Any]:
        """What the page carries: only the keys this rule uses."""
        body = {key: value for key, value in asdict(self).items() if value is not None and value is not False}
        return {key: list(value) if isinstance(value, tuple) else value for key, value in body.items()}


def _choice(name: str, enum: type, optional: bool = False, when: dict[str, Any] | None = None) -> Rule:
    values = tuple(member.value for member in enum)
    return Rule(name, "choice", INVALID_FIELD, choice_message(name, enum), when, values=values, optional=optional)


def _max_chars(name: str, limit: int, code: str = TEXT_TOO_LONG, message: str | None = None) -> Rule:
    return Rule(name, "max_chars", code, message or too_long_message(name), max=limit)


def _change_in(*kinds: RosterChangeKind) -> dict[str, Any]:
    return {"field": "change", "in": [kind.value for kind in kinds]}


# Per record type, in the order the server checks (its first refusal is the form's first error).
RULES: dict[str, tuple[Rule, ...]] = {
    VISIT: (
        Rule("resident_ids", "max_count", TOO_MANY_RESIDENTS, TOO_MANY_RESIDENTS_MESSAGE, max=MAX_RESIDENTS_SEEN),
        _choice("kind", VisitKind),
        _choice("status", VisitStatus),
        _max_chars("notes", MAX_NOTES_CHARS, NOTES_TOO_LONG, NOTES_TOO_LONG_MESSAGE),
        Rule("follow_up_due", "required", MISSING_FIELD, FOLLOW_UP_DUE_NEEDED,
             {"field": "follow_up_needed", "filled": True}),
        Rule("follow_up_due", "empty", INVALID_FIELD, FOLLOW_UP_DUE_UNWANTED,
             {"field": "follow_up_needed", "filled": False}),
        Rule("follow_up_due", "days_after", DATE_OUT_OF_RANGE, FOLLOW_UP_DUE_BEFORE_VISIT, min=0, of="occurred_at"),
        Rule("follow_up_due", "days_after", DATE_OUT_OF_RANGE, FOLLOW_UP_DUE_TOO_LATE, max=FOLLOW_UP_MAX_DAYS,
             of="occurred_at"),
        Rule("occurred_at", "not_after_days", OCCURRED_IN_FUTURE, OCCURRED_IN_FUTURE_MESSAGE,
             days=FUTURE_TOLERANCE.days),
        Rule("occurred_at", "not_before_days", OCCURRED_TOO_OLD, OCCURRED_TOO_OLD_MESSAGE, days=MAX_AGE.days),
    ),
    ANSWER: (
        _max_chars("text", MAX_TEXT_CHARS),
        Rule("text", "required", MISSING_FIELD, ANSWER_EMPTY),
    ),
    ROSTER_CHANGE: (
        Rule("change", "required", MISSING_FIELD, CHANGE_MISSING),
        _choice("change", RosterChangeKind),
        Rule("fields.name", "max_chars", INVALID_FIELD, NAME_BAD, max=MAX_NAME_CHARS),
        Rule("fields.gender", "choice", INVALID_FIELD, GENDER_BAD, values=GENDERS, optional=True),
        Rule("fields.birth_year", "int_range", INVALID_FIELD, BIRTH_YEAR_BAD, min=MIN_BIRTH_YEAR,
             max=MAX_BIRTH_YEAR),
        Rule("fields.birth_year", "int_range", INVALID_FIELD, BIRTH_YEAR_FUTURE, max="this_year"),
        Rule("fields.phone", "pattern", INVALID_FIELD, PHONE_BAD, pattern=PHONE_PATTERN),
        _choice("fields.care_flags", CareFlag, optional=True),
        _max_chars("note", MAX_TEXT_CHARS),
        Rule("resident_id", "empty", INVALID_FIELD, RESIDENT_FOR_NEW_RESIDENT,
             _change_in(RosterChangeKind.NEW_RESIDENT)),
        *(Rule(name, "required", MISSING_FIELD, message, _change_in(RosterChangeKind.NEW_RESIDENT))
          for name, message in NEW_RESIDENT_MISSING.items()),
        Rule("resident_id", "required", MISSING_FIELD, RESIDENT_MISSING,
             _change_in(RosterChangeKind.MOVED, RosterChangeKind.DECEASED, RosterChangeKind.UPDATE)),
        Rule("fields", "required", MISSING_FIELD, FIELDS_MISSING, _change_in(RosterChangeKind.UPDATE),
             controls=PERSON_FIELDS),
        Rule("fields", "empty", INVALID_FIELD, FIELDS_UNWANTED,
             _change_in(RosterChangeKind.MOVED, RosterChangeKind.DECEASED), controls=PERSON_FIELDS),
    ),
}


def rules_json(record_type: str) -> list[dict[str, Any]]:
    return [rule.to_json() for rule in RULES[record_type]]

