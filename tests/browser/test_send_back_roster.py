"""Send back and the roster in Chromium, through the server-rendered forms (online): the office
asks, the leader's phone shows and answers, the office reads; the leader reports a new resident,
the office approves, the phone shows them. Every page passes axe-core; the leader's pages keep
20px text and 60px targets without sideways scrolling. (The same round trip offline, through the
outbox, belongs with the offline tests once the outbox takes these forms.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.async_api import Page, expect

from server.models import QuestionAnswer, Resident, RosterChange
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.test_leader_round import assert_big_enough, assert_no_sideways_scroll, without_offline_scripts
from tests.office_factories import make_visit

QUESTION = "老人说药吃完了，是哪种药？"
ANSWER = "是降压药，女儿周六去配。"


async def test_send_back_round_trip(page: Page, office_page: Page, world):
    visit = await make_visit(world, 2, datetime.now(timezone.utc) - timedelta(hours=2), status="concern",
                             notes="药吃完了")
    office = office_page

    # The office sends the visit back with a question.
    await office.goto(f"/office/visits/{visit.id}")
    await office.get_by_label("要问楼组长的问题").fill(QUESTION)
    await office.get_by_role("button", name="退回楼组长补充").click()
    await office.wait_for_url("**saved=send_back**")
    await expect(office.locator("#send-back")).to_contain_text("等待楼组长回答")
    await assert_accessible(office)

    # The leader's phone shows it at the top of home, then on the household page.
    await without_offline_scripts(page)
    await log_in(page, "leader01")
    asked = page.locator(".office-questions")
    await expect(asked).to_contain_text(QUESTION)
    await expect(asked).to_contain_text("天山路680弄16号503室")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)

    await asked.get_by_role("link").first.click()
    await page.wait_for_url(re.compile(rf"/households/{world.households[2].id}#question-\d+"))
    form = page.locator("form.answer-form")
    await form.get_by_role("button", name="把回答发给居委会").click()  # empty: refused, explained
    await expect(page.locator(".answer-form .field-error")).to_contain_text("回答是空的")
    await assert_accessible(page)
    await assert_big_enough(page)
    await form.get_by_label("您的回答").fill(ANSWER)
    await form.get_by_role("button", name="把回答发给居委会").click()
    await expect(page.locator("#answered-message")).to_contain_text("已把回答发给居委会")
    await expect(page.locator(".office-questions")).to_contain_text(ANSWER)
    await assert_accessible(page)
    await assert_no_sideways_scroll(page)
    assert await QuestionAnswer.filter(text=ANSWER).count() == 1

    # The office sees the answer on the dashboard and on the same visit, and closes the question.
    await office.goto("/office")
    await expect(office.locator("#send-backs")).to_contain_text("楼组长已回答，待查看（1）")
    await assert_accessible(office)
    await office.goto(f"/office/visits/{visit.id}")
    await expect(office.locator("#send-back")).to_contain_text(ANSWER)
    await office.get_by_role("button", name="已看过回答，关闭问题").click()
    await office.wait_for_url("**saved=question_closed**")
    await expect(office.locator("#send-back")).to_contain_text("已关闭")
    await assert_accessible(office)


async def test_roster_round_trip(page: Page, office_page: Page, world):
    household = world.households[0]
    await without_offline_scripts(page)
    await log_in(page, "leader01")
    await page.goto(f"/households/{household.id}")
    await page.get_by_role("link", name="报告住户变化").click()
    await page.wait_for_url(f"**/households/{household.id}/roster")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)

    form = page.locator("form.roster-form")
    await form.get_by_label("新来了一位居民").check()
    await form.get_by_label("新居民（不在名单上）").check()
    await form.get_by_label("姓名").fill("周小红")
    await form.get_by_role("button", name="报告给居委会").click()  # no gender, no year: refused
    await expect(page.locator("#form-errors")).to_contain_text("没有保存")
    await expect(form.get_by_label("姓名")).to_have_value("周小红")
    await assert_accessible(page)
    await assert_big_enough(page)
    await form.get_by_label("性别").select_option("F")
    await form.get_by_label("出生年份（例如 1948）").fill("1952")
    await form.get_by_label("独居").check()
    await form.get_by_role("button", name="报告给居委会").click()
    await expect(page.locator("#reported-message")).to_contain_text("已报告住户变化")
    await expect(page.locator("#proposals")).to_contain_text("等待办公室确认")
    await assert_accessible(page)
    change = await RosterChange.get()
    assert change.proposed == {"name": "周小红", "gender": "F", "birth_year": 1952, "care_flags": ["lives_alone"]}

    office = office_page
    await office.goto("/office/roster")
    await expect(office.locator(f"#change-{change.id}")).to_contain_text("周小红")
    await assert_accessible(office)
    await office.locator(f"#change-{change.id}").get_by_role("button", name="采纳，修改名册").click()
    await office.wait_for_url("**saved=approved")
    await assert_accessible(office)
    resident = await Resident.get(name="周小红")
    await office.goto(f"/office/households/{household.id}")
    await expect(office.locator(f"#resident-{resident.id}")).to_be_visible()
    await assert_accessible(office)

    await page.goto(f"/households/{household.id}")
    await expect(page.locator(".residents")).to_contain_text("周小红")
    await expect(page.locator("#proposals")).to_contain_text("居委会已采纳")
