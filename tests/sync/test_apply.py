"""The apply logic on its own (sync/apply.py): every decision of the protocol, on a store held in
dicts (tests/sync/memory_store.py). No database: these run in milliseconds, on either store's
suite alike. tests/test_ingest*.py check the same guarantees through the Tortoise store."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sync.apply import apply_records
from sync.records import RecordResult
from sync.vocabulary import QuestionState, ResidentStatus, Role
from tests.sync.memory_store import MemoryStore, Person

NOW = datetime(2026, 11, 26, 1, 31, 2, tzinfo=timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = "2026-11-26T09:25:00+08:00"  # six minutes before NOW
HOME, OTHER_COMMUNITY = 1, 2
LEADER = Person(7, HOME)
NEIGHBOUR = Person(8, HOME)  # another leader of the same committee, another group


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.t.groups = {LEADER.id: {10}, NEIGHBOUR.id: {11}}
    store.household(100, HOME, 10)
    store.household(101, HOME, 10)
    store.household(200, HOME, 11)  # the neighbour's
    store.household(300, OTHER_COMMUNITY, 10)  # another committee's, whatever its group id
    store.resident(1000, 100)
    store.resident(1001, 100, ResidentStatus.MOVED)
    store.resident(1010, 101)
    return store


def visit(household_id: int = 100, *, id: str | None = None, **data) -> dict:
    return {
        "id": id or str(uuid.uuid4()), "type": "visit", "op": "create", "base_version": None,
        "client_time": "2026-11-26T09:30:00+08:00",
        "data": {"household_id": household_id, "resident_ids": [], "kind": "routine", "occurred_at": MORNING,
                 "status": "ok", "notes": "精神很好", "follow_up_needed": False, "follow_up_due": None, **data},
    }


def update(record: dict, base_version: int, **data) -> dict:
    return {**record, "op": "update", "base_version": base_version, "data": {**record["data"], **data}}


async def push(store: MemoryStore, *records: dict, user: Person = LEADER, now: datetime = NOW,
               zone=SHANGHAI) -> list[RecordResult]:
    return await apply_records(list(records), store=store, user=user, device_id="phone-1", now=now, zone=zone)


def outcomes(results: list[RecordResult]) -> list[tuple]:
    return [(r.status, r.version, r.error.code if r.error else None) for r in results]


async def test_a_new_visit_is_applied_as_version_1(store):
    record = visit(resident_ids=[1000])
    assert outcomes(await push(store, record)) == [("applied", 1, None)]
    stored = store.t.visits[uuid.UUID(record["id"])]
    assert (stored["household_id"], stored["author_id"], stored["version"]) == (100, LEADER.id, 1)
    assert stored["data"].resident_ids == (1000,)


async def test_the_same_create_sent_again_is_a_duplicate_and_stores_nothing(store):
    record = visit()
    await push(store, record)
    before = len(store.t.revisions)
    # A retry after a lost answer, in a later push, and twice within one push.
    assert outcomes(await push(store, record)) == [("duplicate", 1, None)]
    assert outcomes(await push(store, record, record)) == [("duplicate", 1, None)] * 2
    assert len(store.t.visits) == 1 and len(store.t.revisions) == before


async def test_a_retry_stays_a_duplicate_after_the_leader_loses_the_group(store):
    record = visit()
    await push(store, record)
    store.t.groups[LEADER.id] = set()
    assert outcomes(await push(store, record)) == [("duplicate", 1, None)]


async def test_an_id_used_again_is_refused_as_id_reused_across_types_and_contents(store):
    first = visit()
    await push(store, first)
    other_content = visit(id=first["id"], notes="另一条")
    answer = {"id": first["id"], "type": "answer", "op": "create", "base_version": None, "client_time": None,
              "data": {"question_id": 1, "text": "好的"}}
    results = await push(store, other_content, answer)
    assert outcomes(results) == [("rejected", None, "id_reused")] * 2
    assert results[0].error.field == "id"
    assert outcomes(await push(store, first, user=NEIGHBOUR)) == [("rejected", None, "id_reused")]
    assert len(store.t.visits) == 1 and not store.t.answers


async def test_an_update_from_the_current_version_applies_and_a_stale_one_is_kept_as_a_conflict(store):
    record = visit()
    await push(store, record)
    first_phone = update(record, 1, status="concern")
    second_phone = update(record, 1, notes="另一部手机改的")

    assert outcomes(await push(store, first_phone)) == [("applied", 2, None)]
    assert outcomes(await push(store, second_phone)) == [("conflict", 2, None)]
    stored = store.t.visits[uuid.UUID(record["id"])]
    assert stored["data"].status == "concern" and stored["has_conflict"]
    # Each replayed update answers what it got the first time, and stores nothing more.
    revisions = len(store.t.revisions)
    assert outcomes(await push(store, first_phone, second_phone)) == [("duplicate", 2, None), ("conflict", 2, None)]
    assert len(store.t.revisions) == revisions


async def test_an_update_may_follow_its_create_in_the_same_push(store):
    record = visit()
    assert outcomes(await push(store, record, update(record, 1, status="urgent"))) == [
        ("applied", 1, None), ("applied", 2, None)]


async def test_a_withdrawal_is_an_update_and_an_old_visit_can_still_be_withdrawn(store):
    record = visit()
    await push(store, record)
    a_year_later = NOW + timedelta(days=400)
    assert outcomes(await push(store, update(record, 1, withdrawn=True), now=a_year_later)) == [("applied", 2, None)]
    assert store.t.visits[uuid.UUID(record["id"])]["data"].withdrawn
    # A new visit cannot start withdrawn, and an old visit's time cannot be moved.
    assert outcomes(await push(store, visit(withdrawn=True))) == [("rejected", None, "invalid_field")]
    moved = update(record, 2, occurred_at="2026-11-25T09:25:00+08:00")
    assert outcomes(await push(store, moved, now=a_year_later)) == [("rejected", None, "occurred_too_old")]


async def test_an_update_of_a_voided_visit_is_refused_with_the_office_reason(store):
    record = visit()
    await push(store, record)
    store.void(uuid.UUID(record["id"]), "重复录入", NOW)
    (result,) = await push(store, update(record, 1, withdrawn=True))
    assert outcomes([result]) == [("rejected", None, "voided")]
    assert "重复录入" in result.error.message and result.error.field == "id"
    assert store.t.visits[uuid.UUID(record["id"])]["version"] == 1


async def test_only_the_author_updates_a_visit_of_their_own_community(store):
    record = visit()
    await push(store, record)
    assert outcomes(await push(store, update(record, 1), user=NEIGHBOUR)) == [("rejected", None, "not_author")]
    assert outcomes(await push(store, update(record, 1), user=Person(LEADER.id, OTHER_COMMUNITY))) == [
        ("rejected", None, "not_found")]
    assert outcomes(await push(store, update(visit(), 1))) == [("rejected", None, "not_found")]


async def test_each_refusal_is_its_records_own_and_the_rest_apply(store):
    batch = [
        visit(100, resident_ids=[1000]),
        visit(200),  # the neighbour's group
        visit(300),  # another committee
        visit(999),  # no such household: the same words as a foreign one
        visit(100, resident_ids=[1001]),  # moved away
        visit(100, resident_ids=[1010]),  # lives in household 101
        visit(101, occurred_at="2026-11-28T09:00:00+08:00"),  # two days ahead
        visit(101, kind="chat"),
        visit(101, notes="字" * 2001),
        {"id": "not-a-uuid", "type": "visit"},
        {**visit(), "type": "photo"},
        "not an object",
        visit(101),
    ]
    results = await push(store, *batch)
    assert outcomes(results) == [
        ("applied", 1, None), ("rejected", None, "out_of_scope"), ("rejected", None, "out_of_scope"),
        ("rejected", None, "out_of_scope"), ("rejected", None, "invalid_resident"),
        ("rejected", None, "invalid_resident"), ("rejected", None, "occurred_in_future"),
        ("rejected", None, "invalid_field"), ("rejected", None, "notes_too_long"), ("rejected", None, "invalid_id"),
        ("rejected", None, "unknown_type"), ("rejected", None, "invalid_record"), ("applied", 1, None),
    ]
    assert results[1].error.message == results[3].error.message
    assert len(store.t.visits) == 2


async def test_only_leaders_push(store):
    office = Person(9, HOME, Role.OFFICE)
    assert outcomes(await push(store, visit(), user=office)) == [("rejected", None, "forbidden_role")]
    assert not store.t.visits


async def test_a_batch_whose_insert_meets_a_concurrent_one_answers_each_record_alone(store):
    theirs = visit(100)
    await push(store, theirs)  # another request, already committed
    batch = [visit(101), theirs, visit(100)]
    looks = []
    look = store.known_ids

    async def looked_too_early(ids):
        looks.append(ids)
        return {} if len(looks) == 1 else await look(ids)

    store.known_ids = looked_too_early
    assert outcomes(await push(store, *batch)) == [("applied", 1, None), ("duplicate", 1, None), ("applied", 1, None)]
    assert len(store.t.visits) == 3


async def test_an_answer_moves_an_open_question_to_answered_and_a_closed_one_stays_closed(store):
    record = visit()
    await push(store, record)
    store.question(1, uuid.UUID(record["id"]))
    store.question(2, uuid.UUID(record["id"]), QuestionState.CLOSED)

    def answer(question_id: int) -> dict:
        return {"id": str(uuid.uuid4()), "type": "answer", "op": "create", "base_version": None,
                "client_time": None, "data": {"question_id": question_id, "text": "下周一去复查"}}

    assert outcomes(await push(store, answer(1), answer(2), answer(3))) == [
        ("applied", 1, None), ("applied", 1, None), ("rejected", None, "out_of_scope")]
    assert store.t.questions[1]["state"] == QuestionState.ANSWERED
    assert store.t.questions[2]["state"] == QuestionState.CLOSED
    assert outcomes(await push(store, answer(1), user=NEIGHBOUR)) == [("rejected", None, "out_of_scope")]


def roster_change(**data) -> dict:
    return {"id": str(uuid.uuid4()), "type": "roster_change", "op": "create", "base_version": None,
            "client_time": None, "data": {"household_id": 100, **data}}


async def test_a_roster_change_names_a_current_resident_of_the_household(store):
    results = await push(
        store, roster_change(change="moved", resident_id=1000), roster_change(change="moved", resident_id=1001),
        roster_change(change="deceased", resident_id=1010),
    )
    assert outcomes(results) == [("applied", 1, None), ("rejected", None, "invalid_resident"),
                                 ("rejected", None, "invalid_resident")]


async def test_this_year_and_a_visits_day_are_the_callers_time_zone(store):
    """New Year's morning in Shanghai is still New Year's Eve in UTC: sync/ has no zone of its own."""
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)  # 2027-01-01 01:00 in Shanghai
    born = {"change": "new_resident", "fields": {"name": "小宝", "gender": "F", "birth_year": 2027}}
    assert outcomes(await push(store, roster_change(**born), now=new_year)) == [("applied", 1, None)]
    assert outcomes(await push(store, roster_change(**born), now=new_year, zone=timezone.utc)) == [
        ("rejected", None, "invalid_field")]
    # 07:00 in Shanghai is the evening before in UTC: a follow-up "the day before" depends on the zone.
    early = visit(occurred_at="2026-11-26T07:00:00+08:00", follow_up_needed=True, follow_up_due="2026-11-25")
    assert outcomes(await push(store, early)) == [("rejected", None, "date_out_of_range")]
    assert outcomes(await push(store, early, zone=timezone.utc)) == [("applied", 1, None)]


async def test_a_naive_clock_and_an_overlong_device_id_are_the_callers_mistakes(store):
    with pytest.raises(ValueError):
        await push(store, visit(), now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError):
        await apply_records([visit()], store=store, user=LEADER, device_id="x" * 65, now=NOW, zone=SHANGHAI)
