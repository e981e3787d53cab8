"""The ingest's refusals of a record's own fields, and a batch: each record answered on its own,
a replay answering the same (the helpers are test_ingest's)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from server.models import Visit, VisitResident, VisitRevision
from sync.records import MAX_NOTES_CHARS
from tests.test_ingest import NOW, push, push_one, statuses, store_dump, update_of, visit_record


# --- rejected: the record's own fields -----------------------------------------------------


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


def _bad_record(household, *, drop=None, data_drop=None, top=None, **data):
    record = visit_record(household, **data)
    if drop:
        record = _without(record, drop)
    if data_drop:
        record["data"] = _without(record["data"], data_drop)
    record.update(top or {})
    return record


FIELD_CASES = [
    # (description, how to spoil the record, code, field)
    ("no id", dict(drop="id"), "invalid_id", "id"),
    ("id not a UUID", dict(top={"id": "visit-1"}), "invalid_id", "id"),
    ("id a number", dict(top={"id": 12345}), "invalid_id", "id"),
    ("no type", dict(drop="type"), "missing_field", "type"),
    ("a type of a later protocol", dict(top={"type": "photo"}), "unknown_type", "type"),
    ("a type that is not text", dict(top={"type": 1}), "unknown_type", "type"),
    ("op delete", dict(top={"op": "delete"}), "invalid_op", "op"),
    ("no op", dict(drop="op"), "invalid_op", "op"),
    ("an extra key on the record", dict(top={"attachments": []}), "unknown_field", "attachments"),
    ("base_version on a create", dict(top={"base_version": 3}), "invalid_field", "base_version"),
    ("client_time without zone", dict(top={"client_time": "2026-11-26T09:30:00"}), "invalid_field", "client_time"),
    ("client_time not a time", dict(top={"client_time": "yesterday"}), "invalid_field", "client_time"),
    ("no data", dict(drop="data"), "missing_field", "data"),
    ("data a list", dict(top={"data": []}), "invalid_field", "data"),
    ("an extra key in data", dict(photo="x.jpg"), "unknown_field", "photo"),
    ("no household", dict(data_drop="household_id"), "missing_field", "household_id"),
    ("household as text", dict(household_id="1"), "invalid_field", "household_id"),
    ("household as true", dict(household_id=True), "invalid_field", "household_id"),
    ("household beyond 32 bits", dict(household_id=2**40), "invalid_field", "household_id"),
    ("no kind", dict(data_drop="kind"), "missing_field", "kind"),
    ("kind not in the list", dict(kind="chat"), "invalid_field", "kind"),
    ("no status", dict(data_drop="status"), "missing_field", "status"),
    ("status not in the list", dict(status="fine"), "invalid_field", "status"),
    ("no occurred_at", dict(data_drop="occurred_at"), "missing_field", "occurred_at"),
    ("occurred_at a number", dict(occurred_at=1764120300), "invalid_field", "occurred_at"),
    ("occurred_at a date only", dict(occurred_at="2026-11-26"), "invalid_field", "occurred_at"),
    ("residents not a list", dict(resident_ids=5), "invalid_field", "resident_ids"),
    ("residents as text", dict(resident_ids=["5"]), "invalid_field", "resident_ids"),
    ("residents negative", dict(resident_ids=[-1]), "invalid_field", "resident_ids"),
    ("notes null", dict(notes=None), "invalid_field", "notes"),
    ("notes with NUL", dict(notes="a\x00b"), "invalid_field", "notes"),
    ("notes with a lone surrogate", dict(notes="\ud800"), "invalid_field", "notes"),
    ("follow_up_needed as 1", dict(follow_up_needed=1), "invalid_field", "follow_up_needed"),
    ("follow-up without a due date", dict(follow_up_needed=True), "missing_field", "follow_up_due"),
    ("due date without follow-up", dict(follow_up_due="2026-12-01"), "invalid_field", "follow_up_due"),
    ("due date not a date", dict(follow_up_needed=True, follow_up_due="2026-02-30"), "invalid_field", "follow_up_due"),
    ("due date in another format", dict(follow_up_needed=True, follow_up_due="20261201"), "invalid_field",
     "follow_up_due"),
    ("withdrawn as text", dict(withdrawn="yes"), "invalid_field", "withdrawn"),
]


@pytest.mark.parametrize(
    ("spoil", "code", "field"), [case[1:] for case in FIELD_CASES], ids=[case[0] for case in FIELD_CASES]
)
async def test_a_malformed_record_is_rejected_with_its_code_and_field(world, spoil, code, field):
    result = await push_one(world.users["leader01"], _bad_record(world.households[0], **spoil))
    assert (result.status, result.version, result.error.code, result.error.field) == ("rejected", None, code, field)
    assert result.error.message and not result.error.message.isascii()  # Chinese, for the leader
    assert await Visit.all().count() == 0


async def test_an_update_needs_a_whole_number_base_version(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    await push(leader, record)
    missing = await push_one(leader, update_of(record, None))
    assert (missing.error.code, missing.error.field) == ("missing_field", "base_version")
    for bad in ("1", 1.0, 0, True):
        result = await push_one(leader, update_of(record, bad))
        assert (result.error.code, result.error.field) == ("invalid_field", "base_version"), bad


async def test_a_record_that_is_not_an_object_is_rejected_without_an_id(world):
    results = await push(world.users["leader01"], "hello", None, [1, 2])
    assert [(r.id, r.error.code) for r in results] == [("", "invalid_record")] * 3


async def test_the_id_is_echoed_as_sent_so_the_phone_can_match_its_outbox(world):
    record = visit_record(world.households[0], id=str(uuid.uuid4()).upper())
    result = await push_one(world.users["leader01"], record)
    assert (result.id, result.status) == (record["id"], "applied")
    assert await Visit.filter(id=record["id"].lower()).exists()


async def test_notes_may_have_2000_characters_but_not_2001(world):
    leader = world.users["leader01"]
    at_limit = await push_one(leader, visit_record(world.households[0], notes="好" * MAX_NOTES_CHARS))
    over = await push_one(leader, visit_record(world.households[0], notes="好" * (MAX_NOTES_CHARS + 1)))
    assert at_limit.status == "applied"  # 6,000 bytes of UTF-8: characters count, not bytes
    assert (over.error.code, over.error.field) == ("notes_too_long", "notes")
    assert "2001" in over.error.message


async def test_a_line_break_counts_once_however_the_form_sent_it(world):
    leader = world.users["leader01"]
    from_html_form = "好" * 1000 + "\r\n" + "好" * 999  # 2,000 characters once "\r\n" is one break
    result = await push_one(leader, visit_record(world.households[0], notes=from_html_form))
    assert result.status == "applied"
    assert (await Visit.get(id=result.id)).notes == "好" * 1000 + "\n" + "好" * 999


async def test_a_follow_up_with_its_due_date_is_stored(world):
    record = visit_record(world.households[0], follow_up_needed=True, follow_up_due="2026-12-01", status="concern")
    assert (await push_one(world.users["leader01"], record)).status == "applied"
    visit = await Visit.get(id=record["id"])
    assert (visit.follow_up_needed, visit.follow_up_due) == (True, date(2026, 12, 1))


@pytest.mark.parametrize(
    ("occurred_at", "code"),
    [
        (NOW + timedelta(hours=23), None),
        (NOW + timedelta(hours=25), "occurred_in_future"),
        (NOW - timedelta(days=364), None),
        (NOW - timedelta(days=366), "occurred_too_old"),
    ],
    ids=["23h ahead", "25h ahead", "364 days ago", "366 days ago"],
)
async def test_the_visit_time_may_be_a_little_ahead_but_not_a_day_nor_over_a_year_old(world, occurred_at, code):
    record = visit_record(world.households[0], occurred_at=occurred_at.isoformat())
    result = await push_one(world.users["leader01"], record)
    assert (result.error.code if result.error else None) == code
    if code:
        assert result.error.field == "occurred_at" and "走访时间" in result.error.message


# --- a batch -------------------------------------------------------------------------------


async def test_one_bad_record_does_not_stop_the_others_and_results_keep_their_order(world):
    household = world.households[0]
    good_1, bad, good_2 = visit_record(household), visit_record(household, kind="chat"), visit_record(household)
    results = await push(world.users["leader01"], good_1, bad, good_2)
    assert [(r.id, r.status) for r in results] == [
        (good_1["id"], "applied"), (bad["id"], "rejected"), (good_2["id"], "applied")
    ]
    assert set(await Visit.all().values_list("id", flat=True)) == {uuid.UUID(good_1["id"]), uuid.UUID(good_2["id"])}


async def test_replaying_a_whole_batch_answers_the_same_and_leaves_the_store_byte_identical(world):
    leader = world.users["leader01"]
    first = visit_record(world.households[0], resident_ids=[world.residents["li"].id])
    second = visit_record(world.households[1], resident_ids=[world.residents["zhao"].id], follow_up_needed=True,
                          follow_up_due="2026-12-01")
    batch = [
        first,
        second,
        update_of(first, 1, status="concern"),
        update_of(first, 1, notes="另一台手机"),  # conflict: first is at version 2 by now
        update_of(second, 1, withdrawn=True),
        visit_record(world.households[3]),  # out of scope
        "not a record",
    ]

    original = await push(leader, *batch)
    stored = await store_dump()
    replay = await push(leader, *batch, now=NOW + timedelta(minutes=5))
    replay_again = await push(leader, *batch, now=NOW + timedelta(hours=1))

    assert statuses(original) == [
        ("applied", 1, None), ("applied", 1, None), ("applied", 2, None), ("conflict", 2, None),
        ("applied", 2, None), ("rejected", None, "out_of_scope"), ("rejected", None, "invalid_record"),
    ]
    assert statuses(replay) == [
        ("duplicate", 1, None), ("duplicate", 1, None), ("duplicate", 2, None), ("conflict", 2, None),
        ("duplicate", 2, None), ("rejected", None, "out_of_scope"), ("rejected", None, "invalid_record"),
    ]
    assert statuses(replay_again) == statuses(replay)
    assert await store_dump() == stored


async def test_the_same_new_record_pushed_twice_at_once_is_stored_once(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], resident_ids=[world.residents["li"].id])

    results = await asyncio.gather(*(push_one(leader, record) for _ in range(3)))

    assert sorted(r.status for r in results) == ["applied", "duplicate", "duplicate"]
    assert {r.version for r in results} == {1}
    assert await Visit.all().count() == 1
    assert await VisitRevision.all().count() == 1
    assert await VisitResident.all().count() == 1
