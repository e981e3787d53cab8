"""What a leader sees settle: the "已可离线使用" notice shifts nothing (CLS < 0.05), and a name
never breaks in the middle (梁/博文), even with a large system font."""

from __future__ import annotations

from playwright.async_api import expect

from server.models import Resident

from tests.browser.conftest import assert_accessible, log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, handset, leader_page, ready_offline,
)

# Every layout shift the page has had, without those right after the leader's own input.
CUMULATIVE_LAYOUT_SHIFT = """() => new Promise((done) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const shift of list.getEntries()) if (!shift.hadRecentInput) total += shift.value;
  }).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => done(total), 300);
})"""


async def test_the_offline_ready_notice_moves_nothing(leader_page, world):
    page = leader_page
    await log_in(page, "leader01")
    await ready_offline(page, world.users["leader01"].id)
    # The notice as it comes on a settled page: the worker says the pages are kept (said once).
    await page.goto("/")
    await page.evaluate("LouzuOutbox.setMeta('offline_ready_told', false)")
    await page.wait_for_timeout(1000)
    await page.evaluate("new BroadcastChannel(LouzuOutbox.CHANNEL).postMessage({ type: 'pages-refreshed' })")
    toast = page.locator(".toast", has_text="已可离线使用")
    await expect(toast).to_be_visible()
    shift = await page.evaluate(CUMULATIVE_LAYOUT_SHIFT)
    print(f"cumulative layout shift with the offline-ready notice: {shift:.3f}")
    assert shift < 0.05, f"cumulative layout shift {shift:.3f}"
    await assert_accessible(page)
    # It covers nothing for good: the page scrolls clear of it, and it closes.
    await page.get_by_role("button", name="退出登录").scroll_into_view_if_needed()
    await toast.get_by_role("button", name="知道了").click()
    await expect(toast).to_have_count(0)


# How many lines each occurrence of `name` takes inside elements matching `selector`.
NAME_LINES = """([selector, name]) => {
  const counts = [];
  for (const holder of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const at = text.textContent.indexOf(name);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + name.length);
      counts.push(new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size);
    }
  }
  return counts;
}"""

NAMES = ("梁博文", "欧阳建国", "司马小红", "诸葛明", "上官婉儿", "慕容复兴", "李建国", "王美华")


async def test_names_never_break_mid_word(leader_page, world):
    household = world.households[0]
    for name in NAMES[:6]:  # a full household: its list of names wraps on a phone
        await Resident.create(community_id=household.community_id, household=household, name=name,
                              gender="F", birth_year=1940, care_flags=["age_80_plus"])
    page = leader_page
    await log_in(page, "leader01")
    path = f"/households/{household.id}"
    places = (
        ("/", ".due-name"), ("/", ".household-residents"),
        (path, ".resident-name"), (path, ".resident-choices .choice"),
        (path + "/roster", ".resident-choices .choice"),
    )
    for root_px in ("20px", "26px", "32px"):
        for url, selector in places:
            await page.goto(url)
            await page.evaluate("(px) => { document.documentElement.style.fontSize = px; }", root_px)
            for name in NAMES:
                lines = await page.evaluate(NAME_LINES, [selector, name])
                assert all(n == 1 for n in lines), f"{url} {selector} at {root_px}: {name} takes {lines} lines"
