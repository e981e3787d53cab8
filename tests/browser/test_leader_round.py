"""A leader's round on a phone: who to see, open the household, log a visit, see it saved.

These tests drive the server-rendered pages as they work without the offline scripts (the
form posts to the server); the offline outbox has its own browser tests. The search script stays on.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import Page, expect

from server.models import Visit, VisitKind, VisitResident, VisitStatus
from tests.browser.conftest import assert_accessible, log_in

# What a leader's screen must never go below (style.md / the brief): 20px text, 60px targets.
MIN_FONT_PX = 20
MIN_TARGET_PX = 60

# Every visible element with text of its own must be at least MIN_FONT_PX; every link, button,
# text control, and the label of every checkbox/radio, at least MIN_TARGET_PX on both sides.
MEASURE = """
([minFont, minTarget]) => {
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
      && !el.closest('[hidden], .visually-hidden, .skip-link, #sync-status');
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  const small = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el) || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const isControl = ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(el.tagName);
    if ((ownText || isControl) && el.getAttribute('aria-hidden') !== 'true') {
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < minFont) small.push(describe(el) + ' font ' + size);
    }
  }
  const tiny = [];
  const targets = document.body.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea');
  for (let el of targets) {
    if (!visible(el)) continue;
    if (el.type === 'checkbox' || el.type === 'radio') el = el.closest('label') || el;
    const box = el.getBoundingClientRect();
    if (box.height < minTarget || box.width < minTarget) {
      tiny.push(describe(el) + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
    }
  }
  return {small, tiny, targets: targets.length};
}
"""


async def assert_big_enough(page: Page) -> None:
    found = await page.evaluate(MEASURE, [MIN_FONT_PX, MIN_TARGET_PX])
    assert found["targets"] > 0
    assert found["small"] == [], "text under 20px: " + "; ".join(found["small"])
    assert found["tiny"] == [], "tap targets under 60px: " + "; ".join(found["tiny"])


async def assert_no_sideways_scroll(page: Page) -> None:
    """At 390px, and again with the text 1.3× larger (a large system font)."""
    for root_px in ("20px", "26px"):
        await page.evaluate("(px) => { document.documentElement.style.fontSize = px; }", root_px)
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"page scrolls sideways by {overflow}px at root font {root_px}"
    await page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


async def without_offline_scripts(page: Page) -> None:
    # The outbox would take over the form; here the server's own form handling is under test.
    # The home search's own small script (search.js) stays, as htmx did before it.
    await page.route(re.compile(r".*/static/js/(?!search\.js).*"), lambda route: route.abort())
    await page.route(re.compile(r".*/sw\.js.*"), lambda route: route.abort())


async def seen(world, resident, days_ago: int) -> None:
    when = datetime.now(timezone.utc) - timedelta(days=days_ago)
    household = await resident.household
    visit = await Visit.create(
        id=uuid.uuid4(), community=world.community, household=household, author=world.users["leader01"],
        kind=VisitKind.ELDERLY_CHECK, status=VisitStatus.OK, occurred_at=when, received_at=when,
        content_hash="0" * 64, resident_ids=[resident.id],
    )
    await VisitResident.create(visit=visit, resident=resident, occurred_at=when, kind=VisitKind.ELDERLY_CHECK)


@pytest.fixture
async def round_world(world):
    """张桂英 never visited (overdue), 李建国 seen 13 days ago (due), 王美华 seen 3 days ago (fine)."""
    await seen(world, world.residents["li"], 13)
    await seen(world, world.residents["wang"], 3)
    return world


async def test_leader_round_on_a_phone(page: Page, round_world):
    world = round_world
    await without_offline_scripts(page)

    await page.goto("/login")
    await assert_accessible(page)
    await log_in(page, "leader01")

    # Home: who to see today, overdue first.
    await expect(page.get_by_role("heading", name="您好，王秀英")).to_be_visible()
    due = page.locator(".due-list > li")
    await expect(due).to_have_count(2)
    await expect(due.nth(0)).to_contain_text("张桂英")
    await expect(due.nth(0)).to_contain_text("从未看望")
    await expect(due.nth(0)).to_contain_text("独居")
    await expect(due.nth(1)).to_contain_text("李建国")
    await expect(due.nth(1)).to_contain_text("已 13 天未看望")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)

    # Open the household of the first one due.
    await due.nth(0).get_by_role("link").click()
    await page.wait_for_url(re.compile(rf"/households/{world.households[2].id}\?for={world.residents['zhang'].id}#"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("天山路680弄16号503室")
    await expect(page.get_by_text("按门铃两次")).to_be_visible()
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)

    # Log the visit: the resident, "needs attention", a note.
    form = page.locator("form.visit-form")
    await expect(form.get_by_label("老人看望")).to_be_checked()
    await expect(form.get_by_label("张桂英")).to_be_checked()  # the resident of the card
    await form.get_by_label("需要关注").check()
    await form.get_by_label("情况说明（可以不填）").fill("最近胃口不好，女儿下周来")
    await form.get_by_role("button", name="保存走访记录").click()

    await page.wait_for_url(re.compile(r"/households/\d+\?saved="))
    message = page.locator("#saved-message")
    await expect(message).to_be_visible()
    await expect(message).to_contain_text("已保存 走访记录")
    latest = page.locator(".visits > li").first
    await expect(latest).to_contain_text("需要关注")
    await expect(latest).to_contain_text("最近胃口不好，女儿下周来")
    await expect(latest).to_contain_text("看望了：张桂英")
    await expect(page.locator(".resident-check")).to_contain_text("今天看望过")
    await assert_accessible(page)

    visit = await Visit.get(household_id=world.households[2].id)
    assert visit.status == VisitStatus.CONCERN and visit.resident_ids == [world.residents["zhang"].id]

    # Back home, 张桂英 is no longer due.
    await page.get_by_role("navigation").get_by_role("link", name="首页", exact=True).click()
    await expect(page.locator(".due-list > li")).to_have_count(1)
    await expect(page.locator(".due-list")).not_to_contain_text("张桂英")


async def test_an_error_is_shown_next_to_its_field_and_accessible(page: Page, round_world):
    world = round_world
    await without_offline_scripts(page)
    await log_in(page, "leader01")
    await page.goto(f"/households/{world.households[0].id}")

    form = page.locator("form.visit-form")
    await form.get_by_label("李建国").check()
    await form.get_by_label("情况说明（可以不填）").fill("没选情况")
    await form.get_by_role("button", name="保存走访记录").click()

    await expect(page.locator("#form-errors")).to_contain_text("没有保存")
    status_group = page.get_by_role("group", name="情况怎么样")
    await expect(status_group).to_have_attribute("aria-describedby", "error-status")
    await expect(page.locator("#error-status")).to_have_text(re.compile("请选择情况：一切安好、需要关注或紧急"))
    # What was typed is still there.
    await expect(form.get_by_label("李建国")).to_be_checked()
    await expect(form.get_by_label("情况说明（可以不填）")).to_have_value("没选情况")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)
    assert await Visit.filter(household_id=world.households[0].id, notes="没选情况").count() == 0


async def test_live_search_and_my_records(page: Page, round_world):
    world = round_world
    await without_offline_scripts(page)
    await log_in(page, "leader01")

    box = page.get_by_label("按房号或姓名查找")
    await box.fill("503")
    async with page.expect_response(lambda r: "/households/search?q=503" in r.url) as answer:
        await page.get_by_role("button", name="查找").click()
    assert (await answer.value).status == 200
    households = page.locator("#household-list .household-link")
    await expect(households).to_have_count(1)
    await expect(households.first).to_contain_text("张桂英")
    assert "q=" not in page.url  # search.js swapped the list in; the page did not navigate
    await expect(page.get_by_role("status").filter(has_text="找到 1 户")).to_have_count(1)

    await box.fill("王美")
    await expect(households).to_have_count(1)
    await expect(households.first).to_contain_text("101")
    await assert_accessible(page)

    await page.get_by_role("link", name="我的记录").click()
    await expect(page.get_by_role("heading", name="我的记录")).to_be_visible()
    await expect(page.locator(".visit-item")).to_have_count(2)
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)


async def test_english_pages_fit_a_phone_too(page: Page, round_world):
    world = round_world
    await without_offline_scripts(page)
    await log_in(page, "leader01")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Elderly residents to visit today")).to_be_visible()
    await expect(page.locator(".due-list > li").first).to_contain_text("Never visited")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)

    await page.goto(f"/households/{world.households[0].id}")
    await page.get_by_role("button", name="Save the visit").click()
    await expect(page.locator("#error-status")).to_contain_text("Please choose how things are")
    await assert_accessible(page)
    await assert_big_enough(page)
    await assert_no_sideways_scroll(page)
