"""Send back (需补充): the office asks the leader about a visit, the leader answers from the phone
(HTML form or the outbox's push), the office reads the answer on the same visit and closes it."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from server.models import AuditEvent, QuestionAnswer, QuestionState, Visit, VisitQuestion, VisitReviewEvent
from tests.factories import api_login
from tests.office_factories import make_question, make_visit
from tests.page_text import outbox_form, text_of
from tests.record_factories import answer_record

QUESTION = "您记录说老人药吃完了，是哪种药？家里有人去配吗？"
ANSWER = "是降压药，女儿周六去社区医院配。"


async def leader_fields(visit_id):
    v = await Visit.get(id=visit_id)
    return (v.kind, v.status, v.notes, v.occurred_at, v.version, v.content_hash, v.review_state)


@pytest.fixture
async def people(world, clients):
    return await clients.login_all("office", "leader01", "leader02", "office_other"), clients.csrf


async def test_the_office_sends_a_visit_back_with_a_question(client, world):
    visit = await make_visit(world, 0, status="concern", notes="老人说药吃完了")
    before = await leader_fields(visit.id)
    token = await api_login(client, "office")

    response = await client.post(f"/office/visits/{visit.id}/send-back", data={"_csrf": token, "question": QUESTION})

    assert response.status_code == 303
    assert response.headers["location"] == f"/office/visits/{visit.id}?saved=send_back#send-back"
    question = await VisitQuestion.get(visit_id=visit.id)
    assert (question.question, question.state, question.asked_by_id) == (QUESTION, QuestionState.OPEN, world.users["office"].id)
    assert question.community_id == world.community.id
    event = await VisitReviewEvent.get(visit_id=visit.id)
    assert (event.kind, event.comment, event.detail) == ("send_back", QUESTION, {"question_id": question.id})
    assert event.actor_id == world.users["office"].id
    audit = await AuditEvent.get(action="visit_sent_back")
    assert (audit.target_id, audit.detail["question_id"], audit.community_id) == (str(visit.id), question.id, world.community.id)
    assert await leader_fields(visit.id) == before  # sending back changes nothing the leader wrote

    page = text_of((await client.get(response.headers["location"])).text)
    assert "已退回楼组长补充" in page and QUESTION in page and "等待楼组长回答" in page
    assert "楼组长还没有回答" in page and "退回楼组长补充" in page  # the history says it too


@pytest.mark.parametrize("question, message", [("", "请写下要问楼组长的问题。"), ("  \n ", "请写下要问楼组长的问题。"),
                                               ("问" * 2001, "问题最多 2000 个字。")])
async def test_an_empty_or_too_long_question_is_refused_and_nothing_is_stored(client, world, question, message):
    visit = await make_visit(world, 0)
    token = await api_login(client, "office")
    response = await client.post(f"/office/visits/{visit.id}/send-back", data={"_csrf": token, "question": question})
    assert response.status_code == 400
    assert message in response.text and 'id="error-question"' in response.text
    assert await VisitQuestion.all().count() == 0 and await VisitReviewEvent.all().count() == 0
    assert not await AuditEvent.filter(action="visit_sent_back").exists()
    if question.strip():
        assert f">{question}</textarea>" in response.text  # what was typed is kept


async def test_round_trip_through_the_html_forms(world, people):
    clients, csrf = people
    office, leader = clients["office"], clients["leader01"]
    visit = await make_visit(world, 2, status="concern", notes="老人说药吃完了")  # 503, 张桂英
    household = world.households[2]
    await office.post(f"/office/visits/{visit.id}/send-back", data={"_csrf": csrf["office"], "question": QUESTION})
    question = await VisitQuestion.get()

    # The leader's home shows the question at the top, linking to the household page.
    home = (await leader.get("/")).text
    asked = home[home.index("办公室想了解"):home.index("今天该看望的老人")]
    assert QUESTION in asked and household.address in asked
    assert f'href="/households/{household.id}#question-{question.id}"' in asked
    assert visit.occurred_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d") in asked

    # The household page has the answer form, written to the outbox's contract.
    page = (await leader.get(f"/households/{household.id}")).text
    form = outbox_form(page, "answer-form", action=f"/questions/{question.id}/answer", record="answer",
                       csrf=csrf["leader01"], about=("question", question.id))
    assert 'name="text"' in form and "<textarea" in form

    answered = await leader.post(f"/questions/{question.id}/answer", data={"_csrf": csrf["leader01"], "id": "", "text": ANSWER})
    assert answered.status_code == 303
    assert answered.headers["location"] == f"/households/{household.id}?answered={question.id}#question-{question.id}"
    after = text_of((await leader.get(answered.headers["location"])).text)
    assert "已把回答发给居委会" in after and ANSWER in after and "已回答，等居委会查看" in after
    assert "办公室想了解" not in text_of((await leader.get("/")).text)  # nothing open any more

    # The office sees the answer on the same visit, in its history, and on the dashboard.
    visit_page = (await office.get(f"/office/visits/{visit.id}")).text
    assert ANSWER in text_of(visit_page) and "楼组长已回答" in visit_page
    history = text_of(visit_page[visit_page.index("记录经过"):])
    assert "王秀英 楼组长回答了补充问题" in history and ANSWER in history
    dashboard = (await office.get("/office")).text
    answered_list = text_of(dashboard[dashboard.index("楼组长已回答，待查看（1）"):dashboard.index("list-head")])
    assert household.address in answered_list and ANSWER[:10] in answered_list
    assert "已补充" in dashboard

    # Reading the answer closes the question; the leader's page no longer shows it.
    closed = await office.post(f"/office/questions/{question.id}/close", data={"_csrf": csrf["office"]})
    assert closed.status_code == 303
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.CLOSED
    closing = await VisitReviewEvent.get(kind="question_closed", visit_id=visit.id)
    assert (closing.actor_id, closing.detail) == (world.users["office"].id, {"question_id": question.id, "was": "answered"})
    assert await AuditEvent.filter(action="question_closed", target_id=str(visit.id)).exists()
    assert "办公室想了解" not in (await leader.get(f"/households/{household.id}")).text
    again = await office.post(f"/office/questions/{question.id}/close", data={"_csrf": csrf["office"]})
    assert again.status_code == 400 and "这个问题已经关闭了。" in again.text


async def test_round_trip_through_the_sync_push(world, people):
    clients, csrf = people
    office, leader = clients["office"], clients["leader01"]
    visit = await make_visit(world, 0)
    await office.post(f"/office/visits/{visit.id}/send-back", data={"_csrf": csrf["office"], "question": QUESTION})
    question = await VisitQuestion.get()
    record = answer_record(question, ANSWER)
    push = {"protocol": 1, "device_id": "phone-of-leader01", "records": [record]}

    first = await leader.post("/api/sync/push", json=push, headers={"X-CSRFToken": csrf["leader01"]})
    retry = await leader.post("/api/sync/push", json=push, headers={"X-CSRFToken": csrf["leader01"]})

    assert first.json()["results"] == [{"id": record["id"], "status": "applied", "version": 1}]
    assert retry.json()["results"] == [{"id": record["id"], "status": "duplicate", "version": 1}]
    assert await QuestionAnswer.all().count() == 1
    assert (await QuestionAnswer.get()).device_id == "phone-of-leader01"
    assert ANSWER in (await office.get(f"/office/visits/{visit.id}")).text


async def test_the_dashboard_shows_what_waits_for_an_answer(client, world):
    waiting = await make_visit(world, 0)
    await make_question(world, waiting, "这位老人住院了吗？")
    quiet = await make_visit(world, 1)
    closed = await make_visit(world, 3)
    await make_question(world, closed, "已经不用问了", state="closed")
    await api_login(client, "office")
    html = (await client.get("/office")).text
    waiting_list = text_of(html[html.index("等待楼组长回答（1）"):html.index("楼组长已回答，待查看（0）")])
    assert "这位老人住院了吗？" in waiting_list and world.households[0].address in waiting_list
    assert "已经不用问了" not in html

    def row_of(visit) -> str:
        rows = re.findall(r'<tr class="row-[^"]*">.*?</tr>', html, re.S)
        return next(row for row in rows if f"/office/visits/{visit.id}" in row)

    assert "待补充" in row_of(waiting)
    assert "待补充" not in row_of(quiet) and "已补充" not in row_of(quiet)
    assert "待补充" not in row_of(closed)


async def test_no_dashboard_panel_when_nothing_was_sent_back(client, world):
    await make_visit(world, 0)
    await api_login(client, "office")
    assert 'id="send-backs"' not in (await client.get("/office")).text


async def test_another_community_never_sees_or_touches_the_question(world, people):
    clients, csrf = people
    visit = await make_visit(world, 0)
    question = await make_question(world, visit, QUESTION)
    await QuestionAnswer.create(
        id=answer_record(question)["id"], question=question, author=world.users["leader01"], text=ANSWER,
        received_at=visit.received_at, content_hash="0" * 64,
    )
    other = clients["office_other"]
    assert (await other.get(f"/office/visits/{visit.id}")).status_code == 404
    assert QUESTION not in (await other.get("/office")).text
    refused = await other.post(f"/office/visits/{visit.id}/send-back", data={"_csrf": csrf["office_other"], "question": "?"})
    assert refused.status_code == 404
    assert (await other.post(f"/office/questions/{question.id}/close", data={"_csrf": csrf["office_other"]})).status_code == 404
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.OPEN
    assert await VisitQuestion.all().count() == 1


async def test_a_leader_of_another_group_never_sees_or_answers_the_question(world, people):
    clients, csrf = people
    question = await make_question(world, await make_visit(world, 0), QUESTION)
    leader02 = clients["leader02"]
    assert QUESTION not in (await leader02.get("/")).text
    response = await leader02.post(f"/questions/{question.id}/answer", data={"_csrf": csrf["leader02"], "text": ANSWER})
    assert response.status_code == 404
    missing = await leader02.post("/questions/999999/answer", data={"_csrf": csrf["leader02"], "text": ANSWER})
    assert missing.status_code == 404
    assert await QuestionAnswer.all().count() == 0


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_staff_cannot_answer_through_the_leaders_form(client, world, username):
    question = await make_question(world, await make_visit(world, 0))
    token = await api_login(client, username)
    response = await client.post(f"/questions/{question.id}/answer", data={"_csrf": token, "text": ANSWER})
    assert response.status_code == 403
    assert await QuestionAnswer.all().count() == 0


BAD_ANSWERS = [
    ("empty", "", 422, "回答是空的"),
    ("blank", "   ", 422, "回答是空的"),
    ("too long", "好" * 2001, 422, "最多 2000 个字"),
]


@pytest.mark.parametrize("what, text, status, message", BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS])
async def test_a_bad_answer_is_shown_next_to_its_field_and_nothing_is_stored(client, world, what, text, status, message):
    question = await make_question(world, await make_visit(world, 0))
    token = await api_login(client, "leader01")
    response = await client.post(f"/questions/{question.id}/answer", data={"_csrf": token, "id": "", "text": text})
    assert response.status_code == status
    error = re.search(rf'<p class="field-error" id="error-answer-{question.id}">(.*?)</p>', response.text, re.S)
    assert error and message in text_of(error.group(1))
    assert 'aria-invalid="true"' in response.text and 'role="alert"' in response.text
    if text.strip():
        assert f">{text}</textarea>" in response.text
    assert await QuestionAnswer.all().count() == 0
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.OPEN


async def test_an_answer_id_from_the_phone_is_kept_and_a_resend_is_no_duplicate(client, world):
    question = await make_question(world, await make_visit(world, 0))
    token = await api_login(client, "leader01")
    record_id = "0b8f7f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    form = {"_csrf": token, "id": record_id, "text": ANSWER}
    first = await client.post(f"/questions/{question.id}/answer", data=form)
    second = await client.post(f"/questions/{question.id}/answer", data=form)
    assert first.status_code == second.status_code == 303
    assert [str(a.id) for a in await QuestionAnswer.all()] == [record_id]
    bad_id = await client.post(f"/questions/{question.id}/answer", data={**form, "id": "not-a-uuid"})
    assert bad_id.status_code == 400 and "记录编号无法识别" in bad_id.text


async def test_a_refused_answer_to_a_closed_question_still_shows_its_error(client, world):
    # A page kept on the phone may still offer a question the office has closed since.
    question = await make_question(world, await make_visit(world, 0), state="closed")
    token = await api_login(client, "leader01")
    response = await client.post(f"/questions/{question.id}/answer", data={"_csrf": token, "text": " "})
    assert response.status_code == 422
    assert f'id="error-answer-{question.id}"' in response.text and "回答是空的" in response.text
    accepted = await client.post(f"/questions/{question.id}/answer", data={"_csrf": token, "text": ANSWER})
    assert accepted.status_code == 303  # the leader's words are kept even so
    assert (await VisitQuestion.get(id=question.id)).state == QuestionState.CLOSED


async def test_a_broken_answered_parameter_is_ignored(client, world):
    await api_login(client, "leader01")
    response = await client.get(f"/households/{world.households[0].id}?answered=abc&reported=xyz")
    assert response.status_code == 200
    assert "answered-message" not in response.text and "reported-message" not in response.text
