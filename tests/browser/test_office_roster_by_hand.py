"""The office keeps the roster by hand in Chromium: a new group, a household, a resident, a move
out confirmed, finding people, and approving ticked proposals — each page accessible (axe)."""

from __future__ import annotations

from playwright.async_api import Page

from server.models import Household, Resident, ResidentStatus, RosterChange, RosterChangeState
from tests.browser.conftest import assert_accessible, log_in
from tests.office_factories import make_roster_change

async def test_the_office_keeps_the_roster_by_hand(laptop, world):
    changes = [
        await make_roster_change(world, resident=world.residents["li"], proposed={"phone": f"1390000000{n}"})
        for n in range(3)
    ]
    page: Page = await laptop.new_page()
    await log_in(page, "office")

    await page.goto("/office")
    await page.get_by_role("link", name="楼组", exact=True).click()
    await page.wait_for_url("**/office/groups")
    await page.get_by_label("楼组编号").fill("3")
    await page.get_by_label("楼组名称").fill("天山路680弄20号")
    await page.get_by_role("button", name="建立楼组").click()
    await page.wait_for_url("**saved=created")
    assert await page.get_by_role("heading", name="3 · 天山路680弄20号").is_visible()
    await assert_accessible(page)

    # A household: the group's address is filled in already; only the room is typed.
    await page.locator("#household-room").fill("101")
    await page.get_by_role("button", name="添加住户").click()
    await page.wait_for_url("**saved=household_created")
    assert await page.get_by_role("heading", name="天山路680弄20号101室").is_visible()

    # A resident, with a mistake first.
    form = page.locator("#new-resident")
    await form.get_by_label("姓名").fill("周小红")
    await form.get_by_label("性别").select_option("F")
    await form.get_by_label("出生年份").fill("1890")
    await form.get_by_role("button", name="登记居民").click()
    assert await page.get_by_text("出生年份应为四位数").is_visible()
    await assert_accessible(page)
    form = page.locator("#new-resident")
    await form.get_by_label("出生年份").fill("1940")
    await form.get_by_label("独居").check()
    await form.get_by_role("button", name="登记居民").click()
    await page.wait_for_url("**saved=resident_created**")
    resident = await Resident.get(name="周小红")
    assert resident.care_flags == ["lives_alone"]
    await assert_accessible(page)

    # She moves away: asked to confirm, then kept apart.
    card = page.locator(f"#resident-{resident.id}")
    await card.get_by_label("状态").select_option("moved")
    await card.get_by_role("button", name="保存居民信息").click()
    assert await page.get_by_text("请确认：把 周小红 标记为“已搬离”。").is_visible()
    assert (await Resident.get(id=resident.id)).status == ResidentStatus.ACTIVE
    await assert_accessible(page)
    await page.get_by_role("button", name="确认，标记为“已搬离”").click()
    await page.wait_for_url("**saved=resident**")
    assert (await Resident.get(id=resident.id)).status == ResidentStatus.MOVED
    assert await page.locator("#former").get_by_text("周小红").is_visible()

    # Finding people: everyone aged 80 and over living here, then by part of an address.
    await page.get_by_role("link", name="查找居民").click()
    await page.get_by_label("年龄（按今年计算）").select_option("80-89")
    await page.get_by_role("button", name="查找").click()
    await page.wait_for_url("**age=80-89**")
    assert await page.get_by_role("link", name="李建国").is_visible()
    assert not await page.get_by_role("link", name="周小红").is_visible()  # moved away
    await assert_accessible(page)
    await page.get_by_label("姓名、地址或室号").fill("680弄20号")
    await page.get_by_label("年龄（按今年计算）").select_option("")
    await page.get_by_role("button", name="查找").click()
    await page.get_by_role("link", name="天山路680弄20号101室").click()
    assert await page.get_by_role("heading", name="天山路680弄20号101室").is_visible()
    assert await Household.filter(address="天山路680弄20号101室").count() == 1

    # Two of three proposals ticked and approved in one go.
    await page.goto("/office/roster")
    await page.locator(f"#pick-{changes[0].id}").check()
    await page.locator(f"#pick-{changes[2].id}").check()
    await page.get_by_role("button", name="采纳勾选的建议").click()
    assert await page.get_by_text("已采纳 2 条建议").is_visible()
    states = {c.id: c.state for c in await RosterChange.all()}
    assert [states[c.id] for c in changes] == [RosterChangeState.APPROVED, RosterChangeState.PENDING, RosterChangeState.APPROVED]
    await assert_accessible(page)
