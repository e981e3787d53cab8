"""A leader in a stairwell: pages open with no signal, visits wait on the phone, and each
reaches the server exactly once when the signal returns, with no reload."""

import asyncio

from playwright.async_api import expect

from server.models import Visit
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, expect_pending, go_offline, handset, leader_page, log_in_ready, outbox, save_visit,
    submit_visit,
)


async def test_visits_logged_offline_reach_the_server_exactly_once(leader_page, handset, world, counted_server):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    before = await go_offline(handset, counted_server)

    await page.goto("/")
    await expect(page.get_by_role("heading", name="您好，王秀英")).to_be_visible()
    await expect(page.locator("[data-offline-banner]")).to_contain_text("离线 · 数据更新于")
    await page.goto(f"/households/{household.id}")
    await expect(page.get_by_role("heading", name=household.address)).to_be_visible()
    # An htmx request for the same URL is a fragment, never answered with the kept page.
    htmx = "fetch(location.pathname, {headers: {'HX-Request': 'true'}}).then(() => 'answered', () => 'not answered')"
    assert await page.evaluate(htmx) == "not answered"

    await save_visit(page, kind="老人看望", residents=("李建国",), notes="血压正常，精神好")
    await expect(page.get_by_text("已保存在手机上，有信号时自动上传")).to_be_visible()
    await save_visit(page, status="需要关注", notes="楼道灯坏了")
    await save_visit(page, kind="安全检查", status="紧急", notes="煤气味", follow_up=True, follow_up_due="2026-12-01")
    await expect_pending(page, 3)
    await expect(page.locator("#sync-status")).to_contain_text("没有信号 · 3 条记录等待上传，有信号时自动上传")

    await page.reload()
    await expect_pending(page, 3)
    await expect(page.locator("[data-visit-list] .entry")).to_have_count(3)
    await expect(page.locator("[data-visit-list]")).to_contain_text("煤气味")
    await page.goto("/")
    due = page.locator('.due-list [data-resident-id="%d"]' % world.residents["li"].id)
    await expect(due).to_contain_text("已看望 · 记录等待上传")
    await expect(page.locator("[data-due-waiting]")).to_contain_text("其中 1 位已看望")
    after = await counted_server.requests()
    assert after == before, f"an offline phone must send nothing: {(await counted_server.paths())[before - after:]}"
    waiting_ids = sorted(entry["id"] for entry in await outbox(page))

    await handset.set_offline(False)
    await expect_pending(page, 0)
    await expect(page.locator("#sync-status")).to_contain_text("手机上没有等待上传的记录")
    await expect(page.locator("[data-due-waiting]")).to_be_hidden()
    stored = await Visit.filter(household_id=household.id).order_by("id").values_list("id", flat=True)
    assert sorted(str(i) for i in stored) == waiting_ids
    assert await outbox(page) == []


async def test_two_tabs_saving_and_flushing_at_once_lose_and_double_nothing(handset, world, counted_server):
    first, second = await handset.new_page(), await handset.new_page()
    await log_in_ready(first, "leader01", world.users["leader01"].id)
    already_pushed = len(await counted_server.pushed())

    # Both tabs save while offline, then both flush the moment the signal returns.
    await handset.set_offline(True)
    await first.goto(f"/households/{world.households[0].id}")
    await second.goto(f"/households/{world.households[1].id}")

    async def save_three(page, word):
        for n in range(3):
            await submit_visit(page, f"{word}{n}")

    await asyncio.gather(save_three(first, "一号"), save_three(second, "二号"))
    await expect_pending(first, 6)
    await handset.set_offline(False)
    await asyncio.gather(first.evaluate("LouzuOutbox.flush()"), second.evaluate("LouzuOutbox.flush()"))
    await expect_pending(first, 0)
    await expect_pending(second, 0)

    stored = await Visit.filter(author_id=world.users["leader01"].id).values_list("notes", flat=True)
    assert sorted(stored) == ["一号0", "一号1", "一号2", "二号0", "二号1", "二号2"]
    pushed = (await counted_server.pushed())[already_pushed:]
    assert len(pushed) == len(set(pushed)) == 6, f"an entry reached the server twice: {pushed}"


async def test_the_outbox_speaks_english_on_english_pages(leader_page, handset, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.get_by_role("button", name="English").click()
    await handset.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    await page.goto(f"/households/{world.households[0].id}")
    await submit_visit(page, "in English")
    await expect(page.get_by_text("Saved on this phone; it uploads when there is signal")).to_be_visible()
    await expect(page.locator("#sync-status")).to_contain_text("Waiting on this phone: 1")
    await expect(page.locator("[data-visit-list]")).to_contain_text("Routine visit · All well")
