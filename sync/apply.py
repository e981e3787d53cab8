"""Applies pushed records idempotently: each in its own transaction, each with its own result.

The single entry point for every record type (`visit` here; `answer` in sync/answer.py,
`roster_change` in sync/roster.py), used by POST /api/sync/push and by the leader's HTML forms.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.models import QuestionAnswer, Role, RosterChange, User, Visit, VisitResident, VisitRevision
from sync.answer import create_answer
from sync.records import (
    ANSWER, APPLIED, CONFLICT, CREATE, DUPLICATE, FORBIDDEN_ROLE, ID_REUSED, INVALID_RECORD, MAX_DEVICE_ID_CHARS,
    NOT_AUTHOR, NOT_FOUND, REJECTED, ROSTER_CHANGE, VISIT, RecordResult, Rejected,
)
from sync.roster import create_roster_change
from sync.scope import PushContext, WriteScope, check_residents
from sync.validate import Record, VisitRecord, check_occurred_at, echo, parse_record

Apply = Callable[[Record, str, PushContext], Awaitable[RecordResult]]


async def apply_records(
    records: list[Any], *, user: User, device_id: str, now: datetime | None = None
) -> list[RecordResult]:
    """One result per record, in order. A refused record never affects the others.

    Records are applied one after another (an update may follow its create in the same batch),
    each in its own transaction, so no lock is held from one record to the next. Errors other
    than a refusal (the database going away) propagate: the client then retries the batch, and
    the records already committed answer `duplicate`.
    """
    if len(device_id) > MAX_DEVICE_ID_CHARS:
        raise ValueError(f"device_id longer than {MAX_DEVICE_ID_CHARS} characters")
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    push = PushContext(user, device_id, now, await WriteScope.load(user))
    return [await _apply_one(raw, push) for raw in records]


# Who may push each type, in the words the phone shows when someone else tries.
ROLE_MESSAGES = {
    VISIT: "只有楼组长可以提交走访记录。",
    ANSWER: "只有楼组长可以回答办公室的问题。",
    ROSTER_CHANGE: "只有楼组长可以报告住户变化。",
}
ANY_ROLE_MESSAGE = "只有楼组长可以提交记录。"


async def _apply_one(raw: Any, push: PushContext) -> RecordResult:
    if not isinstance(raw, dict):
        return RecordResult("", REJECTED, error=Rejected(INVALID_RECORD, "这条记录不是有效的数据格式。").error)
    result_id = echo(raw.get("id"))
    try:
        if push.user.role != Role.LEADER:
            kind = raw.get("type")
            raise Rejected(FORBIDDEN_ROLE, ROLE_MESSAGES.get(kind if isinstance(kind, str) else "", ANY_ROLE_MESSAGE))
        record = parse_record(raw)
        return await _apply_in_transaction(record, result_id, push)
    except Rejected as refusal:
        return RecordResult(result_id, REJECTED, error=refusal.error)


async def _apply_in_transaction(record: Record, result_id: str, push: PushContext) -> RecordResult:
    apply = _create_any if record.op == CREATE else _update
    try:
        async with in_transaction():
            return await apply(record, result_id, push)
    except IntegrityError:
        # Another request inserted this same id between our look and our insert (a phone that
        # retried while its first request was still running). Its transaction has committed by
        # now; looking again answers `duplicate` (or `id_reused`) like any later retry.
        async with in_transaction():
            return await apply(record, result_id, push)


async def _create_any(record: Record, result_id: str, push: PushContext) -> RecordResult:
    # A known id is answered before the scope and time checks: a retry of what was accepted
    # stays a duplicate even after the leader's groups change or the visit grows old.
    known = await _known_id(record, result_id, push)
    if known is not None:
        return known
    return await CREATES[record.type](record, result_id, push)


# Where each type's creates are stored. An id names one record whatever its type: the same id
# under another type is `id_reused`, like other content under the same type.
STORED_IN: dict[str, type[Model]] = {VISIT: Visit, ANSWER: QuestionAnswer, ROSTER_CHANGE: RosterChange}


async def _known_id(record: Record, result_id: str, push: PushContext) -> RecordResult | None:
    for kind, model in STORED_IN.items():
        row = await model.filter(id=record.id).values("author_id", "content_hash")
        if not row:
            continue
        if kind == record.type and row[0]["author_id"] == push.user.id:
            # A visit is compared with what its create stored, not the visit now: a create
            # replayed after later updates is still the same create.
            created_hash = row[0]["content_hash"] if kind != VISIT else await _visit_create_hash(record)
            if created_hash == record.content_hash:
                return RecordResult(result_id, DUPLICATE, 1)
        raise Rejected(
            ID_REUSED, "这个记录编号已经用于另一条记录，服务器没有覆盖它。请重新保存这条记录。", "id"
        )
    return None


async def _visit_create_hash(record: Record) -> str | None:
    hashes = await VisitRevision.filter(visit_id=record.id, op=CREATE).order_by("id").limit(1).values_list(
        "content_hash", flat=True
    )
    return hashes[0] if hashes else None


async def _create(record: VisitRecord, result_id: str, push: PushContext) -> RecordResult:
    data = record.data
    household = await push.scope.household(data.household_id)
    check_occurred_at(data.occurred_at, push.now)
    await check_residents(household, data.resident_ids)
    visit = await Visit.create(
        id=record.id,
        community_id=household.community_id,
        household_id=household.id,
        author_id=push.user.id,
        device_id=push.device_id,
        client_time=record.client_time,
        received_at=push.now,
        version=1,
        content_hash=record.content_hash,
        **_content_fields(record),
    )
    await _save_residents_seen(visit)
    await _save_revision(record, push, version=1, outcome=APPLIED)
    return RecordResult(result_id, APPLIED, 1)


async def _update(record: VisitRecord, result_id: str, push: PushContext) -> RecordResult:
    # Only visits have updates (sync/validate.py refuses op "update" for the other types).
    # The row lock (PostgreSQL) makes two updates of one visit take turns, so both cannot
    # read the same version and both apply; SQLite serialises transactions anyway.
    visit = await Visit.filter(id=record.id).select_for_update().first()
    if visit is None or visit.community_id != push.user.community_id:
        raise Rejected(NOT_FOUND, "找不到要修改的走访记录。它可能还没有同步上来，请先同步新建的记录。", "id")
    if visit.author_id != push.user.id:
        raise Rejected(NOT_AUTHOR, "只能修改自己记录的走访。", "id")
    replayed = (
        await VisitRevision.filter(
            visit_id=visit.id, op=record.op, base_version=record.base_version, content_hash=record.content_hash
        )
        .order_by("id")
        .first()
    )
    if replayed is not None:
        # The same update sent again: answer what it got the first time, and store nothing.
        return RecordResult(result_id, DUPLICATE if replayed.outcome == APPLIED else CONFLICT, replayed.version)

    data = record.data
    household = await push.scope.household(data.household_id)
    if data.occurred_at != visit.occurred_at:
        # Only a changed time is checked: withdrawing an old visit must stay possible.
        check_occurred_at(data.occurred_at, push.now)
    already_seen = visit.resident_ids if household.id == visit.household_id else ()
    await check_residents(household, data.resident_ids, already_seen)

    if record.base_version != visit.version:
        # Made from an older version (two phones, one leader): keep it aside for the office.
        await _save_revision(record, push, version=visit.version, outcome=CONFLICT)
        visit.has_conflict = True
        await visit.save(update_fields=["has_conflict", "updated_at"])
        return RecordResult(result_id, CONFLICT, visit.version)

    # An update carries the whole visit as the leader now sees it, "withdrawn" included, so
    # applying it is a replacement of the leader-owned fields; office-owned ones are untouched.
    for name, value in _content_fields(record).items():
        setattr(visit, name, value)
    visit.household_id = household.id
    visit.client_time = record.client_time
    visit.device_id = push.device_id
    visit.content_hash = record.content_hash
    visit.version += 1
    await visit.save(update_fields=[*_content_fields(record), *_PUSH_FIELDS])
    await VisitResident.filter(visit_id=visit.id).delete()
    await _save_residents_seen(visit)
    await _save_revision(record, push, version=visit.version, outcome=APPLIED)
    return RecordResult(result_id, APPLIED, visit.version)


# What an applied update writes besides the content: never an office-owned field.
_PUSH_FIELDS = ("household_id", "client_time", "device_id", "content_hash", "version", "updated_at")


def _content_fields(record: VisitRecord) -> dict[str, Any]:
    data = record.data
    return {
        "kind": data.kind,
        "status": data.status,
        "occurred_at": data.occurred_at,
        "notes": data.notes,
        "follow_up_needed": data.follow_up_needed,
        "follow_up_due": data.follow_up_due,
        "resident_ids": list(data.resident_ids),
        "withdrawn": data.withdrawn,
    }


async def _save_residents_seen(visit: Visit) -> None:
    if not visit.resident_ids:
        return
    await VisitResident.bulk_create(
        [
            VisitResident(visit_id=visit.id, resident_id=rid, occurred_at=visit.occurred_at, kind=visit.kind)
            for rid in visit.resident_ids
        ]
    )


async def _save_revision(record: VisitRecord, push: PushContext, *, version: int, outcome: str) -> None:
    await VisitRevision.create(
        visit_id=record.id,
        op=record.op,
        base_version=record.base_version,
        version=version,
        outcome=outcome,
        content_hash=record.content_hash,
        data=record.data.to_json(),
        author_id=push.user.id,
        device_id=push.device_id,
        client_time=record.client_time,
        received_at=push.now,
    )


CREATES: dict[str, Apply] = {VISIT: _create, ANSWER: create_answer, ROSTER_CHANGE: create_roster_change}
