"""Send back (需补充) and roster proposals through the phone's outbox: the office asks about a
visit, the leader's phone shows the question after a sync — offline too — the leader answers
with no signal, and the answer reaches the office with no reload; a new resident reported with
no signal reaches the office's roster queue. Rejected entries of these types stay in sight with
the server's words until corrected."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from litestar.datastructures import MultiDict
from playwright.async_api import Browser, Page, expect

from server.core.forms import read_typed
from server.leader.roster_form import ROSTER_SPEC
from server.models import QuestionAnswer, RosterChange, VisitQuestion
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    LAPTOP,
    counted_server,
    expect_pending,
    go_offline,
    handset,
    leader_page,
    log_in_ready,
    outbox,
    outbox_emptied,
    skip_phone_checks,
    sync_with_button,
    until_kept,
)
from tests.office_factories import make_visit

# A corrected entry saved online may be uploaded, and its message turned into the upload's words
# (web/static/js/status.js renderSaved), before the check looks: either says it was saved.
CORRECTED = re.compile("已改好，保存在手机上|已保存，已上传到居委会")
QUESTION = "老人说药吃完了，是哪种药？"
ANSWER = "是降压药，女儿周六去配。"


@pytest.fixture
async def office(browser: Browser, live_server: str, world) -> Page:
    """The committee office on its laptop (its own server process, same store as the phone's)."""
    context = await browser.new_context(base_url=live_server, **LAPTOP)
    page = await context.new_page()
    await log_in(page, "office")
    yield page
    await context.close()


async def send_back(office: Page, visit_id, question: str = QUESTION) -> VisitQuestion:
    await office.goto(f"/office/visits/{visit_id}")
    await office.get_by_label("要问楼组长的问题").fill(question)
    await office.get_by_role("button", name="退回楼组长补充").click()
    await office.wait_for_url("**saved=send_back**")
    return await VisitQuestion.get(visit_id=visit_id, question=question)


async def answer(page: Page, question_id: int, text: str) -> None:
    form = page.locator(f'form[data-outbox-form="answer"][data-question-id="{question_id}"]')
    await form.get_by_role("textbox").fill(text)
    await form.get_by_role("button", name="把回答发给居委会").click()


async def test_the_office_asks_and_the_leader_answers_offline(leader_page, handset, office, world, counted_server):
    page = leader_page
    household = world.households[2]
    visit = await make_visit(world, 2, datetime.now(timezone.utc) - timedelta(hours=2), status="concern", notes="药吃完了")
    await log_in_ready(page, "leader01", world.users["leader01"].id)

    question = await send_back(office, visit.id)
    await sync_with_button(page)
    for path in ("/", f"/households/{household.id}"):
        await until_kept(page, path, QUESTION)

    # After that sync the phone shows the question even with no signal: home, then the household.
    before = await go_offline(handset, counted_server)
    await page.goto("/")
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    asked = page.locator(f'.office-questions [data-question-id="{question.id}"]')
    await expect(asked).to_contain_text(QUESTION)
    await expect(asked).to_contain_text(household.address)
    await asked.get_by_role("link").click()
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    item = page.locator(f"#question-{question.id}")
    await expect(item).to_contain_text(QUESTION)

    await answer(page, question.id, ANSWER)
    await expect(item.get_by_text("已保存在手机上，有信号时自动上传")).to_be_visible()
    waiting = item.locator("[data-answer-entries] .entry-waiting")
    await expect(waiting).to_contain_text("回复办公室的问题")
    await expect(waiting).to_contain_text(ANSWER)
    await expect_pending(page, 1)
    await page.reload()
    await expect(waiting).to_contain_text(ANSWER)
    await page.goto("/")
    await expect(asked.locator(".entry-waiting")).to_contain_text(ANSWER)
    await page.goto("/phone")
    await expect(page.locator("[data-waiting-list] .entry-waiting")).to_contain_text(QUESTION)
    assert await counted_server.requests() == before, "an offline phone sends nothing"
    [entry] = await outbox(page)
    assert entry["record"]["type"] == "answer" and entry["record"]["op"] == "create"
    assert entry["record"]["data"] == {"question_id": question.id, "text": ANSWER}

    # The signal returns: the answer goes up by itself, and the office reads it on the visit.
    await handset.set_offline(False)
    await expect_pending(page, 0)
    stored = await QuestionAnswer.get(question_id=question.id)
    assert str(stored.id) == entry["id"] and stored.text == ANSWER
    await until_kept(page, f"/households/{household.id}", ANSWER)  # offline later, the answer shows as sent
    await office.goto(f"/office/visits/{visit.id}")
    await expect(office.locator(f"#send-back #question-{question.id}")).to_contain_text(ANSWER)


async def test_a_new_resident_reported_offline_reaches_the_office(leader_page, handset, office, world, counted_server):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    before = await go_offline(handset, counted_server)
    await page.goto(f"/households/{household.id}")
    await page.get_by_role("link", name="报告住户变化").click()
    await page.wait_for_url(f"**/households/{household.id}/roster")
    await expect(page.locator("[data-offline-banner]")).to_be_visible()

    form = page.locator('form[data-outbox-form="roster_change"]')
    await form.get_by_label("新来了一位居民").check()
    await form.get_by_label("新居民（不在名单上）").check()
    await form.get_by_label("姓名").fill("周小红")
    await form.get_by_label("性别").select_option("F")
    await form.get_by_label("出生年份（例如 1948）").fill("1952")
    await form.get_by_label("独居").check()
    posted = await form.evaluate("f => [...new FormData(f)].map(([k, v]) => [k, String(v)])")
    await form.get_by_role("button", name="报告给居委会").click()
    await expect(page.get_by_text("已保存在手机上，有信号时自动上传")).to_be_visible()

    # The phone typed the record exactly as the server types the same form posted without JS.
    [entry] = await outbox(page)
    assert entry["record"]["type"] == "roster_change"
    assert entry["record"]["data"] == read_typed(MultiDict(posted), ROSTER_SPEC).data == {
        "household_id": household.id, "change": "new_resident", "resident_id": None,
        "fields": {"name": "周小红", "gender": "F", "birth_year": 1952, "phone": None, "care_flags": ["lives_alone"]},
        "note": None,
    }

    await page.goto(f"/households/{household.id}")
    proposal = page.locator(".proposals", has_text="等待办公室确认").locator(".entry-waiting")
    await expect(proposal).to_contain_text("住户变化")
    await expect(proposal).to_contain_text("周小红")
    assert await counted_server.requests() == before, "an offline phone sends nothing"

    await handset.set_offline(False)
    await expect_pending(page, 0)
    change = await RosterChange.get(id=entry["id"])
    assert change.proposed == {"name": "周小红", "gender": "F", "birth_year": 1952, "care_flags": ["lives_alone"]}
    await office.goto("/office/roster")
    await expect(office.locator(f"#change-{change.id}")).to_contain_text("周小红")


async def test_rejected_answers_and_proposals_keep_the_servers_words(leader_page, office, world):
    """Also axe-core on the leader's pages with a question, waiting and rejected entries."""
    page = leader_page
    household = world.households[2]
    visit = await make_visit(world, 2, datetime.now(timezone.utc) - timedelta(hours=3), notes="楼道很暗")
    question = await send_back(office, visit.id, "灯是哪一层坏了？")
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto("/")
    await expect(page.locator(".office-questions")).to_contain_text("灯是哪一层坏了？")
    await assert_accessible(page)

    # An empty answer reaches the server and comes back refused, with the server's reason.
    await page.goto(f"/households/{household.id}")
    await skip_phone_checks(page)
    await answer(page, question.id, "")
    rejected = page.locator(f"#question-{question.id} .entry-rejected")
    await expect(rejected).to_contain_text("被退回：回答是空的")
    await assert_accessible(page)
    await rejected.get_by_role("link", name="修改").click()
    await expect(page.get_by_text("正在修改被退回的记录：回答是空的")).to_be_visible()
    await answer(page, question.id, "三楼")
    await expect(page.get_by_text(CORRECTED)).to_be_visible()
    await outbox_emptied(page)
    [stored] = await QuestionAnswer.filter(question_id=question.id)
    assert stored.text == "三楼"

    # A proposal the server refuses (a birth year still to come) waits, refused, on the household.
    await page.goto(f"/households/{household.id}/roster")
    await assert_accessible(page)
    form = page.locator('form[data-outbox-form="roster_change"]')
    await form.get_by_label("信息有变化").check()
    await form.get_by_label("张桂英").check()
    await form.get_by_label("出生年份（例如 1948）").fill("2099")
    await skip_phone_checks(page)
    await form.get_by_role("button", name="报告给居委会").click()
    await expect(page.locator("#sync-status")).to_contain_text("1 条被退回，请处理")
    await page.goto(f"/households/{household.id}")
    refused = page.locator(".proposals .entry-rejected")
    await expect(refused).to_contain_text("不能晚于今年")
    await assert_accessible(page)
    await page.goto("/phone")
    await expect(page.locator("[data-problems-list] .entry-rejected")).to_contain_text("住户变化")
    await assert_accessible(page)
    await page.locator("[data-problems-list]").get_by_role("link", name="修改").click()
    await page.wait_for_url(f"**/households/{household.id}/roster#edit=*")
    form = page.locator('form[data-outbox-form="roster_change"]')
    await expect(form.get_by_label("出生年份（例如 1948）")).to_have_value("2099")
    await expect(form.get_by_label("张桂英")).to_be_checked()
    await expect(form.get_by_label("信息有变化")).to_be_checked()
    assert await RosterChange.all().count() == 0
    [refused_entry] = await outbox(page)
    await form.get_by_label("出生年份（例如 1948）").fill("1938")
    await form.get_by_role("button", name="报告给居委会").click()
    await expect(page.get_by_text(CORRECTED)).to_be_visible()
    await outbox_emptied(page)
    change = await RosterChange.get(id=refused_entry["id"])  # sent again under the same id
    assert change.resident_id == world.residents["zhang"].id and change.proposed == {"birth_year": 1938}
