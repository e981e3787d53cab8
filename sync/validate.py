"""Checks one pushed record against protocol 1 and turns it into a normalised, hashed VisitRecord.

Pure: no database, no clock of its own. Every refusal raises `Rejected` with a stable code, a
message in Chinese for the leader, and the protocol's name of the field at fault.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from server.models import VisitKind, VisitStatus
from sync.records import (
    CREATE, INVALID_FIELD, INVALID_ID, INVALID_OP, MAX_NOTES_CHARS, MISSING_FIELD, NOTES_TOO_LONG,
    OCCURRED_IN_FUTURE, OCCURRED_TOO_OLD, UNKNOWN_FIELD, UNKNOWN_TYPE, UPDATE, VISIT, Rejected,
)

# Phones' clocks are wrong, but not by more than this; beyond it the entry is surely mistyped.
FUTURE_TOLERANCE = timedelta(days=1)
MAX_AGE = timedelta(days=365)
# Database integer columns are 32-bit: a larger number must be refused here, not crash the insert.
MAX_INT = 2**31 - 1

RECORD_KEYS = ("id", "type", "op", "base_version", "client_time", "data")
REQUIRED_DATA = ("household_id", "kind", "occurred_at", "status")
OPTIONAL_DATA = ("resident_ids", "notes", "follow_up_needed", "follow_up_due", "withdrawn")

# How each field is named to the leader.
LABELS = {
    "id": "记录编号", "type": "记录类型", "op": "操作", "base_version": "基础版本",
    "client_time": "保存时间", "data": "记录内容", "household_id": "住户", "resident_ids": "见到的居民",
    "kind": "走访类型", "occurred_at": "走访时间", "status": "情况", "notes": "备注",
    "follow_up_needed": "是否需要跟进", "follow_up_due": "跟进日期", "withdrawn": "撤回",
}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ECHO_LIMIT = 64  # an invalid id or unknown key is echoed back, but never a huge one


@dataclass(frozen=True)
class VisitData:
    """A visit's content as the leader owns it, normalised so equal content hashes equal."""

    household_id: int
    resident_ids: tuple[int, ...]  # sorted, without repeats
    kind: VisitKind
    occurred_at: datetime  # aware, UTC
    status: VisitStatus
    notes: str  # line breaks as "\n"
    follow_up_needed: bool
    follow_up_due: date | None
    withdrawn: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "resident_ids": list(self.resident_ids),
            "kind": self.kind.value,
            "occurred_at": utc_iso(self.occurred_at),
            "status": self.status.value,
            "notes": self.notes,
            "follow_up_needed": self.follow_up_needed,
            "follow_up_due": self.follow_up_due.isoformat() if self.follow_up_due else None,
            "withdrawn": self.withdrawn,
        }

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VisitRecord:
    id: UUID
    op: str  # create / update
    base_version: int | None
    client_time: datetime | None  # aware, UTC
    data: VisitData
    content_hash: str


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def echo(value: Any) -> str:
    """A client's string, safe to put back into a JSON answer (short, valid UTF-8)."""
    if not isinstance(value, str):
        return ""
    return value[:_ECHO_LIMIT].encode("utf-8", "replace").decode("utf-8")


def _label(field: str) -> str:
    return LABELS.get(field, field)


def _missing(field: str) -> Rejected:
    return Rejected(MISSING_FIELD, f"缺少“{_label(field)}”。", field)


def _invalid(field: str, why: str) -> Rejected:
    return Rejected(INVALID_FIELD, f"“{_label(field)}”{why}", field)


def parse_record(raw: dict[str, Any]) -> VisitRecord:
    """The whole record, checked in the order a person would read it; the first fault wins."""
    record_id = _record_id(raw)
    if "type" not in raw:
        raise _missing("type")
    if raw["type"] != VISIT:
        raise Rejected(UNKNOWN_TYPE, "这个版本的服务器只认识走访记录（visit），请更新应用后再同步。", "type")
    op = raw.get("op")
    if op not in (CREATE, UPDATE):
        raise Rejected(INVALID_OP, "操作只能是新建（create）或修改（update）。", "op")
    for key in raw:
        if key not in RECORD_KEYS:
            raise Rejected(UNKNOWN_FIELD, f"记录里有服务器不认识的内容“{echo(key)}”。", echo(key))
    base_version = _base_version(op, raw.get("base_version"))
    client_time = None if raw.get("client_time") is None else _aware_datetime("client_time", raw["client_time"])
    if "data" not in raw:
        raise _missing("data")
    if not isinstance(raw["data"], dict):
        raise _invalid("data", "应为一个对象。")
    data = parse_visit_data(raw["data"], creating=op == CREATE)
    return VisitRecord(record_id, op, base_version, client_time, data, data.content_hash())


def _record_id(raw: dict[str, Any]) -> UUID:
    value = raw.get("id")
    if value is None:
        raise Rejected(INVALID_ID, "记录缺少编号（id）。", "id")
    if not isinstance(value, str) or not _UUID.match(value):
        raise Rejected(INVALID_ID, "记录编号（id）应为手机保存时生成的 UUID。", "id")
    return UUID(value)


def _base_version(op: str, value: Any) -> int | None:
    if op == CREATE:
        if value is not None:
            raise _invalid("base_version", "在新建记录时应为空（null）。")
        return None
    if value is None:
        raise Rejected(MISSING_FIELD, "修改记录时需要注明它是从哪个版本改的（base_version）。", "base_version")
    return _positive_int("base_version", value)


def _positive_int(field: str, value: Any) -> int:
    # bool is an int in Python, and 1.0 is not an id: both are refused.
    if type(value) is not int or not 1 <= value <= MAX_INT:
        raise _invalid(field, "应为一个正整数。")
    return value


def _aware_datetime(field: str, value: Any) -> datetime:
    example = "例如 2026-11-26T09:25:00+08:00"
    if not isinstance(value, str):
        raise _invalid(field, f"应为带时区的 ISO-8601 时间，{example}。")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(field, f"不是有效的时间，应为带时区的 ISO-8601 时间，{example}。") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A time without offset could be Beijing time or UTC: eight hours apart, so refuse it.
        raise _invalid(field, f"缺少时区，{example}。")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 with a positive offset, and the like
        raise _invalid(field, "超出了可以接受的时间范围。") from None


def parse_visit_data(data: dict[str, Any], *, creating: bool) -> VisitData:
    for key in data:
        if key not in REQUIRED_DATA and key not in OPTIONAL_DATA:
            # Refused rather than dropped: the phone must not believe something was stored.
            raise Rejected(UNKNOWN_FIELD, f"记录内容里有服务器不认识的一项“{echo(key)}”。", echo(key))
    for key in REQUIRED_DATA:
        if key not in data:
            raise _missing(key)
    household_id = _positive_int("household_id", data["household_id"])
    resident_ids = _resident_ids(data.get("resident_ids", []))
    kind = _enum("kind", VisitKind, data["kind"])
    occurred_at = _aware_datetime("occurred_at", data["occurred_at"])
    status = _enum("status", VisitStatus, data["status"])
    notes = _notes(data.get("notes", ""))
    follow_up_needed = _bool("follow_up_needed", data.get("follow_up_needed", False))
    follow_up_due = _follow_up_due(follow_up_needed, data.get("follow_up_due"))
    withdrawn = _bool("withdrawn", data.get("withdrawn", False))
    if creating and withdrawn:
        raise _invalid("withdrawn", "只能在修改时使用：新记录不能一开始就是撤回的。")
    return VisitData(
        household_id, resident_ids, kind, occurred_at, status, notes, follow_up_needed, follow_up_due, withdrawn
    )


def _resident_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise _invalid("resident_ids", "应为居民编号的列表。")
    return tuple(sorted({_positive_int("resident_ids", item) for item in value}))


def _enum(field: str, enum: type[VisitKind] | type[VisitStatus], value: Any):
    allowed = [member.value for member in enum]
    if not isinstance(value, str) or value not in allowed:
        raise _invalid(field, f"应为以下之一：{', '.join(allowed)}。")
    return enum(value)


def _bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _invalid(field, "应为 true 或 false。")
    return value


def _notes(value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid("notes", "应为文字。")
    # An HTML form sends line breaks as "\r\n", the phone's JavaScript as "\n": the same note
    # must count and hash the same whichever way it came.
    notes = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in notes:  # PostgreSQL cannot store it
        raise _invalid("notes", "含有无法保存的控制字符。")
    try:
        notes.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        raise _invalid("notes", "含有无法保存的字符。") from None
    if len(notes) > MAX_NOTES_CHARS:
        raise Rejected(
            NOTES_TOO_LONG, f"备注最多 {MAX_NOTES_CHARS} 个字，现在有 {len(notes)} 个字，请删减后再保存。", "notes"
        )
    return notes


def _follow_up_due(needed: bool, value: Any) -> date | None:
    if value is None:
        if needed:
            raise Rejected(MISSING_FIELD, "需要跟进时，请填写跟进日期。", "follow_up_due")
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise _invalid("follow_up_due", "应为日期，格式如 2026-12-01。")
    try:
        due = date.fromisoformat(value)
    except ValueError:
        raise _invalid("follow_up_due", "不是有效的日期。") from None
    if not needed:
        raise _invalid("follow_up_due", "只在需要跟进时填写；不需要跟进时请清空跟进日期。")
    return due


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    """The visit time comes from the phone's clock: refuse what no real visit could have."""
    if occurred_at > now + FUTURE_TOLERANCE:
        raise Rejected(
            OCCURRED_IN_FUTURE,
            "走访时间比现在晚了一天以上，请检查手机的日期和时间设置，或改正走访时间。",
            "occurred_at",
        )
    if occurred_at < now - MAX_AGE:
        raise Rejected(
            OCCURRED_TOO_OLD,
            "走访时间在一年以前，不能再补录。请检查手机的日期和时间，或改正走访时间。",
            "occurred_at",
        )
