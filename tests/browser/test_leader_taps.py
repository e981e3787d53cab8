"""The commonest job in three taps: from a due card on home, an elderly check of that resident,
"一切安好", saved. Each tap is a touch at a point of the 390×844 screen the leader can see
without scrolling, online and offline."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from server.models import Visit, VisitKind
from tests.browser.conftest import PHONE, assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, expect_pending, go_offline, handset, leader_page, log_in_ready, outbox,
)

HEIGHT = PHONE["viewport"]["height"]


class Taps:
    """Touches the screen where an element is, only if it is on screen and not covered."""

    def __init__(self, page: Page) -> None:
        self.page, self.count = page, 0

    async def tap(self, target: Locator) -> None:
        box = await target.bounding_box()
        assert box is not None, "not shown"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        assert 0 <= y <= HEIGHT, f"off screen (y={y:.0f}): the leader would have to scroll to find it"
        on_top = await self.page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? e.outerHTML.slice(0, 80) : ''; }",
            [x, y],
        )
        assert await target.evaluate(
            "(el, [x, y]) => el.contains(document.elementFromPoint(x, y))", [x, y]
        ), f"covered by {on_top}"
        await self.page.touchscreen.tap(x, y)
        self.count += 1


async def elderly_check_in_three_taps(page: Page, world) -> None:
    li = world.residents["li"]
    taps = Taps(page)
    await taps.tap(page.locator(f'.due-list [data-resident-id="{li.id}"] a'))
    await page.wait_for_url(f"**/households/{world.households[0].id}**")
    form = page.locator('form[data-outbox-form="visit"]')
    await expect(form.get_by_label("李建国", exact=True)).to_be_checked()
    await expect(form.get_by_label("王美华", exact=True)).not_to_be_checked()
    await expect(form.get_by_label("老人看望")).to_be_checked()
    scrolled = await page.evaluate("scrollY")
    saved_before = await page.evaluate("performance.getEntriesByName('louzu-outbox-save').length")
    await taps.tap(form.locator("label[for=status-ok]"))
    assert await page.evaluate("scrollY") == scrolled, "the leader scrolled between the taps"
    await taps.tap(form.get_by_role("button", name="保存走访记录"))
    await page.wait_for_function(
        "n => performance.getEntriesByName('louzu-outbox-save').length > n", arg=saved_before, polling=50
    )
    assert taps.count == 3


async def test_due_card_to_saved_elderly_check_in_three_taps(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto("/")
    await assert_accessible(page)
    await elderly_check_in_three_taps(page, world)

    async def stored() -> bool:
        return await Visit.filter(household_id=world.households[0].id).exists()

    await eventually(stored)
    visit = await Visit.get(household_id=world.households[0].id)
    assert visit.kind == VisitKind.ELDERLY_CHECK and visit.resident_ids == [world.residents["li"].id]
    assert visit.status.value == "ok"
    await assert_accessible(page)


async def test_due_card_flow_works_offline_from_the_kept_pages(leader_page, handset, world, counted_server):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await go_offline(handset, counted_server)
    await page.goto("/")
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    await elderly_check_in_three_taps(page, world)

    [entry] = await outbox(page)
    data = entry["record"]["data"]
    assert (data["kind"], data["status"], data["resident_ids"]) == ("elderly_check", "ok", [world.residents["li"].id])
    await assert_accessible(page)

    await handset.set_offline(False)
    await expect_pending(page, 0)
    visit = await Visit.get(household_id=world.households[0].id)
    assert visit.kind == VisitKind.ELDERLY_CHECK and visit.resident_ids == [world.residents["li"].id]


async def test_a_household_where_nobody_is_due_defaults_to_a_routine_visit(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[1].id}")  # 赵小明: no care flags
    await expect(page.locator('form[data-outbox-form="visit"]').get_by_label("日常走访")).to_be_checked()
