"""The "report a change" form with its script, on a phone: each change shows only its own
fields, choosing a resident ticks their current care flags and the form says in words what the
report will change, so ticking one more flag never drops the others."""

from __future__ import annotations

from playwright.async_api import expect

from server.models import RosterChange
from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, handset, leader_page, log_in_ready,
)


async def open_form(page, world):
    li = world.residents["li"]
    li.care_flags = ["age_80_plus", "hardship"]
    await li.save()
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}/roster")
    return page.locator('form[data-outbox-form="roster_change"]')


async def test_each_change_shows_only_its_own_fields(leader_page, world):
    page = leader_page
    form = await open_form(page, world)

    await form.get_by_label("有人搬走了").check()
    await expect(form.get_by_label("李建国")).to_be_visible()
    await expect(form.get_by_label("姓名")).to_be_hidden()
    await expect(form.get_by_label("出生年份（例如 1948）")).to_be_hidden()
    await expect(form.get_by_label("新居民（不在名单上）")).to_be_hidden()
    await assert_accessible(page)

    await form.get_by_label("新来了一位居民").check()
    await expect(form.get_by_label("李建国")).to_be_hidden()
    await expect(form.get_by_label("姓名")).to_be_visible()
    await expect(form.get_by_label("新居民（不在名单上）")).to_be_checked()

    await form.get_by_label("信息有变化").check()
    await expect(form.get_by_label("李建国")).to_be_visible()
    await expect(form.get_by_role("textbox", name="电话")).to_be_visible()
    await expect(form.get_by_label("新居民（不在名单上）")).to_be_hidden()


async def test_a_resident_keeps_their_other_flags_and_the_change_is_said_in_words(leader_page, world):
    page = leader_page
    form = await open_form(page, world)
    await form.get_by_label("信息有变化").check()
    await form.get_by_label("李建国").check()
    # Their current flags are ticked: ticking one more proposes one more, not "only this one".
    await expect(form.get_by_role("checkbox", name="高龄")).to_be_checked()
    await expect(form.get_by_role("checkbox", name="困难")).to_be_checked()
    await expect(form.get_by_role("checkbox", name="独居")).not_to_be_checked()
    said = form.locator("[data-flag-changes]")
    await expect(said).to_have_text("关注情况不变")

    await form.get_by_role("checkbox", name="独居").check()
    assert await said.text_content() == "报告后会改：\n独居 → 加上"
    await form.get_by_role("checkbox", name="困难").uncheck()
    await expect(said).to_contain_text("独居 → 加上")
    await expect(said).to_contain_text("困难 → 去掉")
    await assert_accessible(page)
    await form.get_by_role("checkbox", name="困难").check()
    assert await said.text_content() == "报告后会改：\n独居 → 加上"

    await form.get_by_role("button", name="报告给居委会").click()
    await eventually(RosterChange.exists)
    change = await RosterChange.get()
    assert change.proposed == {"care_flags": ["age_80_plus", "hardship", "lives_alone"]}


async def test_flags_left_as_they_are_are_not_proposed(leader_page, world):
    page = leader_page
    form = await open_form(page, world)
    await form.get_by_label("信息有变化").check()
    await form.get_by_label("李建国").check()
    await form.get_by_role("textbox", name="电话").fill("13812345678")
    await form.get_by_role("button", name="报告给居委会").click()
    await eventually(RosterChange.exists)
    change = await RosterChange.get()
    assert change.proposed == {"phone": "13812345678"}
