"""The `answer` record: a leader answers the office's send-back question, once, within their groups."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.models import QuestionAnswer, QuestionState, VisitQuestion
from tests.office_factories import make_question, make_visit
from tests.record_factories import NOW, answer_record, push, push_one, spoiled


async def store_dump():
    answers = await QuestionAnswer.all().order_by("id").values()
    questions = await VisitQuestion.all().order_by("id").values()
    return repr((answers, questions))


@pytest.fixture
async def question(world):
    """The office asks about leader01's visit to 天山路680弄16号101室."""
    visit = await make_visit(world, 0, status="concern", notes="老人说药吃完了")
    return await make_question(world, visit)


async def test_an_answer_is_stored_and_the_question_becomes_answered(world, question):
    leader = world.users["leader01"]
    record = answer_record(question, "是降压药，女儿明天去配。")

    result = await push_one(leader, record)

    assert (result.id, result.status, result.version, result.error) == (record["id"], "applied", 1, None)
    answer = await QuestionAnswer.get(id=record["id"])
    assert (answer.question_id, answer.author_id, answer.text) == (question.id, leader.id, "是降压药，女儿明天去配。")
    assert (answer.device_id, answer.received_at) == ("phone-1", NOW)
    assert answer.client_time == datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
    stored = await VisitQuestion.get(id=question.id)
    assert (stored.state, stored.answered_at) == (QuestionState.ANSWERED, NOW)
    assert set(result.to_json()) == {"id", "status", "version"}


async def test_a_replayed_answer_is_a_duplicate_and_changes_nothing(world, question):
    leader = world.users["leader01"]
    record = answer_record(question)
    await push_one(leader, record)
    before = await store_dump()

    retry = await push_one(leader, record, now=NOW + timedelta(hours=2))

    assert (retry.status, retry.version, retry.error) == ("duplicate", 1, None)
    assert await store_dump() == before


async def test_line_breaks_and_surrounding_blanks_do_not_make_a_replay_new_content(world, question):
    leader = world.users["leader01"]
    await push_one(leader, answer_record(question, "第一行\r\n第二行", id=(same := str(uuid.uuid4()))))
    again = await push_one(leader, answer_record(question, "  第一行\n第二行 ", id=same))
    assert again.status == "duplicate"
    assert (await QuestionAnswer.get(id=same)).text == "第一行\n第二行"


async def test_the_same_id_with_other_words_is_id_reused_and_never_overwrites(world, question):
    leader = world.users["leader01"]
    record = answer_record(question, "原来的回答")
    await push_one(leader, record)
    before = await store_dump()

    result = await push_one(leader, answer_record(question, "别的回答", id=record["id"]))

    assert (result.status, result.error.code, result.error.field) == ("rejected", "id_reused", "id")
    assert await store_dump() == before


async def test_an_id_names_one_record_whatever_its_type(world, question):
    leader = world.users["leader01"]
    visit_id = str((await make_visit(world, 0)).id)
    as_answer = await push_one(leader, answer_record(question, id=visit_id))
    assert (as_answer.status, as_answer.error.code) == ("rejected", "id_reused")

    record = answer_record(question)
    await push_one(leader, record)
    from tests.record_factories import roster_record

    as_roster = await push_one(leader, roster_record(world.households[0], resident=world.residents["li"], id=record["id"]))
    assert (as_roster.status, as_roster.error.code) == ("rejected", "id_reused")
    assert await QuestionAnswer.all().count() == 1


async def test_a_second_answer_is_kept_beside_the_first(world, question):
    leader = world.users["leader01"]
    await push_one(leader, answer_record(question, "先说一句"))
    result = await push_one(leader, answer_record(question, "再补充一句"), now=NOW + timedelta(minutes=30))
    assert result.status == "applied"
    assert [a.text for a in await QuestionAnswer.filter(question_id=question.id).order_by("received_at")] == [
        "先说一句", "再补充一句"
    ]
    stored = await VisitQuestion.get(id=question.id)
    assert (stored.state, stored.answered_at) == (QuestionState.ANSWERED, NOW + timedelta(minutes=30))


async def test_an_answer_to_a_closed_question_is_still_kept_and_the_question_stays_closed(world, question):
    await VisitQuestion.filter(id=question.id).update(state=QuestionState.CLOSED)
    result = await push_one(world.users["leader01"], answer_record(question, "离线时写的"))
    assert result.status == "applied"
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.CLOSED
    assert await QuestionAnswer.filter(question_id=question.id, text="离线时写的").exists()


async def test_any_leader_of_the_households_group_answers_not_only_the_visits_author(world):
    # leader02 stood in for leader01 and logged a visit in group 1: the question is for group 1.
    visit = await make_visit(world, 0, author="leader02")
    question = await make_question(world, visit)
    assert (await push_one(world.users["leader01"], answer_record(question))).status == "applied"
    stand_in = await push_one(world.users["leader02"], answer_record(question))
    assert (stand_in.error.code, stand_in.error.field) == ("out_of_scope", "question_id")


async def test_a_question_outside_the_leaders_groups_or_community_or_nowhere_is_out_of_scope(world):
    other_group = await make_question(world, await make_visit(world, 3))
    foreign_visit = await make_visit(world, household=world.other_household, author="leader_other")
    foreign = await make_question(world, foreign_visit, asked_by="office_other")
    results = await push(
        world.users["leader01"], answer_record(other_group), answer_record(foreign), answer_record(999999)
    )
    assert [(r.status, r.error.code, r.error.field) for r in results] == [
        ("rejected", "out_of_scope", "question_id")
    ] * 3
    # The same words whether the question is someone else's or does not exist at all.
    assert len({r.error.message for r in results}) == 1
    assert await QuestionAnswer.all().count() == 0
    assert (await VisitQuestion.get(id=other_group.id)).state == QuestionState.OPEN


async def test_a_leader_of_another_community_cannot_answer_here(world, question):
    result = await push_one(world.users["leader_other"], answer_record(question))
    assert result.error.code == "out_of_scope"


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_only_leaders_answer(world, question, username):
    result = await push_one(world.users[username], answer_record(question))
    assert (result.status, result.error.code) == ("rejected", "forbidden_role")
    assert "回答" in result.error.message
    assert await QuestionAnswer.all().count() == 0


def _spoiled(question, **changes):
    return spoiled(answer_record(question), **changes)


CASES = [
    ("op update", dict(top={"op": "update", "base_version": 1}), "invalid_op", "op"),
    ("base_version on create", dict(top={"base_version": 1}), "invalid_field", "base_version"),
    ("an extra key in data", dict(photo="x.jpg"), "unknown_field", "photo"),
    ("no question", dict(drop="question_id"), "missing_field", "question_id"),
    ("question as text", dict(question_id="7"), "invalid_field", "question_id"),
    ("question zero", dict(question_id=0), "invalid_field", "question_id"),
    ("no text", dict(drop="text"), "missing_field", "text"),
    ("text null", dict(text=None), "missing_field", "text"),
    ("text blank", dict(text="  \n "), "missing_field", "text"),
    ("text a number", dict(text=5), "invalid_field", "text"),
    ("text with NUL", dict(text="a\x00b"), "invalid_field", "text"),
    ("text too long", dict(text="好" * 2001), "text_too_long", "text"),
    ("client_time without zone", dict(top={"client_time": "2026-11-26T10:00:00"}), "invalid_field", "client_time"),
]


@pytest.mark.parametrize(("spoil", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_malformed_answer_is_rejected_with_its_code_and_field(world, question, spoil, code, field):
    result = await push_one(world.users["leader01"], _spoiled(question, **spoil))
    assert (result.status, result.version, result.error.code, result.error.field) == ("rejected", None, code, field)
    assert result.error.message and not result.error.message.isascii()
    assert await QuestionAnswer.all().count() == 0
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.OPEN


async def test_an_answer_may_have_2000_characters(world, question):
    assert (await push_one(world.users["leader01"], answer_record(question, "好" * 2000))).status == "applied"


async def test_the_same_answer_pushed_twice_at_once_is_stored_once(world, question):
    record = answer_record(question)
    results = await asyncio.gather(*(push_one(world.users["leader01"], record) for _ in range(3)))
    assert sorted(r.status for r in results) == ["applied", "duplicate", "duplicate"]
    assert await QuestionAnswer.all().count() == 1
