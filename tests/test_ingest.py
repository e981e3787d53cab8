"""The ingest: every pushed record is applied once, checked strictly, and answered on its own."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.models import ResidentStatus, ReviewState, Visit, VisitResident, VisitRevision
from server.ingest import apply_records

NOW = datetime(2026, 11, 26, 1, 31, 2, tzinfo=timezone.utc)
SHANGHAI_MORNING = "2026-11-26T09:25:00+08:00"  # 01:25 UTC, six minutes before NOW


def visit_record(household, *, id=None, **data_changes):
    """A record as the phone sends it: a visit to `household` this morning, all well."""
    data = {
        "household_id": household.id,
        "resident_ids": [],
        "kind": "routine",
        "occurred_at": SHANGHAI_MORNING,
        "status": "ok",
        "notes": "精神很好",
        "follow_up_needed": False,
        "follow_up_due": None,
    }
    data.update(data_changes)
    return {
        "id": id or str(uuid.uuid4()),
        "type": "visit",
        "op": "create",
        "base_version": None,
        "client_time": "2026-11-26T09:30:00+08:00",
        "data": data,
    }


def update_of(record, base_version, **data_changes):
    return {**record, "op": "update", "base_version": base_version, "data": {**record["data"], **data_changes}}


async def push(user, *records, now=NOW, device_id="phone-1"):
    return await apply_records(list(records), user=user, device_id=device_id, now=now)


async def push_one(user, record, **kw):
    (result,) = await push(user, record, **kw)
    return result


def statuses(results):
    return [(r.status, r.version, r.error.code if r.error else None) for r in results]


async def store_dump():
    """Every stored row of the ingest's tables, in a fixed order, as text."""
    visits = await Visit.all().order_by("id").values()
    revisions = await VisitRevision.all().order_by("id").values()
    seen = await VisitResident.all().order_by("id").values()
    return repr((visits, revisions, seen))


# --- applied -------------------------------------------------------------------------------


async def test_a_new_visit_is_stored_with_version_1_its_residents_and_its_revision(world):
    leader = world.users["leader01"]
    household = world.households[0]
    li, wang = world.residents["li"], world.residents["wang"]
    record = visit_record(household, resident_ids=[wang.id, li.id], kind="elderly_check")

    result = await push_one(leader, record)

    assert (result.id, result.status, result.version, result.error) == (record["id"], "applied", 1, None)
    visit = await Visit.get(id=record["id"])
    assert visit.household_id == household.id and visit.community_id == world.community.id
    assert visit.author_id == leader.id and visit.device_id == "phone-1"
    assert visit.occurred_at == datetime(2026, 11, 26, 1, 25, tzinfo=timezone.utc)
    assert visit.received_at == NOW
    assert visit.client_time == datetime(2026, 11, 26, 1, 30, tzinfo=timezone.utc)
    assert visit.resident_ids == sorted([li.id, wang.id])
    assert (visit.version, visit.withdrawn, visit.has_conflict) == (1, False, False)
    seen = await VisitResident.filter(visit_id=visit.id).order_by("resident_id")
    assert [(s.resident_id, s.occurred_at, s.kind.value) for s in seen] == [
        (rid, visit.occurred_at, "elderly_check") for rid in sorted([li.id, wang.id])
    ]
    (revision,) = await VisitRevision.filter(visit_id=visit.id)
    assert (revision.op, revision.version, revision.outcome, revision.base_version) == ("create", 1, "applied", None)
    assert revision.content_hash == visit.content_hash
    assert revision.data["occurred_at"] == "2026-11-26T01:25:00Z"
    assert revision.data["resident_ids"] == sorted([li.id, wang.id])


async def test_result_json_has_id_status_version_and_an_error_only_when_rejected(world):
    household = world.households[0]
    applied, rejected = await push(
        world.users["leader01"], visit_record(household), visit_record(household, kind="gossip")
    )
    assert set(applied.to_json()) == {"id", "status", "version"}
    assert rejected.to_json()["error"] == {
        "code": "invalid_field", "message": rejected.error.message, "field": "kind"
    }
    assert rejected.to_json()["version"] is None


async def test_times_are_stored_in_utc_whatever_offset_the_phone_used(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], occurred_at="2026-11-26T09:25:00+08:00")
    assert (await push_one(leader, record)).status == "applied"

    # The same instant written in UTC is the same content: a retry, not a new entry.
    same_instant = {**record, "data": {**record["data"], "occurred_at": "2026-11-26T01:25:00Z"}}
    assert (await push_one(leader, same_instant)).status == "duplicate"
    visit = await Visit.get(id=record["id"])
    assert visit.occurred_at.utcoffset() == timedelta(0)
    assert visit.occurred_at == datetime(2026, 11, 26, 1, 25, tzinfo=timezone.utc)


async def test_a_time_without_time_zone_is_refused(world):
    no_zone = visit_record(world.households[0], occurred_at="2026-11-26T09:25:00")
    result = await push_one(world.users["leader01"], no_zone)
    assert (result.status, result.error.code, result.error.field) == ("rejected", "invalid_field", "occurred_at")
    assert "时区" in result.error.message
    assert await Visit.all().count() == 0


async def test_create_and_update_of_one_visit_in_the_same_batch(world):
    record = visit_record(world.households[0])
    results = await push(world.users["leader01"], record, update_of(record, 1, status="concern"))
    assert statuses(results) == [("applied", 1, None), ("applied", 2, None)]
    assert (await Visit.get(id=record["id"])).status.value == "concern"


async def test_an_update_replaces_what_the_leader_wrote_and_leaves_the_offices_fields_alone(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], resident_ids=[world.residents["li"].id])
    await push(leader, record)
    await Visit.filter(id=record["id"]).update(review_state=ReviewState.ACKNOWLEDGED)

    wrong_flat_corrected = update_of(
        record, 1, household_id=world.households[1].id, resident_ids=[world.residents["zhao"].id], notes="记错门牌了"
    )
    result = await push_one(leader, wrong_flat_corrected, now=NOW + timedelta(hours=2), device_id="phone-2")

    assert (result.status, result.version) == ("applied", 2)
    visit = await Visit.get(id=record["id"])
    assert (visit.household_id, visit.notes, visit.device_id) == (world.households[1].id, "记错门牌了", "phone-2")
    assert visit.review_state == ReviewState.ACKNOWLEDGED  # the office's, not the phone's
    assert visit.received_at == NOW  # when the visit first reached the server
    seen = await VisitResident.filter(visit_id=visit.id).values_list("resident_id", flat=True)
    assert list(seen) == [world.residents["zhao"].id]


# --- duplicate -----------------------------------------------------------------------------


async def test_a_retried_create_is_a_duplicate_and_changes_nothing(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], resident_ids=[world.residents["li"].id])
    await push_one(leader, record)
    before = await store_dump()

    retry = await push_one(leader, record, now=NOW + timedelta(hours=3), device_id="phone-1")

    assert (retry.id, retry.status, retry.version, retry.error) == (record["id"], "duplicate", 1, None)
    assert await store_dump() == before


async def test_a_create_retried_after_later_updates_is_still_a_duplicate_of_version_1(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    await push(leader, record, update_of(record, 1, notes="改过了"))
    assert statuses([await push_one(leader, record)]) == [("duplicate", 1, None)]


async def test_a_retried_update_is_a_duplicate_with_the_version_it_made(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    update = update_of(record, 1, status="urgent", notes="需要上门看看")
    await push(leader, record, update)
    await push(leader, update_of(record, 2, notes="第三版"))
    before = await store_dump()

    assert statuses([await push_one(leader, update)]) == [("duplicate", 2, None)]
    assert await store_dump() == before
    assert (await Visit.get(id=record["id"])).notes == "第三版"


# --- conflict ------------------------------------------------------------------------------


async def test_an_update_made_from_an_older_version_is_kept_aside_as_a_conflict(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    from_first_phone = update_of(record, 1, notes="第一台手机改的")
    from_second_phone = update_of(record, 1, notes="第二台手机改的", status="concern")
    await push(leader, record, from_first_phone)

    result = await push_one(leader, from_second_phone, device_id="phone-2")

    assert (result.status, result.version, result.error) == ("conflict", 2, None)
    visit = await Visit.get(id=record["id"])
    assert (visit.notes, visit.status.value, visit.version, visit.has_conflict) == ("第一台手机改的", "ok", 2, True)
    conflict = await VisitRevision.filter(visit_id=visit.id, outcome="conflict").get()
    assert (conflict.base_version, conflict.version, conflict.device_id) == (1, 2, "phone-2")
    assert conflict.data["notes"] == "第二台手机改的"


async def test_a_replayed_conflict_answers_conflict_again_and_stores_nothing_more(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    stale = update_of(record, 1, notes="旧版本上改的")
    await push(leader, record, update_of(record, 1, notes="新的"), stale)
    await push(leader, update_of(record, 2, notes="又改了"))  # version 3 now
    before = await store_dump()

    assert statuses([await push_one(leader, stale)]) == [("conflict", 2, None)]
    assert await store_dump() == before


async def test_phones_updating_the_same_version_at_once_give_one_applied_and_the_rest_conflicts(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    await push(leader, record)

    results = await asyncio.gather(*(push_one(leader, update_of(record, 1, notes=f"手机{n}")) for n in range(4)))

    assert sorted(r.status for r in results) == ["applied", "conflict", "conflict", "conflict"]
    assert {r.version for r in results} == {2}
    visit = await Visit.get(id=record["id"])
    assert visit.version == 2 and visit.has_conflict
    assert await VisitRevision.filter(visit_id=visit.id, outcome="conflict").count() == 3


# --- withdrawal ----------------------------------------------------------------------------


async def test_the_author_withdraws_a_mistaken_visit_which_is_kept(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], resident_ids=[world.residents["li"].id])
    await push(leader, record)

    result = await push_one(leader, update_of(record, 1, withdrawn=True))

    assert (result.status, result.version) == ("applied", 2)
    visit = await Visit.get(id=record["id"])
    assert visit.withdrawn and visit.notes == "精神很好"
    assert await VisitRevision.filter(visit_id=visit.id).count() == 2


async def test_a_new_visit_cannot_start_out_withdrawn(world):
    result = await push_one(world.users["leader01"], visit_record(world.households[0], withdrawn=True))
    assert (result.error.code, result.error.field) == ("invalid_field", "withdrawn")
    explicit_false = await push_one(world.users["leader01"], visit_record(world.households[0], withdrawn=False))
    assert explicit_false.status == "applied"


async def test_an_old_visit_can_still_be_withdrawn_even_after_a_year(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0])
    await push(leader, record)
    much_later = NOW + timedelta(days=400)
    assert (await push_one(leader, update_of(record, 1, withdrawn=True), now=much_later)).status == "applied"


async def test_a_visit_to_someone_who_has_since_moved_can_still_be_corrected(world):
    leader = world.users["leader01"]
    li = world.residents["li"]
    record = visit_record(world.households[0], resident_ids=[li.id])
    await push(leader, record)
    li.status = ResidentStatus.MOVED
    await li.save()

    assert (await push_one(leader, update_of(record, 1, notes="补充"))).status == "applied"
    assert (await push_one(leader, visit_record(world.households[0], resident_ids=[li.id]))).error.code == (
        "invalid_resident"
    )


# --- rejected: identity, scope, authorship -------------------------------------------------


async def test_a_create_reusing_an_id_with_other_content_is_rejected_and_never_overwrites(world):
    leader = world.users["leader01"]
    record = visit_record(world.households[0], notes="原来的")
    await push(leader, record)
    before = await store_dump()

    reused = {**record, "data": {**record["data"], "notes": "别的内容"}}
    result = await push_one(leader, reused)

    assert (result.status, result.error.code, result.error.field) == ("rejected", "id_reused", "id")
    assert await store_dump() == before


async def test_the_same_id_and_content_from_another_leader_is_id_reused_not_a_duplicate(world):
    record = visit_record(world.households[0])
    await push(world.users["leader01"], record)
    result = await push_one(world.users["leader02"], record)
    assert result.error.code == "id_reused"


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_only_leaders_write_visits(world, username):
    result = await push_one(world.users[username], visit_record(world.households[0]))
    assert (result.status, result.error.code) == ("rejected", "forbidden_role")
    assert await Visit.all().count() == 0


async def test_a_household_outside_the_leaders_groups_or_community_or_nowhere_is_out_of_scope(world):
    leader = world.users["leader01"]
    other_group = world.households[3]
    results = await push(
        leader,
        visit_record(other_group),
        visit_record(world.other_household),
        visit_record(world.households[0], household_id=999999),
    )
    assert [r.error.code for r in results] == ["out_of_scope"] * 3
    assert {r.error.field for r in results} == {"household_id"}
    # The same words whether the household is someone else's or does not exist at all.
    assert len({r.error.message for r in results}) == 1
    assert await Visit.all().count() == 0


async def test_a_leader_of_another_community_cannot_reach_this_one(world):
    result = await push_one(world.users["leader_other"], visit_record(world.households[0]))
    assert result.error.code == "out_of_scope"


async def test_residents_must_be_current_residents_of_that_household(world):
    leader = world.users["leader01"]
    household = world.households[0]
    zhang_lives_elsewhere = world.residents["zhang"]  # households[2]
    result = await push_one(leader, visit_record(household, resident_ids=[zhang_lives_elsewhere.id]))
    assert (result.error.code, result.error.field) == ("invalid_resident", "resident_ids")
    nobody = await push_one(leader, visit_record(household, resident_ids=[999999]))
    assert nobody.error.code == "invalid_resident"


async def test_an_update_of_an_unknown_visit_is_not_found(world):
    result = await push_one(world.users["leader01"], update_of(visit_record(world.households[0]), 1))
    assert (result.error.code, result.error.field) == ("not_found", "id")


async def test_only_the_author_updates_a_visit(world):
    record = visit_record(world.households[0])
    await push(world.users["leader01"], record)
    result = await push_one(world.users["leader02"], update_of(record, 1, notes="别人改的"))
    assert result.error.code == "not_author"
    assert (await Visit.get(id=record["id"])).version == 1


async def test_a_visit_of_another_community_is_not_found_rather_than_someone_elses(world):
    record = visit_record(world.households[0])
    await push(world.users["leader01"], record)
    result = await push_one(world.users["leader_other"], update_of(record, 1))
    assert result.error.code == "not_found"


async def test_an_update_may_not_move_a_visit_out_of_the_leaders_groups(world):
    record = visit_record(world.households[0])
    await push(world.users["leader01"], record)
    result = await push_one(world.users["leader01"], update_of(record, 1, household_id=world.households[3].id))
    assert (result.error.code, result.error.field) == ("out_of_scope", "household_id")
