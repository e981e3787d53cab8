"""Field checks every record type shares: numbers, times, texts, choices, and how fields are named.

Pure: no database, no clock of its own. Every refusal raises `Rejected` with a stable code, a
message in Chinese for the leader, and the protocol's name of the field at fault (dotted for a
nested one, e.g. "fields.birth_year", which is also the name of its control in the HTML form).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sync.vocabulary import (
    CARE_FLAG_WORDS,
    ROSTER_CHANGE_WORDS,
    VISIT_KIND_WORDS,
    VISIT_STATUS_WORDS,
    CareFlag,
    RosterChangeKind,
    VisitKind,
    VisitStatus,
)
from sync.records import INVALID_FIELD, MISSING_FIELD, TEXT_TOO_LONG, UNKNOWN_FIELD, Rejected

# Database integer columns are 32-bit: a larger number must be refused here, not crash the insert.
MAX_INT = 2**31 - 1

# C0 controls other than tab and line breaks, DEL and C1: nobody types them (they come pasted
# or forged), a screen cannot show them, and PostgreSQL cannot store NUL at all. One rule for
# every text the app takes in: records here, forms and queries in server/input_guard.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# How each field is named to the leader (one table for every record type: no name clashes).
LABELS = {
    # the record
    "id": "记录编号", "type": "记录类型", "op": "操作", "base_version": "基础版本",
    "client_time": "保存时间", "data": "记录内容",
    # visit
    "household_id": "住户", "resident_ids": "见到的居民", "kind": "走访类型", "occurred_at": "走访时间",
    "status": "情况", "notes": "备注", "follow_up_needed": "是否需要跟进", "follow_up_due": "跟进日期",
    "withdrawn": "撤回",
    # answer
    "question_id": "办公室的问题", "text": "回答",
    # roster_change
    "resident_id": "居民", "change": "变化", "fields": "居民信息", "fields.name": "姓名",
    "fields.gender": "性别", "fields.birth_year": "出生年份", "fields.phone": "电话",
    "fields.care_flags": "关注情况", "note": "说明",
}

# A choice is named to the leader in the domain's words, never by its code (sync/vocabulary.py).
CHOICE_WORDS: dict[type[Enum], dict[str, str]] = {
    VisitKind: VISIT_KIND_WORDS,
    VisitStatus: VISIT_STATUS_WORDS,
    RosterChangeKind: ROSTER_CHANGE_WORDS,
    CareFlag: CARE_FLAG_WORDS,
}
MANY_CHOICES = ("fields.care_flags",)  # ticked boxes, not one choice

_ECHO_LIMIT = 64  # an invalid id or unknown key is echoed back, but never a huge one


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def echo(value: Any) -> str:
    """A client's string, safe to put back into a JSON answer (short, valid UTF-8)."""
    if not isinstance(value, str):
        return ""
    return value[:_ECHO_LIMIT].encode("utf-8", "replace").decode("utf-8")


def content_hash(canonical: dict[str, Any]) -> str:
    """Equal content, equal hash: keys sorted, no spaces, UTF-8."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def label(field: str) -> str:
    return LABELS.get(field, field)


def missing(field: str) -> Rejected:
    return Rejected(MISSING_FIELD, f"缺少“{label(field)}”。", field)


def invalid(field: str, why: str) -> Rejected:
    return Rejected(INVALID_FIELD, f"“{label(field)}”{why}", field)


def refuse_unknown_keys(data: dict[str, Any], known: tuple[str, ...], prefix: str = "") -> None:
    for key in data:
        if key not in known:
            # Refused rather than dropped: the phone must not believe something was stored.
            raise Rejected(UNKNOWN_FIELD, f"记录内容里有服务器不认识的一项“{echo(key)}”。", prefix + echo(key))


def positive_int(field: str, value: Any) -> int:
    # bool is an int in Python, and 1.0 is not an id: both are refused.
    if type(value) is not int or not 1 <= value <= MAX_INT:
        raise invalid(field, "应为一个正整数。")
    return value


def aware_datetime(field: str, value: Any) -> datetime:
    example = "例如 2026-11-26T09:25:00+08:00"
    if not isinstance(value, str):
        raise invalid(field, f"应为带时区的 ISO-8601 时间，{example}。")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"不是有效的时间，应为带时区的 ISO-8601 时间，{example}。") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A time without offset could be Beijing time or UTC: eight hours apart, so refuse it.
        raise invalid(field, f"缺少时区，{example}。")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 with a positive offset, and the like
        raise invalid(field, "超出了可以接受的时间范围。") from None


def choice_message(field: str, enum: type[Enum]) -> str:
    words = "、".join(CHOICE_WORDS[enum][member.value] for member in enum)
    how = "只能从这些里勾选" if field in MANY_CHOICES else "请选一项"
    return f"“{label(field)}”{how}：{words}。"


def choice(field: str, enum: type[Enum], value: Any) -> Any:
    if not isinstance(value, str) or value not in [member.value for member in enum]:
        raise Rejected(INVALID_FIELD, choice_message(field, enum), field)
    return enum(value)


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, "应为 true 或 false。")
    return value


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def storable(text: str) -> bool:
    """No control character, and valid UTF-8 (a JSON "\\ud800" escape is a lone surrogate)."""
    if has_control_characters(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text(field: str, value: Any) -> str:
    """Text as it will be stored: line breaks as "\\n", nothing PostgreSQL cannot keep."""
    if not isinstance(value, str):
        raise invalid(field, "应为文字。")
    # An HTML form sends line breaks as "\r\n", the phone's JavaScript as "\n": the same text
    # must count and hash the same whichever way it came.
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if has_control_characters(text):
        raise invalid(field, "含有无法保存的控制字符。")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        raise invalid(field, "含有无法保存的字符。") from None
    return text


def too_long_message(field: str) -> str:
    """With {max} and {count} still to fill (the phone fills them too: sync/form_rules.py)."""
    return f"{label(field)}最多 {{max}} 个字，现在有 {{count}} 个字，请删减后再保存。"


def long_text(field: str, value: Any, limit: int) -> str:
    """A free text of at most `limit` characters (characters, not bytes), kept as typed."""
    text = storable_text(field, value)
    if len(text) > limit:
        raise Rejected(TEXT_TOO_LONG, too_long_message(field).format(max=limit, count=len(text)), field)
    return text
