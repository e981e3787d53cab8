"""Judges a run of new visits from one push together, each record with its own result.

A phone's usual push is a day of new visits. Judging and inserting each in its own transaction
cost ~9 statements a record (a push ran at 1/40 of a raw insert); here a whole run is judged with
one look per kind of fact (known ids, households, residents: the store reads each for the whole
run at once) and what passes is stored together, in one transaction. Every refusal is decided
before anything is written, in the order the one-record path checks (known id, household, visit
time, residents), so a refused record never affects the others and answers exactly as it would alone.

If the insert meets an id stored since we looked (a phone retrying while its first request still
runs: the store raises IdTaken), nothing of the run is kept: each of its records then goes through
the one-at-a-time path (`apply_one`, sync/apply.py), which looks again inside its own transaction
and answers `duplicate` or `id_reused` as ever. So concurrent pushes of one id still settle to one row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sync.known_ids import judge_known
from sync.records import APPLIED, REJECTED, RecordResult, Rejected
from sync.scope import PushContext, check_seen
from sync.store import HouseholdRef, IdTaken
from sync.validate import Record, check_occurred_at

Pending = tuple[Record, str]  # a checked record and the id to echo in its result
ApplyOne = Callable[[Record, str, PushContext], Awaitable[RecordResult]]


async def create_visits(run: list[Pending], push: PushContext, apply_one: ApplyOne) -> list[RecordResult]:
    """One result per pending visit create, in order. The ids in `run` are distinct."""
    results: list[RecordResult | None] = [None] * len(run)
    store = push.store

    def refuse(pos: int, refusal: Rejected) -> None:
        results[pos] = RecordResult(run[pos][1], REJECTED, error=refusal.error)

    # A known id is answered before the scope and time checks: a retry of what was accepted
    # stays a duplicate even after the leader's groups change or the visit grows old.
    known = await store.known_ids([record.id for record, _ in run])
    fresh: list[int] = []
    for pos, (record, result_id) in enumerate(run):
        try:
            results[pos] = judge_known(record, result_id, push, known.get(record.id))
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        if results[pos] is None:
            fresh.append(pos)

    households = await store.households(push.user.community_id, (run[pos][0].data.household_id for pos in fresh))
    in_scope: list[tuple[int, HouseholdRef]] = []
    for pos in fresh:
        data = run[pos][0].data
        try:
            household = push.scope.check(households.get(data.household_id))
            check_occurred_at(data.occurred_at, push.now)
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        in_scope.append((pos, household))

    residents = await store.residents(
        push.user.community_id,
        {household.id for _, household in in_scope},
        {rid for pos, _ in in_scope for rid in run[pos][0].data.resident_ids},
    )
    to_store: list[tuple[int, HouseholdRef]] = []
    for pos, household in in_scope:
        try:
            check_seen(household.id, run[pos][0].data.resident_ids, residents)
        except Rejected as refusal:
            refuse(pos, refusal)
            continue
        to_store.append((pos, household))

    if to_store:
        try:
            async with store.transaction():
                await store.insert_visits([(run[pos][0], household) for pos, household in to_store], push)
        except IdTaken:
            for pos, _ in to_store:
                results[pos] = await apply_one(run[pos][0], run[pos][1], push)
        else:
            for pos, _ in to_store:
                results[pos] = RecordResult(run[pos][1], APPLIED, 1)
    return [result for result in results if result is not None]
