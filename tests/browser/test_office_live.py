"""The open office dashboard shows a new urgent visit by itself: no reload, filters and typing
kept, the count in the tab title; and the long lists of the office screens stay within reach."""

from __future__ import annotations

import re

from playwright.async_api import expect

from server.models import BuildingGroup
from tests.browser.conftest import assert_accessible, log_in
from tests.office_factories import make_visit


async def test_open_dashboard_shows_a_new_urgent_visit_without_a_reload(laptop, world):
    await make_visit(world, 0, kind="elderly_check", status="ok", notes="血压正常")
    page = await laptop.new_page()
    await log_in(page, "office")
    # The page's own clock, moved on by the test: the 20-second poll without waiting 20 s.
    await page.clock.install()
    await page.goto("/office?kind=elderly_check")
    await expect(page).to_have_title(re.compile(r"^走访记录"))
    await expect(page.get_by_text("没有等待处理的紧急记录。")).to_be_visible()
    await page.evaluate("window.sameDocument = true")
    await page.get_by_label("从（走访日期）").fill("2026-11-01")  # typed, not yet applied

    visit = await make_visit(world, 2, kind="elderly_check", status="urgent", notes="老人摔倒，已叫120")
    await page.clock.fast_forward(25_000)

    row = page.locator("table.visit-table tbody tr").first
    await expect(row.get_by_role("link", name="天山路680弄16号503室")).to_be_visible()
    await expect(row).to_contain_text("紧急")
    await expect(page).to_have_title(re.compile(r"^\(1\) 紧急 · 走访记录"))
    await expect(page.get_by_role("status").filter(has_text="紧急、还没有人处理：1 条")).to_be_visible()
    assert await page.evaluate("window.sameDocument") is True  # no reload
    assert page.url.endswith("/office?kind=elderly_check")
    assert await page.get_by_label("从（走访日期）").input_value() == "2026-11-01"
    assert await page.get_by_label("类型").input_value() == "elderly_check"
    assert await row.get_by_role("link").first.get_attribute("href") == f"/office/visits/{visit.id}"
    await assert_accessible(page)

    # Taken up by someone else: the count leaves the title at the next look.
    from server.models import Visit
    await Visit.filter(id=visit.id).update(review_state="acknowledged")
    await page.clock.fast_forward(25_000)
    await expect(page).to_have_title(re.compile(r"^走访记录"))


async def test_sixty_groups_leave_the_save_button_in_reach_and_table_links_are_tappable(laptop, world):
    for number in range(3, 61):
        await BuildingGroup.create(community=world.community, number=number, name=f"天山路{number}弄{number}号")
    await make_visit(world, 2, status="urgent")
    page = await laptop.new_page()
    await log_in(page, "admin")
    await page.goto(f"/admin/users/{world.users['leader01'].id}")
    save = await page.get_by_role("button", name="保存", exact=True).bounding_box()
    assert save and save["y"] < 1400, save  # one column of sixty put it near 3,400 px down
    await page.goto("/admin/users/new")
    create = await page.get_by_role("button", name="创建账号").bounding_box()
    assert create and create["y"] < 1400, create
    await assert_accessible(page)

    await page.goto("/office")
    link = await page.locator("table.visit-table").get_by_role("link").first.bounding_box()
    assert link and link["height"] >= 32, link
