"""The `roster_change` record: a leader proposes, the server keeps it once, the roster stays as is."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server.models import Resident, ResidentStatus, RosterChange, RosterChangeState, Visit
from tests.record_factories import NOW, new_resident_record, push, push_one, roster_record, spoiled


async def roster_dump():
    """The roster itself: what a proposal must never change."""
    return repr(await Resident.all().order_by("id").values())


async def store_dump():
    return repr((await RosterChange.all().order_by("id").values(), await roster_dump()))


async def test_a_new_resident_is_proposed_and_waits_for_the_office(world):
    leader = world.users["leader01"]
    household = world.households[0]
    roster_before = await roster_dump()
    record = new_resident_record(household, care_flags=["lives_alone", "age_80_plus", "lives_alone"])

    result = await push_one(leader, record)

    assert (result.id, result.status, result.version, result.error) == (record["id"], "applied", 1, None)
    change = await RosterChange.get(id=record["id"])
    assert (change.household_id, change.community_id, change.resident_id) == (household.id, world.community.id, None)
    assert (change.author_id, change.device_id, change.received_at) == (leader.id, "phone-1", NOW)
    assert change.kind.value == "new_resident" and change.state == RosterChangeState.PENDING
    # Nulls propose nothing; the list of flags is sorted and without repeats.
    assert change.proposed == {"birth_year": 1952, "care_flags": ["age_80_plus", "lives_alone"], "gender": "F", "name": "周小红"}
    assert change.note == "刚从外地搬来和女儿住"
    assert await roster_dump() == roster_before


@pytest.mark.parametrize("change", ["moved", "deceased"])
async def test_moved_or_deceased_names_a_resident_and_nothing_else(world, change):
    li = world.residents["li"]
    record = roster_record(world.households[0], change, resident=li, note="上个月住进养老院")
    assert (await push_one(world.users["leader01"], record)).status == "applied"
    stored = await RosterChange.get(id=record["id"])
    assert (stored.resident_id, stored.kind.value, stored.proposed) == (li.id, change, {})
    assert (await Resident.get(id=li.id)).status == ResidentStatus.ACTIVE


async def test_an_update_proposes_only_the_fields_given(world):
    wang = world.residents["wang"]
    record = roster_record(
        world.households[0], resident=wang,
        fields={"phone": " 021-6259 1234 ", "care_flags": [], "name": None, "gender": None, "birth_year": None},
    )
    assert (await push_one(world.users["leader01"], record)).status == "applied"
    stored = await RosterChange.get(id=record["id"])
    assert stored.proposed == {"care_flags": [], "phone": "021-6259 1234"}  # [] clears the flags; null proposes nothing


async def test_a_replay_is_a_duplicate_and_left_out_nulls_are_the_same_content(world):
    leader = world.users["leader01"]
    record = roster_record(world.households[0], resident=world.residents["li"], fields={"phone": "13812345678"})
    await push_one(leader, record)
    before = await store_dump()

    same = roster_record(
        world.households[0], resident=world.residents["li"], id=record["id"],
        fields={"phone": "13812345678", "name": None, "care_flags": None},
    )
    same["data"]["note"] = None
    replays = await push(leader, record, same, now=NOW + timedelta(hours=1))

    assert [(r.status, r.version) for r in replays] == [("duplicate", 1), ("duplicate", 1)]
    assert await store_dump() == before


async def test_the_same_id_with_other_content_is_id_reused(world):
    leader = world.users["leader01"]
    record = roster_record(world.households[0], resident=world.residents["li"])
    await push_one(leader, record)
    before = await store_dump()
    other = roster_record(world.households[0], "moved", resident=world.residents["li"], id=record["id"])
    result = await push_one(leader, other)
    assert (result.status, result.error.code, result.error.field) == ("rejected", "id_reused", "id")
    assert await store_dump() == before


async def test_the_same_id_and_content_from_another_leader_is_id_reused(world):
    from tests.factories import make_user

    second = await make_user("leader01b", world.users["leader01"].role, world.community, [world.groups[0]])
    record = roster_record(world.households[0], resident=world.residents["li"])
    await push_one(world.users["leader01"], record)
    assert (await push_one(second, record)).error.code == "id_reused"


async def test_a_visits_id_cannot_be_reused_for_a_proposal(world):
    from tests.office_factories import make_visit

    visit = await make_visit(world, 0)
    record = roster_record(world.households[0], resident=world.residents["li"], id=str(visit.id))
    result = await push_one(world.users["leader01"], record)
    assert result.error.code == "id_reused"
    assert await Visit.filter(id=visit.id).exists()


async def test_a_household_outside_the_leaders_groups_or_community_or_nowhere_is_out_of_scope(world):
    results = await push(
        world.users["leader01"],
        new_resident_record(world.households[3]),
        new_resident_record(world.other_household),
        new_resident_record(999999),
    )
    assert [(r.error.code, r.error.field) for r in results] == [("out_of_scope", "household_id")] * 3
    assert len({r.error.message for r in results}) == 1
    assert "住户变化" in results[0].error.message
    assert await RosterChange.all().count() == 0


async def test_a_leader_of_another_community_cannot_propose_here(world):
    result = await push_one(world.users["leader_other"], new_resident_record(world.households[0]))
    assert result.error.code == "out_of_scope"


@pytest.mark.parametrize(
    "who", ["zhang", "other", "nobody", "moved"], ids=["of another household", "of another community", "unknown", "moved away"]
)
async def test_the_resident_must_be_a_current_resident_of_that_household(world, who):
    if who == "moved":
        await Resident.filter(id=world.residents["wang"].id).update(status=ResidentStatus.MOVED)
    resident_id = {"nobody": 999999, "moved": world.residents["wang"].id}.get(who) or world.residents[who].id
    result = await push_one(world.users["leader01"], roster_record(world.households[0], "deceased", resident=resident_id))
    assert (result.status, result.error.code, result.error.field) == ("rejected", "invalid_resident", "resident_id")
    assert await RosterChange.all().count() == 0


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_only_leaders_propose(world, username):
    result = await push_one(world.users[username], new_resident_record(world.households[0]))
    assert (result.error.code, result.error.message) == ("forbidden_role", "只有楼组长可以报告住户变化。")


async def test_a_birth_year_after_this_year_is_refused(world):
    next_year = NOW.year + 1
    result = await push_one(world.users["leader01"], new_resident_record(world.households[0], birth_year=next_year))
    assert (result.error.code, result.error.field) == ("invalid_field", "fields.birth_year")


def _spoil(world, change="update", *, fields=None, **changes):
    resident = None if change == "new_resident" else world.residents["li"]
    record = (
        new_resident_record(world.households[0], **(fields or {}))
        if change == "new_resident"
        else roster_record(world.households[0], change, resident=resident, fields=fields)
    )
    return spoiled(record, **changes)


CASES = [
    ("op update", dict(top={"op": "update", "base_version": 1}), "invalid_op", "op"),
    ("an extra key in data", dict(age=80), "unknown_field", "age"),
    ("no household", dict(drop="household_id"), "missing_field", "household_id"),
    ("household as text", dict(household_id="1"), "invalid_field", "household_id"),
    ("no change", dict(drop="change"), "missing_field", "change"),
    ("change null", dict(change=None), "missing_field", "change"),
    ("change not in the list", dict(change="married"), "invalid_field", "change"),
    ("resident as text", dict(resident_id="5"), "invalid_field", "resident_id"),
    ("update without a resident", dict(resident_id=None), "missing_field", "resident_id"),
    ("update without fields", dict(fields={}), "missing_field", "fields"),
    ("update with only nulls", dict(fields={"name": None, "phone": None}), "missing_field", "fields"),
    ("fields a list", dict(fields=[]), "invalid_field", "fields"),
    ("an extra key in fields", dict(fields={"id_number": "310..."}), "unknown_field", "fields.id_number"),
    ("name empty", dict(fields={"name": "  "}), "invalid_field", "fields.name"),
    ("name too long", dict(fields={"name": "名" * 51}), "invalid_field", "fields.name"),
    ("name on two lines", dict(fields={"name": "张\n三"}), "invalid_field", "fields.name"),
    ("gender X", dict(fields={"gender": "X"}), "invalid_field", "fields.gender"),
    ("birth year as text", dict(fields={"birth_year": "1950"}), "invalid_field", "fields.birth_year"),
    ("birth year 1899", dict(fields={"birth_year": 1899}), "invalid_field", "fields.birth_year"),
    ("birth year true", dict(fields={"birth_year": True}), "invalid_field", "fields.birth_year"),
    ("phone with letters", dict(fields={"phone": "call me"}), "invalid_field", "fields.phone"),
    ("phone too long", dict(fields={"phone": "1" * 31}), "invalid_field", "fields.phone"),
    ("care flags not a list", dict(fields={"care_flags": "lives_alone"}), "invalid_field", "fields.care_flags"),
    ("an unknown care flag", dict(fields={"care_flags": ["rich"]}), "invalid_field", "fields.care_flags"),
    ("note too long", dict(note="好" * 2001), "text_too_long", "note"),
    ("note a number", dict(note=3), "invalid_field", "note"),
]
CHANGE_CASES = [
    ("new resident naming a resident", "new_resident", dict(resident_id=1), "invalid_field", "resident_id"),
    ("new resident without a name", "new_resident", dict(fields={"name": None}), "missing_field", "fields.name"),
    ("new resident without gender", "new_resident", dict(fields={"gender": None}), "missing_field", "fields.gender"),
    ("new resident without birth year", "new_resident", dict(fields={"birth_year": None}), "missing_field",
     "fields.birth_year"),
    ("moved with fields", "moved", dict(fields={"phone": "123456"}), "invalid_field", "fields"),
    ("deceased without a resident", "deceased", dict(resident_id=None, fields={}), "missing_field", "resident_id"),
]


@pytest.mark.parametrize(("spoil", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_malformed_proposal_is_rejected_with_its_code_and_field(world, spoil, code, field):
    fields = spoil.pop("fields", {"phone": "13812345678"})
    result = await push_one(world.users["leader01"], _spoil(world, fields=fields, **spoil))
    assert (result.status, result.version, result.error.code, result.error.field) == ("rejected", None, code, field)
    assert result.error.message and not result.error.message.isascii()
    assert await RosterChange.all().count() == 0


@pytest.mark.parametrize(("change", "spoil", "code", "field"), [c[1:] for c in CHANGE_CASES], ids=[c[0] for c in CHANGE_CASES])
async def test_each_kind_of_change_needs_what_it_needs(world, change, spoil, code, field):
    if change == "new_resident":
        record = new_resident_record(world.households[0], **spoil.pop("fields", {}))
    else:
        record = roster_record(world.households[0], change, resident=world.residents["li"], fields=spoil.pop("fields", {}))
    record["data"].update(spoil)
    result = await push_one(world.users["leader01"], record)
    assert (result.error.code, result.error.field) == (code, field)
    assert await RosterChange.all().count() == 0


async def test_a_batch_of_all_three_types_is_answered_in_order_and_a_replay_changes_nothing(world):
    from server.models import QuestionAnswer, VisitQuestion
    from tests.office_factories import make_question, make_visit
    from tests.record_factories import answer_record

    question = await make_question(world, await make_visit(world, 0))
    leader = world.users["leader01"]
    visit = {
        "id": "5d4f6a3e-2b1c-4a0e-9f8d-7c6b5a4e3d2c", "type": "visit", "op": "create", "base_version": None,
        "client_time": "2026-11-26T09:30:00+08:00",
        "data": {"household_id": world.households[0].id, "kind": "routine", "occurred_at": "2026-11-26T09:25:00+08:00",
                 "status": "ok"},
    }
    batch = [
        visit, answer_record(question), new_resident_record(world.households[0]),
        roster_record(world.households[3], resident=world.residents["chen"]),  # another group's
        {**answer_record(question), "type": "photo"},
    ]
    first = await push(leader, *batch)
    stored = repr((await Visit.all().values("id"), await QuestionAnswer.all().values(), await VisitQuestion.all().values(),
                   await store_dump()))
    replay = await push(leader, *batch, now=NOW + timedelta(minutes=5))

    assert [(r.status, r.error.code if r.error else None) for r in first] == [
        ("applied", None), ("applied", None), ("applied", None), ("rejected", "out_of_scope"), ("rejected", "unknown_type"),
    ]
    assert [(r.status, r.error.code if r.error else None) for r in replay] == [
        ("duplicate", None), ("duplicate", None), ("duplicate", None), ("rejected", "out_of_scope"),
        ("rejected", "unknown_type"),
    ]
    assert repr((await Visit.all().values("id"), await QuestionAnswer.all().values(), await VisitQuestion.all().values(),
                 await store_dump())) == stored


async def test_the_same_proposal_pushed_twice_at_once_is_stored_once(world):
    record = new_resident_record(world.households[0])
    results = await asyncio.gather(*(push_one(world.users["leader01"], record) for _ in range(3)))
    assert sorted(r.status for r in results) == ["applied", "duplicate", "duplicate"]
    assert await RosterChange.all().count() == 1
