"""Checks one pushed record against protocol 1: the record's own keys here, its `data` by type.

`visit` data is checked here; `answer` and `roster_change` data in sync/answer.py and
sync/roster.py. Pure: no database, no clock of its own; the time zone (a visit's calendar day)
comes from the caller. Every refusal raises `Rejected` with a
stable code, a message in Chinese for the leader, and the protocol's name of the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from uuid import UUID

from sync.vocabulary import VisitKind, VisitStatus
from sync import answer, roster
from sync.form_rules import (
    FOLLOW_UP_DUE_BEFORE_VISIT, FOLLOW_UP_DUE_NEEDED, FOLLOW_UP_DUE_TOO_LATE, FOLLOW_UP_DUE_UNWANTED,
    FOLLOW_UP_MAX_DAYS, FUTURE_TOLERANCE, MAX_AGE, NOTES_TOO_LONG_MESSAGE, OCCURRED_IN_FUTURE_MESSAGE,
    OCCURRED_TOO_OLD_MESSAGE, TOO_MANY_RESIDENTS_MESSAGE,
)
from sync.fields import (
    LABELS, MAX_INT, aware_datetime, boolean, choice, content_hash, echo, invalid, missing, positive_int,
    refuse_unknown_keys, storable_text, utc_iso,
)
from sync.records import (
    ANSWER, CREATE, DATE_OUT_OF_RANGE, INVALID_FIELD, INVALID_ID, INVALID_OP, MAX_NOTES_CHARS, MAX_RESIDENTS_SEEN,
    MISSING_FIELD, NOTES_TOO_LONG, OCCURRED_IN_FUTURE, OCCURRED_TOO_OLD, ROSTER_CHANGE, TOO_MANY_RESIDENTS,
    UNKNOWN_FIELD, UNKNOWN_TYPE, UPDATE, VISIT, Rejected,
)

RECORD_KEYS = ("id", "type", "op", "base_version", "client_time", "data")
REQUIRED_DATA = ("household_id", "kind", "occurred_at", "status")
OPTIONAL_DATA = ("resident_ids", "notes", "follow_up_needed", "follow_up_due", "withdrawn")

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# Kept importable under their old names (server/demo/, tests).
__all__ = [
    "LABELS", "MAX_INT", "FUTURE_TOLERANCE", "MAX_AGE", "echo", "utc_iso", "parse_record", "parse_visit_data",
    "check_occurred_at",
]


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
        return content_hash(self.to_json())


@dataclass(frozen=True)
class Record:
    """A checked record of any type; `data` is that type's normalised content."""

    id: UUID
    type: str  # visit / answer / roster_change
    op: str  # create / update
    base_version: int | None
    client_time: datetime | None  # aware, UTC
    data: Any  # VisitData, answer.AnswerData or roster.RosterData
    content_hash: str


VisitRecord = Record  # a Record whose type is "visit"


@dataclass(frozen=True)
class _Type:
    ops: tuple[str, ...]
    op_message: str
    parse_data: Callable[[dict[str, Any], bool, tzinfo], Any]  # (data, creating, zone) -> normalised data


def _visit_data(data: dict[str, Any], creating: bool, zone: tzinfo) -> VisitData:
    return parse_visit_data(data, creating=creating, zone=zone)


def _answer_data(data: dict[str, Any], creating: bool, zone: tzinfo) -> answer.AnswerData:
    return answer.parse_answer_data(data, creating)


def _roster_data(data: dict[str, Any], creating: bool, zone: tzinfo) -> roster.RosterData:
    return roster.parse_roster_data(data, creating)


# Answers and roster changes are requests the server keeps as sent: created, never updated.
# A leader may read any of these messages on the phone (本机状态): words, never protocol codes.
TYPES: dict[str, _Type] = {
    VISIT: _Type((CREATE, UPDATE), "走访记录只能新建或修改。", _visit_data),
    ANSWER: _Type((CREATE,), "回答只能新建，不能修改；要补充，请再写一条回答。", _answer_data),
    ROSTER_CHANGE: _Type(
        (CREATE,), "住户变化只能新建，不能修改；要更正，请再报告一次。", _roster_data
    ),
}


def parse_record(raw: dict[str, Any], *, zone: tzinfo) -> Record:
    """The whole record, checked in the order a person would read it; the first fault wins.
    `zone` is the committee's: a visit's calendar day is the day there."""
    record_id = _record_id(raw)
    if "type" not in raw:
        raise missing("type")
    kind = TYPES.get(raw["type"]) if isinstance(raw["type"], str) else None
    if kind is None:
        raise Rejected(
            UNKNOWN_TYPE,
            "这个版本的服务器不认识这种记录，请更新应用后再同步。",
            "type",
        )
    op = raw.get("op")
    if op not in kind.ops:
        raise Rejected(INVALID_OP, kind.op_message, "op")
    for key in raw:
        if key not in RECORD_KEYS:
            raise Rejected(UNKNOWN_FIELD, f"记录里有服务器不认识的内容“{echo(key)}”。", echo(key))
    base_version = _base_version(op, raw.get("base_version"))
    client_time = None if raw.get("client_time") is None else aware_datetime("client_time", raw["client_time"])
    if "data" not in raw:
        raise missing("data")
    if not isinstance(raw["data"], dict):
        raise invalid("data", "应为一个对象。")
    data = kind.parse_data(raw["data"], op == CREATE, zone)
    return Record(record_id, raw["type"], op, base_version, client_time, data, data.content_hash())


def _record_id(raw: dict[str, Any]) -> UUID:
    value = raw.get("id")
    if value is None:
        raise Rejected(INVALID_ID, "记录缺少编号，请更新应用后再同步。", "id")
    if not isinstance(value, str) or not _UUID.match(value):
        raise Rejected(INVALID_ID, "记录编号无法识别：它应由手机在保存时生成。请更新应用后再同步。", "id")
    return UUID(value)


def _base_version(op: str, value: Any) -> int | None:
    if op == CREATE:
        if value is not None:
            raise invalid("base_version", "在新建记录时不用填写。")
        return None
    if value is None:
        raise Rejected(MISSING_FIELD, "修改记录时需要注明它是从哪个版本改的。", "base_version")
    return positive_int("base_version", value)


def parse_visit_data(data: dict[str, Any], *, creating: bool, zone: tzinfo) -> VisitData:
    refuse_unknown_keys(data, REQUIRED_DATA + OPTIONAL_DATA)
    for key in REQUIRED_DATA:
        if key not in data:
            raise missing(key)
    household_id = positive_int("household_id", data["household_id"])
    resident_ids = _resident_ids(data.get("resident_ids", []))
    kind = choice("kind", VisitKind, data["kind"])
    occurred_at = aware_datetime("occurred_at", data["occurred_at"])
    status = choice("status", VisitStatus, data["status"])
    notes = _notes(data.get("notes", ""))
    follow_up_needed = boolean("follow_up_needed", data.get("follow_up_needed", False))
    visit_day = occurred_at.astimezone(zone).date()  # the leader's calendar day
    follow_up_due = _follow_up_due(follow_up_needed, data.get("follow_up_due"), visit_day)
    withdrawn = boolean("withdrawn", data.get("withdrawn", False))
    if creating and withdrawn:
        raise invalid("withdrawn", "只能在修改时使用：新记录不能一开始就是撤回的。")
    return VisitData(
        household_id, resident_ids, kind, occurred_at, status, notes, follow_up_needed, follow_up_due, withdrawn
    )


def _resident_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise invalid("resident_ids", "应为居民编号的列表。")
    if len(value) > MAX_RESIDENTS_SEEN:
        # Counted as sent, before anything else: tens of thousands of ids in one record once
        # made every push of that phone fail on PostgreSQL (too many query parameters).
        raise Rejected(TOO_MANY_RESIDENTS, TOO_MANY_RESIDENTS_MESSAGE, "resident_ids")
    return tuple(sorted({positive_int("resident_ids", item) for item in value}))


def _notes(value: Any) -> str:
    notes = storable_text("notes", value)
    # Its own code (notes_too_long), older than the text_too_long of the later record types.
    if len(notes) > MAX_NOTES_CHARS:
        raise Rejected(
            NOTES_TOO_LONG, NOTES_TOO_LONG_MESSAGE.format(max=MAX_NOTES_CHARS, count=len(notes)), "notes"
        )
    return notes


def _follow_up_due(needed: bool, value: Any, visit_day: date) -> date | None:
    if value is None:
        if needed:
            raise Rejected(MISSING_FIELD, FOLLOW_UP_DUE_NEEDED, "follow_up_due")
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise invalid("follow_up_due", "应为日期，格式如 2026-12-01。")
    try:
        due = date.fromisoformat(value)
    except ValueError:
        raise invalid("follow_up_due", "不是有效的日期。") from None
    if not needed:
        raise Rejected(INVALID_FIELD, FOLLOW_UP_DUE_UNWANTED, "follow_up_due")
    # From the visit's day, not the server's: parsing stays pure, and since the visit itself is
    # at most a year old (check_occurred_at), so is the earliest follow-up date.
    if due < visit_day:
        raise Rejected(DATE_OUT_OF_RANGE, FOLLOW_UP_DUE_BEFORE_VISIT, "follow_up_due")
    if (due - visit_day).days > FOLLOW_UP_MAX_DAYS:
        raise Rejected(DATE_OUT_OF_RANGE, FOLLOW_UP_DUE_TOO_LATE, "follow_up_due")
    return due


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    """The visit time comes from the phone's clock: refuse what no real visit could have."""
    if occurred_at > now + FUTURE_TOLERANCE:
        raise Rejected(OCCURRED_IN_FUTURE, OCCURRED_IN_FUTURE_MESSAGE, "occurred_at")
    if occurred_at < now - MAX_AGE:
        raise Rejected(OCCURRED_TOO_OLD, OCCURRED_TOO_OLD_MESSAGE, "occurred_at")
