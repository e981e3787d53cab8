"""A printed sign-in card, end to end in Chromium: the roster import brings a new household, the
admin issues a card on the real page, a fresh 390 px phone opens its link, presses one button,
lands on the leader's home with the imported household, and then opens it with the network off."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import expect

from server.models import DeviceSession, Household, Role, SignInCard
from server.roster_import import import_roster
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    LAPTOP, counted_server, go_offline, handset, leader_page, ready_offline,
)
from tests.factories import make_user
from tests.roster_files import person, xlsx

# Screenshots for people to look at (not compared): kept only when asked for.
SHOTS = os.environ.get("LOUZU_SCREENSHOTS")


async def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


async def test_a_leader_signs_in_from_a_printed_card_and_works_offline(browser, leader_page, handset, world,
                                                                       counted_server):
    leader = world.users["leader01"]
    # The committee's roster spreadsheet brings a household the leader has never seen.
    imported = await import_roster(world.community, xlsx([
        person(1, room="808", name="钱阿婆", year=1936, flags="高龄、独居", account="leader01"),
    ]), "名册.xlsx")
    assert imported.imported and imported.households.created == 1
    household = await Household.get(community_id=world.community.id, room="808")

    # The admin, on the office PC, ticks the leader and prints a card.
    laptop = await browser.new_context(base_url=counted_server.url, **LAPTOP)
    desk = await laptop.new_page()
    await log_in(desk, "admin")
    await desk.get_by_role("link", name="打印登录卡").click()
    await desk.wait_for_url("**/admin/cards")
    await expect(desk.get_by_role("heading", name="登录卡")).to_be_visible()
    await assert_accessible(desk)
    await shot(desk, "cards-list.png")
    await desk.get_by_label("王秀英").check()
    await desk.get_by_role("button", name="为选中的楼组长打印登录卡").click()
    await expect(desk.get_by_role("heading", name="1 张登录卡")).to_be_visible()
    card = desk.locator("article.signin-card")
    await expect(card).to_have_count(1)
    await expect(card.get_by_role("img", name="王秀英的登录二维码")).to_be_visible()
    await expect(card).to_contain_text("楼组 1 · 天山路680弄16号")
    link = (await card.locator(".card-link").inner_text()).strip()
    assert link.startswith(counted_server.url + "/c/"), link
    await assert_accessible(desk)
    await shot(desk, "cards-print.png")
    await desk.emulate_media(media="print")
    await shot(desk, "cards-print-media.png")
    await laptop.close()

    # A fresh phone opens the printed link: it sees whose card it is, and nothing is used yet.
    page = leader_page
    await page.goto(link)
    await expect(page.get_by_role("heading", name="王秀英，您好")).to_be_visible()
    await expect(page.get_by_text("楼组 1 · 天山路680弄16号")).to_be_visible()
    button = page.get_by_role("button", name="登录楼组通")
    box = await button.bounding_box()
    assert box["height"] >= 60 and box["width"] > 300
    assert (await SignInCard.get()).used_at is None
    await assert_accessible(page)
    await shot(page, "card-landing.png")

    await button.click()
    await page.wait_for_url(counted_server.url + "/")
    await expect(page.get_by_role("heading", name="您好，王秀英")).to_be_visible()
    await expect(page.locator(f'.households [data-household-id="{household.id}"]')).to_contain_text("钱阿婆")
    session = await DeviceSession.get(user_id=leader.id)
    assert (await SignInCard.get()).session_id == session.id and "Chrome" in session.device_label

    # Ready for offline use as after a password login: the worker keeps this leader's pages.
    await ready_offline(page, leader.id)
    before = await go_offline(handset, counted_server)
    await page.goto(f"/households/{household.id}")
    await expect(page.get_by_role("heading", name=household.address)).to_be_visible()
    await expect(page.get_by_text("钱阿婆").first).to_be_visible()
    assert await counted_server.requests() == before, "an offline phone must send nothing"

    # Back online, the same link again: the card is spent, and this phone is told it is signed in.
    await handset.set_offline(False)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="这张登录卡不能用了")).to_be_visible()
    await expect(page.get_by_text("这部手机已经用您的账号登录好了")).to_be_visible()
    await assert_accessible(page)
    assert await DeviceSession.filter(user_id=leader.id).count() == 1


async def test_cards_print_six_to_an_a4_sheet(browser, world, counted_server):
    for n in range(3, 8):
        await make_user(f"leader{n:02d}", Role.LEADER, world.community, [world.groups[1]], display_name=f"组长{n}")
    laptop = await browser.new_context(base_url=counted_server.url, **LAPTOP)
    desk = await laptop.new_page()
    await log_in(desk, "admin")
    await desk.goto("/admin/cards")
    await desk.get_by_label("选择全部在用的楼组长").check()
    await desk.get_by_role("button", name="为选中的楼组长打印登录卡").click()
    await expect(desk.get_by_role("heading", name="7 张登录卡")).to_be_visible()
    await expect(desk.locator("article.signin-card svg[role=img]")).to_have_count(7)
    pdf = await desk.pdf(format="A4", print_background=True)
    # Page objects ("/Type /Page", not "/Pages"): one full sheet of six, then one card.
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
    await desk.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
    await desk.emulate_media(media="print")
    await shot(desk, "cards-sheet.png")
    await laptop.close()


async def test_a_spent_card_on_another_phone_says_to_ask_the_office(browser, leader_page, world, counted_server):
    laptop = await browser.new_context(base_url=counted_server.url, **LAPTOP)
    desk = await laptop.new_page()
    await log_in(desk, "admin")
    await desk.goto(f"/admin/cards?user={world.users['leader02'].id}")
    await desk.get_by_role("button", name="为选中的楼组长打印登录卡").click()
    link = (await desk.locator(".card-link").inner_text()).strip()
    # The admin reissues: the first card stops working at once.
    await desk.goto("/admin/cards")
    await desk.get_by_role("button", name=re.compile("重新发卡.*李国强")).click()
    await expect(desk.get_by_role("heading", name="1 张登录卡")).to_be_visible()
    await laptop.close()

    page = leader_page
    response = await page.goto(link)
    assert response.status == 410
    await expect(page.get_by_role("heading", name="这张登录卡不能用了")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("这张登录卡已作废")
    await expect(page.get_by_text("请找居委会办公室重新打印一张登录卡。")).to_be_visible()
    await assert_accessible(page)
    await shot(page, "card-refused.png")
