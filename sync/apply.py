"""Applies pushed records idempotently, in order, each with its own result.

The single entry point for every record type (`visit` here; `answer` in sync/answer.py,
`roster_change` in sync/roster.py), used by POST /api/sync/push and by the leader's HTML forms
through server/ingest, which gives it the database as a `Store` (sync/store.py). A push's runs of
new visits are judged together (sync/visit_batch.py); every other record, and any new visit
whose insert met a concurrent one, is applied alone in its own transaction. Pure: the decisions
are here, the store only reads and writes; the clock and the time zone come from the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any

from sync.answer import create_answer
from sync.known_ids import judge_known
from sync.records import (
    ANSWER, APPLIED, CONFLICT, CREATE, DUPLICATE, FORBIDDEN_ROLE, INVALID_RECORD, MAX_DEVICE_ID_CHARS,
    NOT_AUTHOR, NOT_FOUND, REJECTED, ROSTER_CHANGE, VISIT, VOIDED, RecordResult, Rejected,
)
from sync.roster import create_roster_change
from sync.scope import PushContext, WriteScope, check_residents, household_in_scope
from sync.store import Author, IdTaken, Store
from sync.validate import Record, VisitRecord, check_occurred_at, echo, parse_record
from sync.visit_batch import create_visits
from sync.vocabulary import Role

Apply = Callable[[Record, str, PushContext], Awaitable[RecordResult]]


async def apply_records(
    records: list[Any], *, store: Store, user: Author, device_id: str, now: datetime, zone: tzinfo
) -> list[RecordResult]:
    """One result per record, in order. A refused record never affects the others.

    Records take effect in the order sent (an update may follow its create in the same batch).
    Consecutive new visits, a push's usual content, are judged together and stored in bulk
    (sync/visit_batch.py); anything else (updates, answers, roster changes) is applied on its
    own, in its own transaction, after what came before it. An id sent again within one run
    closes the run first, so the second sees the first stored. No lock is held
    from one record to the next. Errors other than a refusal (the database going away)
    propagate: the client then retries the batch, and the records already committed answer
    `duplicate`.
    """
    if len(device_id) > MAX_DEVICE_ID_CHARS:
        raise ValueError(f"device_id longer than {MAX_DEVICE_ID_CHARS} characters")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    scope = WriteScope(user.community_id, frozenset(await store.group_ids(user)))
    push = PushContext(user, device_id, now, zone, scope, store)
    results: list[RecordResult | None] = [None] * len(records)
    run: list[tuple[int, Record, str]] = []  # new visits waiting to be stored together
    run_ids: set = set()  # the ids in `run`, to see a repeat at once

    async def store_run() -> None:
        stored = await create_visits([(record, result_id) for _, record, result_id in run], push, _apply_alone)
        for (pos, _, _), result in zip(run, stored, strict=True):
            results[pos] = result
        run.clear()
        run_ids.clear()

    for pos, raw in enumerate(records):
        checked = _check(raw, push)
        if isinstance(checked, RecordResult):
            results[pos] = checked
            continue
        record, result_id = checked
        if record.id in run_ids:
            await store_run()  # the same id again: it must see the first one stored
        if record.type == VISIT and record.op == CREATE:
            run.append((pos, record, result_id))
            run_ids.add(record.id)
            continue
        if run:
            await store_run()
        results[pos] = await _apply_alone(record, result_id, push)
    if run:
        await store_run()
    return [result for result in results if result is not None]


# Who may push each type, in the words the phone shows when someone else tries.
ROLE_MESSAGES = {
    VISIT: "只有楼组长可以提交走访记录。",
    ANSWER: "只有楼组长可以回答办公室的问题。",
    ROSTER_CHANGE: "只有楼组长可以报告住户变化。",
}
ANY_ROLE_MESSAGE = "只有楼组长可以提交记录。"


def _check(raw: Any, push: PushContext) -> tuple[Record, str] | RecordResult:
    """The record read and checked on its own (no database), or its refusal."""
    if not isinstance(raw, dict):
        return RecordResult("", REJECTED, error=Rejected(INVALID_RECORD, "这条记录不是有效的数据格式。").error)
    result_id = echo(raw.get("id"))
    try:
        if push.user.role != Role.LEADER:
            kind = raw.get("type")
            raise Rejected(FORBIDDEN_ROLE, ROLE_MESSAGES.get(kind if isinstance(kind, str) else "", ANY_ROLE_MESSAGE))
        return parse_record(raw, zone=push.zone), result_id
    except Rejected as refusal:
        return RecordResult(result_id, REJECTED, error=refusal.error)


async def _apply_alone(record: Record, result_id: str, push: PushContext) -> RecordResult:
    """One record in its own transaction (and one retry of an insert race); a refusal is its result."""
    try:
        return await _apply_in_transaction(record, result_id, push)
    except Rejected as refusal:
        return RecordResult(result_id, REJECTED, error=refusal.error)


async def _apply_in_transaction(record: Record, result_id: str, push: PushContext) -> RecordResult:
    apply = _create_any if record.op == CREATE else _update
    try:
        async with push.store.transaction():
            return await apply(record, result_id, push)
    except IdTaken:
        # Another request inserted this same id between our look and our insert (a phone that
        # retried while its first request was still running). Its transaction has committed by
        # now; looking again answers `duplicate` (or `id_reused`) like any later retry.
        async with push.store.transaction():
            return await apply(record, result_id, push)


async def _create_any(record: Record, result_id: str, push: PushContext) -> RecordResult:
    # A known id is answered before the scope and time checks: a retry of what was accepted
    # stays a duplicate even after the leader's groups change or the visit grows old.
    known = judge_known(record, result_id, push, (await push.store.known_ids([record.id])).get(record.id))
    if known is not None:
        return known
    return await CREATES[record.type](record, result_id, push)


async def _create(record: VisitRecord, result_id: str, push: PushContext) -> RecordResult:
    data = record.data
    household = await household_in_scope(push, data.household_id)
    check_occurred_at(data.occurred_at, push.now)
    await check_residents(push, household, data.resident_ids)
    await push.store.insert_visits([(record, household)], push)
    return RecordResult(result_id, APPLIED, 1)


async def _update(record: VisitRecord, result_id: str, push: PushContext) -> RecordResult:
    # Only visits have updates (sync/validate.py refuses op "update" for the other types).
    # The store locks the visit's row (PostgreSQL), so two updates of one visit take turns and
    # both cannot read the same version and both apply; SQLite serialises transactions anyway.
    visit = await push.store.visit_for_update(push.user.community_id, record.id)
    if visit is None or visit.community_id != push.user.community_id:
        raise Rejected(NOT_FOUND, "找不到要修改的走访记录。它可能还没有同步上来，请先同步新建的记录。", "id")
    if visit.author_id != push.user.id:
        raise Rejected(NOT_AUTHOR, "只能修改自己记录的走访。", "id")
    replayed = await push.store.stored_update(record)
    if replayed is not None:
        # The same update sent again: answer what it got the first time, and store nothing.
        return RecordResult(result_id, DUPLICATE if replayed.outcome == APPLIED else CONFLICT, replayed.version)

    if visit.voided_at is not None:
        # The office took it out of every count (作废); a change made on a phone that had not
        # heard yet must not quietly edit a record nobody counts. A replay of an update applied
        # before the void was answered above, as ever.
        reason = f"（原因：{visit.void_reason}）" if visit.void_reason else ""
        raise Rejected(VOIDED, f"这条记录已被居委会作废{reason}，不能再修改。如有疑问，请联系居委会。", "id")

    data = record.data
    household = await household_in_scope(push, data.household_id)
    if data.occurred_at != visit.occurred_at:
        # Only a changed time is checked: withdrawing an old visit must stay possible.
        check_occurred_at(data.occurred_at, push.now)
    already_seen = visit.resident_ids if household.id == visit.household_id else ()
    await check_residents(push, household, data.resident_ids, already_seen)

    if record.base_version != visit.version:
        # Made from an older version (two phones, one leader): keep it aside for the office.
        await push.store.keep_conflict(visit, record, push)
        return RecordResult(result_id, CONFLICT, visit.version)

    # An update carries the whole visit as the leader now sees it, "withdrawn" included, so
    # applying it is a replacement of the leader-owned fields; office-owned ones are untouched.
    await push.store.replace_visit(visit, record, household, visit.version + 1, push)
    return RecordResult(result_id, APPLIED, visit.version + 1)


CREATES: dict[str, Apply] = {VISIT: _create, ANSWER: create_answer, ROSTER_CHANGE: create_roster_change}
