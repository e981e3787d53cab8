"""axe-core finds nothing on what this work adds: the phone status page with entries in every
state, a page shown from the phone's copy (offline banner, waiting entries), the offline page
and the logout warning."""

from playwright.async_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, expect_pending, handset, leader_page, log_in_ready, save_visit, skip_phone_checks,
)


async def test_offline_screens_are_accessible(leader_page, handset, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    await skip_phone_checks(page)
    await save_visit(page, notes="被退回的一条", follow_up=True)
    await expect(page.locator("[data-visit-list] .entry-rejected")).to_be_visible()

    await handset.set_offline(True)
    await save_visit(page, residents=("李建国",), notes="等待上传的一条")
    await page.reload()
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    await expect(page.locator("[data-visit-list] .entry")).to_have_count(2)
    await assert_accessible(page)

    await page.goto("/")
    await expect(page.locator("[data-waiting-mark]")).to_be_visible()
    await assert_accessible(page)

    await page.goto("/phone")
    await expect(page.locator("[data-problems-list] .entry-rejected")).to_be_visible()
    await expect(page.locator("[data-waiting-list] .entry-waiting")).to_be_visible()
    await expect(page.locator('[data-fact="storage"]')).to_contain_text("MB")
    await assert_accessible(page)

    await page.goto("/households/999999")
    await expect(page.get_by_role("heading", name="现在没有信号")).to_be_visible()
    await expect(page.locator("[data-offline-pending]")).to_contain_text("手机上有 1 条记录等待上传")
    await assert_accessible(page)

    await handset.set_offline(False)
    await page.goto("/phone")
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await assert_accessible(page)
