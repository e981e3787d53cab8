"""Typing is never lost: what a leader types in a form stays on the phone as a draft across
links, reloads and lost signal, until it is saved or discarded; logging out removes it."""

from __future__ import annotations

from playwright.async_api import expect

from server.models import Visit
from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, go_offline, handset, leader_page, log_in_ready, outbox,
)

NOTE = "李伯伯说腿又疼了，下周"


def visit_form(page):
    return page.locator('form[data-outbox-form="visit"]')


async def drafts(page) -> list[str]:
    return await page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('louzu-draft:'))")


async def type_half_a_note(page, world) -> None:
    await page.goto(f"/households/{world.households[0].id}")
    form = visit_form(page)
    await form.get_by_label("需要关注").check()
    await form.get_by_label("李建国", exact=True).check()
    await form.get_by_label("情况说明", exact=False).fill(NOTE)


async def expect_restored(page) -> None:
    form = visit_form(page)
    await expect(form.get_by_label("情况说明", exact=False)).to_have_value(NOTE)
    await expect(form.get_by_label("需要关注")).to_be_checked()
    await expect(form.get_by_label("李建国", exact=True)).to_be_checked()
    await expect(page.locator("[data-draft-notice]")).to_contain_text("上次没保存的内容")


async def test_a_draft_survives_links_reloads_and_no_signal_until_saved(leader_page, handset, world, counted_server):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await type_half_a_note(page, world)

    await page.get_by_role("link", name="返回首页").click()  # a link, not the back button
    await page.wait_for_url("**/")
    await page.get_by_role("link", name="我的记录").first.click()
    await page.goto(f"/households/{world.households[0].id}")
    await expect_restored(page)
    await assert_accessible(page)

    await page.reload()
    await expect_restored(page)

    await go_offline(handset, counted_server)
    await page.goto("/")
    await page.goto(f"/households/{world.households[0].id}")  # the kept copy
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    await expect_restored(page)

    await visit_form(page).get_by_role("button", name="保存走访记录").click()
    await expect(page.get_by_text("已保存在手机上")).to_be_visible()
    assert await drafts(page) == []
    [entry] = await outbox(page)
    assert entry["record"]["data"]["notes"] == NOTE
    await page.reload()
    await expect(visit_form(page).get_by_label("情况说明", exact=False)).to_have_value("")
    await expect(page.locator("[data-draft-notice]")).to_have_count(0)

    await handset.set_offline(False)

    async def stored() -> bool:
        return await Visit.filter(notes=NOTE).count() == 1

    await eventually(stored)


async def test_a_discarded_draft_is_gone_and_logout_removes_drafts(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await type_half_a_note(page, world)
    await page.reload()
    await expect_restored(page)
    await page.get_by_role("button", name="丢弃草稿").click()
    await expect(visit_form(page).get_by_label("情况说明", exact=False)).to_have_value("")
    await expect(visit_form(page).get_by_label("需要关注")).not_to_be_checked()
    assert await drafts(page) == []
    await page.reload()
    await expect(page.locator("[data-draft-notice]")).to_have_count(0)

    await type_half_a_note(page, world)
    assert len(await drafts(page)) == 1
    # A form opened to fix a sent-back entry or change a visit is filled from the outbox, not the draft.
    for hash in ("#edit=", "#change="):
        await page.goto("/")
        await page.goto(f"/households/{world.households[0].id}{hash}00000000-0000-4000-8000-000000000000")
        await expect(page.locator("form.visit-form")).to_be_visible()
        await expect(page.locator("[data-draft-notice]")).to_have_count(0)
    assert len(await drafts(page)) == 1
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url("**/login**")
    assert await drafts(page) == []


async def test_a_roster_report_keeps_its_draft_too(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}/roster")
    form = page.locator('form[data-outbox-form="roster_change"]')
    await form.get_by_label("有人搬走了").check()
    await form.get_by_label("李建国").check()
    await form.get_by_label("说明", exact=False).fill("搬去女儿家了")
    await page.goto("/")
    await page.goto(f"/households/{world.households[0].id}/roster")
    await expect(form.get_by_label("说明", exact=False)).to_have_value("搬去女儿家了")
    await expect(form.get_by_label("有人搬走了")).to_be_checked()
    await expect(form.get_by_label("李建国")).to_be_checked()
    await expect(form.get_by_role("textbox", name="姓名")).to_be_hidden()  # a move has no new-resident fields
    await assert_accessible(page)
