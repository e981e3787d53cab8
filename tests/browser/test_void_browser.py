"""A visit the office voids (作废) reads 已作废 with the reason on its leader's phone, offers no
修改/撤回 any more — not even from the copy the phone kept when it uploaded it — and the page
stays accessible."""

from __future__ import annotations

from playwright.async_api import expect

from server.models import Visit
from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, handset, leader_page, log_in_ready, outbox_emptied, save_visit,
)


async def test_the_leader_sees_the_void_and_cannot_change_it(leader_page, office_page, world):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{household.id}")
    await save_visit(page, notes="不小心记了两遍")
    await outbox_emptied(page)  # uploaded: the phone keeps a copy of it for a while
    visit = await Visit.get(household_id=household.id, notes="不小心记了两遍")

    await office_page.goto(f"/office/visits/{visit.id}")
    await office_page.get_by_label("作废原因（必填）").fill("同一次走访记了两遍")
    await office_page.get_by_role("button", name="作废这条记录").click()
    await office_page.wait_for_url("**saved=voided")

    await page.goto(f"/households/{household.id}")
    item = page.locator(f"#visit-{visit.id}")
    await expect(item).to_be_visible()
    await expect(item.locator(".void-mark")).to_have_text("⊘已作废：居委会作废了这条记录，不计入统计。原因：同一次走访记了两遍")
    await expect(item.get_by_role("button", name="撤回")).to_have_count(0)
    await expect(item.get_by_role("link", name="修改")).to_have_count(0)
    await expect(page.locator(f'[data-visit-list] > [data-entry-id="{visit.id}"]')).to_have_count(0)
    await assert_accessible(page)

    # 修改 reached by its address (an old link, the kept copy) fills nothing.
    await page.goto(f"/households/{household.id}#change={visit.id}")
    await page.wait_for_timeout(300)
    await expect(page.locator('form[data-outbox-form="visit"] textarea[name="notes"]')).to_have_value("")

    await page.goto("/visits/mine")
    await expect(page.locator(f"#visit-{visit.id} .void-mark")).to_contain_text("同一次走访记了两遍")
    await assert_accessible(page)
