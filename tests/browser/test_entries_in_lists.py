"""Every entry is in sight at once with its state: a saved visit is in 最近的走访 and in 我的记录
within a second, online and offline, marked 等待上传 / 已上传 / 被退回 in words, and it turns
已上传 in place after the sync, with no reload."""

from __future__ import annotations

import re

from playwright.async_api import expect

from server.models import Visit
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, go_offline, handset, leader_page, log_in_ready, outbox_emptied, save_visit,
)

AT_ONCE_MS = 1000
STATE_WORDS = re.compile("等待上传|正在上传|已上传")


def listed(page, notes: str):
    return page.locator("[data-visit-list] > li", has_text=notes)


async def test_a_visit_saved_online_is_listed_at_once_and_turns_uploaded(leader_page, world):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{household.id}")
    await save_visit(page, notes="有信号时保存的一条")

    item = listed(page, "有信号时保存的一条")
    await expect(item).to_have_count(1, timeout=AT_ONCE_MS)
    await expect(item.locator(".entry-state")).to_have_text(STATE_WORDS, timeout=AT_ONCE_MS)
    # The server has it: the same item says so, and so does the message above the form.
    await expect(item.locator(".entry-state")).to_have_text("已上传")
    await expect(item).to_have_class(re.compile("entry-synced"))
    message = page.locator("[data-outbox-message]")
    await expect(message).to_have_text("已保存，已上传到居委会")
    await expect(message).not_to_contain_text("有信号时自动上传")
    await outbox_emptied(page)
    assert await Visit.filter(household_id=household.id, notes="有信号时保存的一条").count() == 1

    await page.goto("/visits/mine")
    await expect(listed(page, "有信号时保存的一条")).to_have_count(1, timeout=AT_ONCE_MS)
    await page.goto(f"/households/{household.id}")
    # Once the page the server renders lists it, the phone's copy steps aside: listed once.
    await expect(listed(page, "有信号时保存的一条")).to_have_count(1)


async def test_a_visit_saved_offline_is_listed_waiting_everywhere_then_uploaded_in_place(
    leader_page, handset, world, counted_server,
):
    page = leader_page
    household = world.households[1]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await go_offline(handset, counted_server)
    await page.goto(f"/households/{household.id}")
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    await save_visit(page, notes="没有信号时保存的一条")

    item = listed(page, "没有信号时保存的一条")
    await expect(item.locator(".entry-state")).to_have_text("等待上传", timeout=AT_ONCE_MS)
    await expect(page.locator("[data-visit-list] > li").first).to_contain_text("没有信号时保存的一条")  # on top

    await page.goto("/visits/mine")
    mine = listed(page, "没有信号时保存的一条")
    await expect(mine.locator(".entry-state")).to_have_text("等待上传", timeout=AT_ONCE_MS)
    await expect(mine).to_contain_text(household.address)
    await expect(page.locator("[data-no-visits]")).to_be_hidden()

    await handset.set_offline(False)
    await page.evaluate("Louzu.syncNow('button')")
    await expect(mine.locator(".entry-state")).to_have_text("已上传")  # the same page, no reload
    assert await Visit.filter(household_id=household.id, notes="没有信号时保存的一条").count() == 1
