"""Stores a run of new visits from one push in a handful of statements, each record with its own result.

A phone's usual push is a day of new visits. Judging and inserting each in its own transaction
cost ~9 statements a record (a push ran at 1/40 of a raw insert); here a whole run is judged with
one query per table (known ids, households, residents) and what passes is inserted in bulk, in one
transaction. Every refusal is decided before anything is written, in the order the one-record
path checks (known id, household, visit time, residents), so a refused record never affects the
others and answers exactly as it would alone.

If the insert meets an id stored since we looked (a phone retrying while its first request still
runs), nothing of the run is kept: each of its records then goes through the one-at-a-time path
(`apply_one`, sync/apply.py), which looks again inside its own transaction and answers
`duplicate` or `id_reused` as ever. So concurrent pushes of one id still settle to one row.

The row builders below are the only place a visit, its revision and its residents are made, for
both paths.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.bulk_insert import insert_many
from server.models import Household, Visit, VisitResident, VisitRevision
from sync.known_ids import judge_known, known_ids
from sync.records import APPLIED, REJECTED, RecordResult, Rejected
from sync.scope import PushContext, check_seen, resident_rows
from sync.validate import Record, VisitData, VisitRecord, check_occurred_at

Pending = tuple[Record, str]  # a checked record and the id to echo in its result
ApplyOne = Callable[[Record, str, PushContext], Awaitable[RecordResult]]


async def create_visits(run: list[Pending], push: PushContext, apply_one: ApplyOne) -> list[RecordResult]:
    """One result per pending visit create, in order. The ids in `run` are distinct."""
    results: list[RecordResult | None] = [None] * len(run)

    def refuse(pos: int, refusal: Rejected) -> None:
        results[pos] = RecordResult(run[pos][1], REJECTED, error=refusal.error)

    # A known id is answered before the scope and time checks: a retry of what was accepted
    # stays a duplicate even after the leader's groups change or the visit grows old.
    known = await known_ids([record.id for record, _ in run])
    fresh: list[int] = []
    for pos, (record, result_id) in enumerate(run):
        try:
            results[pos] = judge_known(record, result_id, push, known.get(record.id))
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        if results[pos] is None:
            fresh.append(pos)

    households = await push.scope.households(run[pos][0].data.household_id for pos in fresh)
    in_scope: list[tuple[int, Household]] = []
    for pos in fresh:
        data = run[pos][0].data
        try:
            household = push.scope.check(households.get(data.household_id))
            check_occurred_at(data.occurred_at, push.now)
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        in_scope.append((pos, household))

    residents = await resident_rows(
        {household.id for _, household in in_scope},
        {rid for pos, _ in in_scope for rid in run[pos][0].data.resident_ids},
    )
    to_store: list[tuple[int, Household]] = []
    for pos, household in in_scope:
        try:
            check_seen(household.id, run[pos][0].data.resident_ids, residents)
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        to_store.append((pos, household))

    if to_store:
        try:
            async with in_transaction():
                await insert_visits([(run[pos][0], household) for pos, household in to_store], push)
        except IntegrityError:
            for pos, _ in to_store:
                results[pos] = await apply_one(run[pos][0], run[pos][1], push)
        else:
            for pos, _ in to_store:
                results[pos] = RecordResult(run[pos][1], APPLIED, 1)
    return [result for result in results if result is not None]


async def insert_visits(records: list[tuple[VisitRecord, Household]], push: PushContext) -> None:
    """New visits with their first revision and the residents they saw: three statements."""
    await insert_many(Visit, [visit_row(record, household, push) for record, household in records])
    await insert_many(VisitRevision, [revision_row(record, push, version=1, outcome=APPLIED) for record, _ in records])
    await insert_many(VisitResident, [row for record, _ in records for row in seen_rows(record.id, record.data)])


def visit_row(record: VisitRecord, household: Household, push: PushContext) -> dict[str, Any]:
    return {
        "id": record.id,
        "community_id": household.community_id,
        "household_id": household.id,
        "author_id": push.user.id,
        "device_id": push.device_id,
        "client_time": record.client_time,
        "received_at": push.now,
        "version": 1,
        "content_hash": record.content_hash,
        "updated_at": push.now,
        **content_fields(record),
    }


def content_fields(record: VisitRecord) -> dict[str, Any]:
    """The fields the leader owns, as the record carries them (an update replaces all of them)."""
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


def seen_rows(visit_id: UUID, data: VisitData) -> list[dict[str, Any]]:
    """VisitResident rows: which residents the visit saw, with its time and kind (for due checks)."""
    return [
        {"visit_id": visit_id, "resident_id": rid, "occurred_at": data.occurred_at, "kind": data.kind}
        for rid in data.resident_ids
    ]


def revision_row(record: VisitRecord, push: PushContext, *, version: int, outcome: str) -> dict[str, Any]:
    return {
        "visit_id": record.id,
        "op": record.op,
        "base_version": record.base_version,
        "version": version,
        "outcome": outcome,
        "content_hash": record.content_hash,
        "data": record.data.to_json(),
        "author_id": push.user.id,
        "device_id": push.device_id,
        "client_time": record.client_time,
        "received_at": push.now,
    }
