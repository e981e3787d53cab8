"""The office and admin pages in Chromium on a laptop: they render, and axe-core finds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.async_api import Page

from tests.browser.conftest import assert_accessible, log_in
from tests.office_factories import make_device, make_visit

async def test_office_and_admin_pages_are_accessible(laptop, world):
    now = datetime.now(timezone.utc)
    urgent = await make_visit(world, 2, now - timedelta(hours=3), kind="elderly_check", status="urgent",
                              residents=[world.residents["zhang"]], notes="老人摔倒，已叫120", follow_up_needed=True,
                              follow_up_due=(now - timedelta(days=1)).date())
    await make_visit(world, 2, now - timedelta(hours=2), kind="elderly_check", status="concern", notes="复查")
    await make_visit(world, 3, now - timedelta(days=2), kind="safety", notes="楼道堆物")
    await make_device(world.users["leader01"], label="Android 手机", last_sync_at=now - timedelta(days=5))

    page: Page = await laptop.new_page()
    await log_in(page, "admin")

    await page.goto("/office")
    assert await page.get_by_role("heading", name="走访记录").is_visible()
    await assert_accessible(page)

    # Act through the real form: acknowledge the urgent visit, then check the page again.
    await page.get_by_role("link", name="天山路680弄16号503室").first.click()  # urgent and new: first row
    await page.wait_for_url(f"**/office/visits/{urgent.id}")
    await page.get_by_role("radio", name="已确认").check()
    await page.get_by_label("意见或处理结果").fill("已电话联系家属")
    await page.get_by_role("button", name="保存处理状态和意见").click()
    await page.wait_for_url("**saved=state")
    assert await page.get_by_text("处理状态已更改。").is_visible()
    assert await page.get_by_text("已电话联系家属").first.is_visible()
    await assert_accessible(page)

    # The one form pressed as it comes ("不改" preselected, nothing typed) changes nothing and
    # says so next to the field; the page stays accessible.
    await page.get_by_role("button", name="保存处理状态和意见").click()
    assert await page.get_by_text("没有改动：请选择新的处理状态，或写下意见。").is_visible()
    await assert_accessible(page)

    # Void the visit with a reason: marked in words on its page and in the dashboard's voided list.
    await page.get_by_label("作废原因（必填）").fill("同一次走访记了两遍")
    await page.get_by_role("button", name="作废这条记录").click()
    await page.wait_for_url("**saved=voided")
    assert await page.locator(".void-banner").get_by_text("同一次走访记了两遍").is_visible()
    await assert_accessible(page)
    await page.goto("/office?void=only")
    assert await page.locator(".void-badge").first.is_visible()
    await assert_accessible(page)

    for path, heading in (
        ("/office/follow-ups", "跟进事项"),
        ("/office/checks", "老人看望情况"),
        ("/office/monthly", "民情分析会材料"),
        ("/admin/users", "账号管理"),
        (f"/admin/users/{world.users['leader01'].id}", "王秀英"),
        ("/admin/users/new", "新建账号"),
        ("/admin/audit", "操作日志"),
    ):
        await page.goto(path)
        assert await page.get_by_role("heading", name=heading, exact=False).first.is_visible(), path
        await assert_accessible(page)

    # The monthly pack prints on A4 without the navigation.
    await page.goto("/office/monthly")
    await page.emulate_media(media="print")
    assert not await page.locator(".staff-nav").is_visible()
    assert await page.locator("svg.bars").first.is_visible()
    pdf = await page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
